package org.consistency4j.cli;

import picocli.CommandLine;

/** Reports the library version from the jar manifest. */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = ConsistencyCli.class.getPackage().getImplementationVersion();
    return new String[] {"consistency4j " + (v == null ? "(development build)" : v)};
  }
}
