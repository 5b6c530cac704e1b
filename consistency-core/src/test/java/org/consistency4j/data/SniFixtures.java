package org.consistency4j.data;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/** The 20 SNI tasks copied into test resources (see sni/README.txt). */
public final class SniFixtures {
  private static List<SniTask> tasks;

  private SniFixtures() {}

  /** The directory holding the task files. */
  public static Path dir() {
    try {
      return Path.of(SniFixtures.class.getResource("/sni/index.json").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** All 20 tasks, loaded once. */
  public static synchronized List<SniTask> tasks() {
    if (tasks == null) {
      tasks = SniTasks.loadDirectory(dir());
    }
    return tasks;
  }
}
