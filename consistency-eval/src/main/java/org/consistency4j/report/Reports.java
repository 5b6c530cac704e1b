package org.consistency4j.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.consistency4j.ConsistencyException;
import org.consistency4j.InvalidInputException;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;

/**
 * Writes {@link EvaluationReport}s as JSON, Markdown and self-contained HTML, and reads the JSON back.
 *
 * <ul>
 *   <li>JSON ({@code report.json}): everything in the report, keys in snake_case, estimates as
 *       {@code {"value", "ci_low", "ci_high"}}, with {@code "format": "}{@value #FORMAT}{@code "}.
 *   <li>Markdown ({@code report.md}): configuration, an overall table per model, one table per
 *       headline metric (tasks by models), per-verbalization means and the paired comparisons.
 *   <li>HTML ({@code report.html}): the same tables plus two inline SVG charts (consistency rate per
 *       task per model with interval whiskers; consistency rate against ROUGE-L, each point labeled).
 *       No scripts, fonts, images or style sheets are loaded from anywhere: the file works offline
 *       and is well-formed XML.
 * </ul>
 *
 * <p>Every file is written atomically (temporary file, then rename). This class is the facade; the
 * formats live in {@code ReportJson}, {@code ReportMarkdown} and {@code ReportHtml} of this package.
 * Stateless and thread-safe.
 */
public final class Reports {
  /** The value of the JSON report's {@code format} field. */
  public static final String FORMAT = "consistency4j-evaluation/1";

  /** The JSON report's file name in {@link #writeAll}. */
  public static final String JSON_FILE = "report.json";

  /** The Markdown report's file name in {@link #writeAll}. */
  public static final String MARKDOWN_FILE = "report.md";

  /** The HTML report's file name in {@link #writeAll}. */
  public static final String HTML_FILE = "report.html";

  private Reports() {}

  /** The consistency4j version, from the build ("unknown" if the build did not record it). */
  public static String libraryVersion() {
    try (InputStream in = Reports.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "unknown");
      return v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * Writes {@code report.json}, {@code report.md} and {@code report.html} into {@code dir} (created
   * if needed).
   *
   * @return the three files, in that order
   */
  public static List<Path> writeAll(EvaluationReport report, Path dir) {
    Check.notNull(report, "report");
    Check.notNull(dir, "dir");
    Path json = dir.resolve(JSON_FILE);
    Path md = dir.resolve(MARKDOWN_FILE);
    Path html = dir.resolve(HTML_FILE);
    writeJson(report, json);
    write(md, toMarkdown(report));
    write(html, toHtml(report));
    return List.of(json, md, html);
  }

  /** Writes the JSON report to {@code file}, atomically. */
  public static void writeJson(EvaluationReport report, Path file) {
    write(Check.notNull(file, "file"), toJson(report));
  }

  /** Writes the Markdown report to {@code file}, atomically. */
  public static void writeMarkdown(EvaluationReport report, Path file) {
    write(Check.notNull(file, "file"), toMarkdown(report));
  }

  /** Writes the HTML report to {@code file}, atomically. */
  public static void writeHtml(EvaluationReport report, Path file) {
    write(Check.notNull(file, "file"), toHtml(report));
  }

  private static void write(Path file, String content) {
    try {
      AtomicFiles.writeString(file, content);
    } catch (IOException e) {
      throw new ConsistencyException("cannot write " + file, e);
    }
  }

  /** The JSON report as text. */
  public static String toJson(EvaluationReport report) {
    return ReportJson.toJson(report);
  }

  /**
   * Reads a JSON report written by {@link #writeJson}.
   *
   * @throws InvalidInputException if the file is not a valid report; the message names the file and
   *     the field
   */
  public static EvaluationReport readJson(Path file) {
    return ReportJson.readJson(file);
  }

  /** The Markdown report as text. */
  public static String toMarkdown(EvaluationReport report) {
    return ReportMarkdown.toMarkdown(report);
  }

  /**
   * The HTML report as text: a self-contained page (inline CSS and SVG, no scripts, no external
   * resources) that is also well-formed XML.
   */
  public static String toHtml(EvaluationReport report) {
    return ReportHtml.toHtml(report);
  }
}
