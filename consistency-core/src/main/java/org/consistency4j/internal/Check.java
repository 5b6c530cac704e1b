package org.consistency4j.internal;

import java.util.Collection;
import java.util.Objects;
import org.consistency4j.InvalidInputException;
import org.consistency4j.ModelLoadException;

/**
 * Argument checks whose messages name the parameter, the rule and the bad value, for example
 * {@code "beta must be > 0, found -0.1"}. Internal: not part of the public API.
 */
public final class Check {
  private Check() {}

  /** Requires a non-null value. */
  public static <T> T notNull(T value, String name) {
    return Objects.requireNonNull(value, () -> name + " must not be null");
  }

  /** Requires a finite value {@code > 0}. */
  public static double positive(double value, String name) {
    if (!(value > 0) || !Double.isFinite(value)) {
      throw new IllegalArgumentException(name + " must be > 0, found " + value);
    }
    return value;
  }

  /** Requires {@code value > 0}. */
  public static int positive(int value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, found " + value);
    }
    return value;
  }

  /** Requires {@code value > 0}. */
  public static long positive(long value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, found " + value);
    }
    return value;
  }

  /** Requires a finite value {@code >= 0}. */
  public static double nonNegative(double value, String name) {
    if (!(value >= 0) || !Double.isFinite(value)) {
      throw new IllegalArgumentException(name + " must be >= 0, found " + value);
    }
    return value;
  }

  /** Requires {@code value >= 0}. */
  public static int nonNegative(int value, String name) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, found " + value);
    }
    return value;
  }

  /** Requires a finite value. */
  public static double finite(double value, String name) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException(name + " must be finite, found " + value);
    }
    return value;
  }

  /** Requires {@code min <= value <= max}. */
  public static double inRange(double value, double min, double max, String name) {
    if (!(value >= min && value <= max)) {
      throw new IllegalArgumentException(
          name + " must be in [" + min + ", " + max + "], found " + value);
    }
    return value;
  }

  /** Requires {@code min <= value <= max}. */
  public static int inRange(int value, int min, int max, String name) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name + " must be in [" + min + ", " + max + "], found " + value);
    }
    return value;
  }

  /** Requires a non-empty collection. */
  public static <C extends Collection<?>> C notEmpty(C values, String name) {
    notNull(values, name);
    if (values.isEmpty()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
    return values;
  }

  /** Requires two sizes to be equal, naming both. */
  public static void sameSize(int a, String nameA, int b, String nameB) {
    if (a != b) {
      throw new IllegalArgumentException(
          nameA + " size (" + a + ") != " + nameB + " size (" + b + ")");
    }
  }

  /** Requires a condition, throwing {@link IllegalArgumentException} with {@code message}. */
  public static void argument(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  /**
   * Requires a condition of an input file, throwing {@link InvalidInputException} that locates
   * {@code problem} at {@code source:line} (line 0 for the file as a whole).
   */
  public static void input(boolean condition, String source, long line, String problem) {
    if (!condition) {
      throw new InvalidInputException(source, line, problem);
    }
  }

  /**
   * Requires a condition of a model's files (weights, configuration, tokenizer, adapter), throwing
   * {@link ModelLoadException} with {@code message}, which names the file and the field.
   */
  public static void modelFile(boolean condition, String message) {
    if (!condition) {
      throw new ModelLoadException(message);
    }
  }
}
