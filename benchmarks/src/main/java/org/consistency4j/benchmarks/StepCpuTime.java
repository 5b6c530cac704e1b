package org.consistency4j.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * Thread CPU time per step of the {@link TrainingStepBenchmark} and {@link CatStepBenchmark} setups: with
 * one intra-op thread ONNX Runtime computes on the calling thread, so CPU time measures the work of a
 * step while a loaded machine stretches wall time by several times. Per setup: 10 warm-up steps, then 9
 * blocks of 10 steps; prints the median block and the range. Arguments select setups ({@code full},
 * {@code lora}, {@code in-graph}, {@code row-weighted}); none runs all.
 */
public final class StepCpuTime {
  private static final int BLOCKS = 9;
  private static final int STEPS = 10;

  private StepCpuTime() {}

  /** Runs the selected setups and prints one line per measurement. */
  public static void main(String[] args) {
    List<String> only = List.of(args);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (String mode : List.of("full", "lora")) {
      if (only.isEmpty() || only.contains(mode)) {
        TrainingStepBenchmark b = new TrainingStepBenchmark();
        b.mode = mode;
        b.setUp();
        report("step " + mode, mx, b::step);
        report("forward " + mode, mx, b::forward);
        b.tearDown();
      }
    }
    for (String route : List.of("in-graph", "row-weighted")) {
      if (only.isEmpty() || only.contains(route)) {
        CatStepBenchmark b = new CatStepBenchmark();
        b.route = route;
        b.setUp();
        report("cat " + route, mx, b::step);
        b.tearDown();
      }
    }
  }

  private static void report(String what, ThreadMXBean mx, DoubleSupplier step) {
    for (int i = 0; i < STEPS; i++) {
      step.getAsDouble();
    }
    double[] ms = new double[BLOCKS];
    for (int k = 0; k < BLOCKS; k++) {
      long t0 = mx.getCurrentThreadCpuTime();
      for (int i = 0; i < STEPS; i++) {
        step.getAsDouble();
      }
      ms[k] = (mx.getCurrentThreadCpuTime() - t0) / 1e6 / STEPS;
    }
    Arrays.sort(ms);
    System.out.printf(Locale.ROOT, "%-22s CPU ms per step: median %.1f, range %.1f-%.1f%n", what,
        ms[BLOCKS / 2], ms[0], ms[BLOCKS - 1]);
  }
}
