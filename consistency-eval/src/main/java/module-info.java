/**
 * consistency4j eval: the evaluation harness, models served over HTTP, reports, the two-stage demo
 * and the {@code consistency} command line ({@link org.consistency4j.cli.ConsistencyCli}).
 *
 * <p>Exports its API packages, one per line. The command classes are opened to picocli, which sets
 * their option fields by reflection.
 */
module org.consistency4j.eval {
  requires transitive org.consistency4j.train;
  requires java.net.http;
  requires transitive info.picocli;
  requires me.tongfei.progressbar;
  requires org.slf4j;

  exports org.consistency4j.cli;
  exports org.consistency4j.demo;
  exports org.consistency4j.harness;
  exports org.consistency4j.http;
  exports org.consistency4j.report;

  opens org.consistency4j.cli to
      info.picocli;
}
