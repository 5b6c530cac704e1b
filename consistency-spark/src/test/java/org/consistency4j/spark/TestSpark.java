package org.consistency4j.spark;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** One local Spark context for every test class of the JVM (starting one takes seconds). */
final class TestSpark {
  /** Two executor threads; a failed task is tried up to twice (local[N,F] allows retries). */
  static final String MASTER = "local[2,2]";
  private static JavaSparkContext context;

  private TestSpark() {}

  static synchronized JavaSparkContext context() {
    if (context == null) {
      context = new JavaSparkContext(new SparkConf()
          .setMaster(MASTER)
          .setAppName("consistency-spark-tests")
          .set("spark.ui.enabled", "false")
          .set("spark.driver.host", "127.0.0.1")
          .set("spark.driver.bindAddress", "127.0.0.1"));
    }
    return context;
  }

  /** Stops the shared context (a test that starts its own must); {@link #context()} starts a new one. */
  static synchronized void stop() {
    if (context != null) {
      context.stop();
      context = null;
    }
  }

  static Path resource(String name) {
    try {
      return Path.of(TestSpark.class.getResource("/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static String tinyLlama() {
    return resource("fixtures/tiny-llama").toString();
  }
}
