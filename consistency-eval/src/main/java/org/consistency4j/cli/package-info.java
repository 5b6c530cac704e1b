/**
 * The {@code consistency} command-line tool (picocli). Only this package prints; the library logs
 * through SLF4J.
 */
package org.consistency4j.cli;
