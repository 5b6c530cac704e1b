package org.consistency4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs the CLI in-process with captured standard output and error. */
record CliRun(int exitCode, String out, String err) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = ConsistencyCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }

  /** Runs {@code command} with {@code option value} appended. */
  static CliRun withOption(List<String> command, String option, String value) {
    List<String> args = new ArrayList<>(command);
    args.add(option);
    args.add(value);
    return of(args.toArray(String[]::new));
  }

  /** The JSON values of the non-blank lines of {@code text} (a JSONL output), in order. */
  static List<JsonNode> jsonLines(String text) throws IOException {
    List<JsonNode> values = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        values.add(JSON.readTree(line));
      }
    }
    return values;
  }
}
