package org.consistency4j.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  private static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private Set<String> names(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
    }
  }

  /** Run in a child JVM under a given umask: writes one file each way and one directory. */
  public static final class UmaskProbe {
    public static void main(String[] args) throws IOException {
      Path d = Path.of(args[0]);
      AtomicFiles.writeString(d.resolve("atomic.txt"), "a");
      Files.writeString(d.resolve("plain.txt"), "p");
      AtomicFiles.replaceDirectory(d.resolve("atomic-dir"),
          t -> Files.writeString(t.resolve("f.txt"), "x"));
      Files.createDirectory(d.resolve("plain-dir"));
    }
  }

  private void probe(String umask, Path d) throws Exception {
    Files.createDirectories(d);
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder("sh", "-c",
        "umask " + umask + " && exec \"$0\" -cp \"$1\" \"$2\" \"$3\"",
        java.toString(), System.getProperty("java.class.path"), UmaskProbe.class.getName(),
        d.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not finish");
    assertEquals(0, p.exitValue(), out);
  }

  @Test
  void files_and_directories_get_the_permissions_of_files_write_under_the_process_umask()
      throws Exception {
    assumeTrue(posix() && Files.isExecutable(Path.of("/bin/sh")), "needs POSIX permissions and sh");
    for (String[] c : new String[][] {{"022", "rw-r--r--", "rwxr-xr-x"},
        {"027", "rw-r-----", "rwxr-x---"}, {"077", "rw-------", "rwx------"}}) {
      Path d = dir.resolve("umask" + c[0]);
      probe(c[0], d);
      assertEquals(mode(d.resolve("plain.txt")), mode(d.resolve("atomic.txt")), "umask " + c[0]);
      assertEquals(c[1], mode(d.resolve("atomic.txt")), "umask " + c[0]);
      assertEquals(mode(d.resolve("plain-dir")), mode(d.resolve("atomic-dir")), "umask " + c[0]);
      assertEquals(c[2], mode(d.resolve("atomic-dir")), "umask " + c[0]);
      assertEquals(c[1], mode(d.resolve("atomic-dir/f.txt")), "umask " + c[0]);
    }
  }

  @Test
  void a_replaced_file_keeps_its_permissions() throws IOException {
    assumeTrue(posix(), "needs POSIX permissions");
    Path f = dir.resolve("report.json");
    Files.writeString(f, "old");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
    AtomicFiles.writeString(f, "new");
    assertEquals("new", Files.readString(f));
    assertEquals("rw-r-----", mode(f));
  }

  @Test
  void a_file_replaced_through_a_symbolic_link_gets_the_mode_of_the_linked_file() throws IOException {
    assumeTrue(posix(), "needs POSIX permissions");
    Path real = dir.resolve("real.json");
    Files.writeString(real, "old");
    Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r-----"));
    Path link = Files.createSymbolicLink(dir.resolve("link.json"), real);
    AtomicFiles.writeString(link, "new");
    assertEquals("new", Files.readString(link));
    assertEquals("rw-r-----", mode(link), "not the link's own rwxrwxrwx");
  }

  @Test
  void a_failing_body_leaves_the_target_unchanged_and_no_temporary_file() throws IOException {
    Path f = dir.resolve("metrics.jsonl");
    Files.writeString(f, "old\n");
    IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeText(f, w -> {
      w.write("half of the new content");
      throw new IOException("disk full");
    }));
    assertEquals("disk full", e.getMessage());
    assertEquals("old\n", Files.readString(f));
    assertEquals(Set.of("metrics.jsonl"), names(dir));
  }

  @Test
  void writes_create_missing_directories_and_copy_replaces_content() throws IOException {
    Path src = dir.resolve("src.bin");
    Files.write(src, new byte[] {1, 2, 3});
    Path target = dir.resolve("a/b/copy.bin");
    AtomicFiles.copy(src, target);
    AtomicFiles.write(dir.resolve("a/b/bytes.bin"), new byte[] {9});
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
    assertEquals(Set.of("bytes.bin", "copy.bin"), names(dir.resolve("a/b")));
  }

  @Test
  void a_replaced_directory_holds_exactly_the_new_files() throws IOException {
    Path adapter = dir.resolve("adapter");
    Files.createDirectories(adapter);
    Files.writeString(adapter.resolve("adapter_model.safetensors"), "old weights");
    Files.writeString(adapter.resolve("stale.txt"), "from an older run");
    AtomicFiles.replaceDirectory(adapter, t -> {
      Files.writeString(t.resolve("adapter_model.safetensors"), "new weights");
      Files.writeString(t.resolve("adapter_config.json"), "{}");
    });
    assertEquals(Set.of("adapter_config.json", "adapter_model.safetensors"), names(adapter));
    assertEquals("new weights", Files.readString(adapter.resolve("adapter_model.safetensors")));
    assertEquals(Set.of("adapter"), names(dir));
  }

  @Test
  void a_directory_replacement_failing_midway_leaves_the_old_directory_whole() throws IOException {
    Path adapter = dir.resolve("adapter");
    Files.createDirectories(adapter);
    Files.writeString(adapter.resolve("adapter_model.safetensors"), "old weights");
    Files.writeString(adapter.resolve("adapter_config.json"), "{\"r\": 4}");
    IOException e = assertThrows(IOException.class, () -> AtomicFiles.replaceDirectory(adapter, t -> {
      Files.writeString(t.resolve("adapter_model.safetensors"), "new weights");
      throw new IOException("killed before adapter_config.json");
    }));
    assertEquals("killed before adapter_config.json", e.getMessage());
    assertEquals(Set.of("adapter_config.json", "adapter_model.safetensors"), names(adapter));
    assertEquals("old weights", Files.readString(adapter.resolve("adapter_model.safetensors")));
    assertEquals("{\"r\": 4}", Files.readString(adapter.resolve("adapter_config.json")));
    assertEquals(Set.of("adapter"), names(dir));
  }

  @Test
  void leftovers_of_killed_writers_are_removed_and_nothing_else() throws IOException {
    // Ours, current naming: a file and a half-written directory.
    Files.writeString(dir.resolve(".checkpoint.safetensors.0123456789abcdef.tmp"), "partial");
    Files.createDirectories(dir.resolve(".adapter.fedcba9876543210.tmp"));
    Files.writeString(dir.resolve(".adapter.fedcba9876543210.tmp/adapter_model.safetensors"), "x");
    // Ours, the naming of earlier versions (Files.createTempFile).
    Files.writeString(dir.resolve(".checkpoint.safetensors4482918377265.tmp"), "partial");
    Files.writeString(dir.resolve(".metrics.jsonl-88.tmp"), "partial");
    // Not ours.
    Files.writeString(dir.resolve("checkpoint.safetensors"), "complete");
    Files.writeString(dir.resolve(".notes.tmp"), "user file");
    Files.writeString(dir.resolve("draft.tmp"), "user file");
    Files.writeString(dir.resolve(".data.jsonl123.tmp"), "user file, not an output name");
    List<String> cleaned = AtomicFiles.cleanLeftovers(dir);
    assertEquals(4, cleaned.size(), cleaned.toString());
    assertEquals(Set.of(".data.jsonl123.tmp", ".notes.tmp", "checkpoint.safetensors", "draft.tmp"),
        names(dir));
    assertEquals(List.of(), AtomicFiles.cleanLeftovers(dir));
  }

  @Test
  void a_directory_renamed_away_by_a_killed_replacement_is_restored() throws IOException {
    Path old = dir.resolve(".adapter.00000000000000aa.old");
    Files.createDirectories(old);
    Files.writeString(old.resolve("adapter_config.json"), "{}");
    Path complete = dir.resolve(".adapter.00000000000000bb.tmp");
    Files.createDirectories(complete);
    AtomicFiles.cleanLeftovers(dir);
    assertEquals(Set.of("adapter"), names(dir));
    assertEquals("{}", Files.readString(dir.resolve("adapter/adapter_config.json")));
    // With the target present, an old copy is just deleted.
    Files.createDirectories(old);
    AtomicFiles.cleanLeftovers(dir);
    assertEquals(Set.of("adapter"), names(dir));
    assertFalse(Files.exists(old));
  }
}
