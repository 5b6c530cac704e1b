package org.consistency4j.cli;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.consistency4j.harness.ProgressListener;

/** Progress bars on stderr for an evaluation: one for generation and one for scoring per model. */
final class ProgressBars implements ProgressListener, AutoCloseable {
  private final PrintStream out;
  private final Map<String, ProgressBar> bars = new HashMap<>();

  ProgressBars(PrintStream out) {
    this.out = out;
  }

  /**
   * Whether a command shows progress bars: not when the user turned them off, and not when the
   * process has no terminal (output redirected to a file or a pipe, CI logs), where the bars' carriage
   * returns would only fill the log.
   */
  static boolean shown(boolean turnedOff) {
    return !turnedOff && System.console() != null;
  }

  /** A console progress bar on {@code out} named {@code name}, redrawn at most every 500 ms. */
  static ProgressBar bar(String name, long total, PrintStream out) {
    return new ProgressBarBuilder()
        .setTaskName(name)
        .setInitialMax(total)
        .setConsumer(new ConsoleProgressBarConsumer(out))
        .setUpdateIntervalMillis(500)
        .build();
  }

  private ProgressBar open(String key, String name, long total) {
    ProgressBar bar = bar(name, total, out);
    ProgressBar old = bars.put(key, bar);
    if (old != null) {
      old.close();
    }
    return bar;
  }

  private void finish(String key) {
    ProgressBar bar = bars.remove(key);
    if (bar != null) {
      bar.close();
    }
  }

  private static String label(String what, String model) {
    String m = model.length() > 32 ? model.substring(0, 31) + "\u2026" : model;
    return what + " " + m;
  }

  @Override
  public void generationStarted(String model, int total, int alreadyStored) {
    open("gen:" + model, label("generate", model), total).stepTo(alreadyStored);
  }

  @Override
  public void responsesStored(String model, int count) {
    ProgressBar bar = bars.get("gen:" + model);
    if (bar != null) {
      bar.stepBy(count);
    }
  }

  @Override
  public void generationFinished(String model) {
    finish("gen:" + model);
  }

  @Override
  public void scoringStarted(String model, int tasks) {
    open("score:" + model, label("score", model), tasks);
  }

  @Override
  public void taskScored(String model, String task) {
    ProgressBar bar = bars.get("score:" + model);
    if (bar != null) {
      bar.step();
      if (bar.getCurrent() >= bar.getMax()) {
        finish("score:" + model);
      }
    }
  }

  @Override
  public void close() {
    bars.values().forEach(ProgressBar::close);
    bars.clear();
  }
}
