package org.consistency4j.internal;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way the library replaces files and directories, so that a reader sees either the old content
 * or the complete new content, never a partial one.
 *
 * <p>A file is written to a temporary file in the target's directory, named {@code .NAME.<16 hex
 * digits>.tmp}, which is flushed to the storage device ({@code fsync}), renamed over the target, and then
 * the directory is flushed too. A directory is written completely under {@code .NAME.<hex>.tmp}, flushed,
 * the old directory (if any) is renamed to {@code .NAME.<hex>.old}, the new one renamed in, and the old
 * one deleted. If the body or any step fails, the temporary file or directory is deleted and the target
 * is unchanged.
 *
 * <p>Promise: crash-safe always (a killed process leaves the old or the new content, plus perhaps a
 * temporary name that {@link #cleanLeftovers} removes); power-loss-safe where the operating system
 * supports {@code fsync} of both the file and its directory (Linux and macOS file systems; where a
 * directory cannot be opened for {@code fsync}, as on Windows, that step is skipped and only the file
 * data is flushed before the rename).
 *
 * <p>Permissions: new files and directories are created like {@link Files#write} and {@link
 * Files#createDirectory} create them, so they get the permissions the process umask allows (not the
 * owner-only mode of {@link Files#createTempFile}); a replaced target keeps its POSIX permissions.
 *
 * <p>For the library's own use; not part of its API. Stateless and thread-safe (concurrent writers of
 * the same target leave one of their contents).
 */
public final class AtomicFiles {
  private static final Logger LOG = LoggerFactory.getLogger(AtomicFiles.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Names this class gives temporary files and directories: {@code .NAME.<16 hex>.tmp|old}. */
  private static final Pattern TEMP_NAME = Pattern.compile("\\.(.+)\\.[0-9a-f]{16}\\.(tmp|old)");
  /**
   * Temporary names of earlier versions ({@link Files#createTempFile} with prefix {@code .NAME} and
   * suffix {@code .tmp}) for the files a training or evaluation output directory holds.
   */
  private static final Pattern LEGACY_TEMP_NAME = Pattern.compile(
      "\\.(checkpoint\\.safetensors|metrics\\.jsonl|reference_logps(_validation)?\\.json"
          + "|adapter_model\\.safetensors|adapter_config\\.json|model\\.safetensors|responses\\.jsonl"
          + "|report\\.(json|md|html))\\.?-?[0-9]+\\.tmp");

  private AtomicFiles() {}

  /** Writes the bytes of a file to {@code out} (buffered; do not close it). */
  @FunctionalInterface
  public interface StreamBody {
    /** Writes the content. */
    void writeTo(OutputStream out) throws IOException;
  }

  /** Writes the UTF-8 text of a file to {@code out} (buffered; do not close it). */
  @FunctionalInterface
  public interface TextBody {
    /** Writes the content. */
    void writeTo(Writer out) throws IOException;
  }

  /** Fills a new, empty directory with the content of a replaced directory. */
  @FunctionalInterface
  public interface DirectoryBody {
    /** Writes the directory's files into {@code dir}. */
    void writeInto(Path dir) throws IOException;
  }

  /** Writes {@code text} (UTF-8) to {@code file}, creating its directory if needed. */
  public static void writeString(Path file, String text) throws IOException {
    Check.notNull(text, "text");
    write(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** Writes {@code bytes} to {@code file}, creating its directory if needed. */
  public static void write(Path file, byte[] bytes) throws IOException {
    Check.notNull(bytes, "bytes");
    write(file, out -> out.write(bytes));
  }

  /** Writes the UTF-8 text {@code body} produces to {@code file}, creating its directory if needed. */
  public static void writeText(Path file, TextBody body) throws IOException {
    Check.notNull(body, "body");
    write(file, out -> {
      Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
      body.writeTo(w);
      w.flush();
    });
  }

  /** Copies {@code source} over {@code target}, creating the target's directory if needed. */
  public static void copy(Path source, Path target) throws IOException {
    Check.notNull(source, "source");
    write(target, out -> {
      try (InputStream in = Files.newInputStream(source)) {
        in.transferTo(out);
      }
    });
  }

  /**
   * Replaces {@code file} with the bytes {@code body} writes, atomically and durably (see the class
   * comment), creating the file's directory if needed.
   *
   * @throws IOException if the body or a file operation fails; the target is then unchanged
   */
  public static void write(Path file, StreamBody body) throws IOException {
    Check.notNull(file, "file");
    Check.notNull(body, "body");
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Files.createDirectories(dir);
    Path tmp = createTemp(target, false);
    boolean moved = false;
    try {
      copyPermissions(target, tmp);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
        body.writeTo(out);
        out.flush();
        ch.force(true);
      }
      move(tmp, target);
      moved = true;
      forceDirectory(dir);
    } finally {
      if (!moved) {
        deleteQuietly(tmp);
      }
    }
  }

  /**
   * Replaces the directory {@code dir} as a whole: {@code body} fills a new temporary directory next to
   * it, every file in it and the directory itself are flushed, the old directory is renamed away, the new
   * one renamed in and the old one deleted. Readers see the old directory or the complete new one (for
   * an instant, between the two renames, neither: a crash there leaves the old one under a temporary
   * name, which {@link #cleanLeftovers} renames back). Subdirectories written by the body are flushed
   * too.
   *
   * @throws IOException if the body or a file operation fails; {@code dir} is then unchanged
   */
  public static void replaceDirectory(Path dir, DirectoryBody body) throws IOException {
    Check.notNull(dir, "dir");
    Check.notNull(body, "body");
    Path target = dir.toAbsolutePath();
    Path parent = target.getParent();
    Files.createDirectories(parent);
    Path tmp = createTemp(target, true);
    Path old = null;
    boolean done = false;
    try {
      copyPermissions(target, tmp);
      body.writeInto(tmp);
      forceTree(tmp);
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        old = tempSibling(target, "old");
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        if (old != null) {
          Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
          old = null;
        }
        throw e;
      }
      done = true;
      forceDirectory(parent);
    } finally {
      if (!done) {
        deleteTreeQuietly(tmp);
      }
    }
    if (old != null) {
      deleteTree(old);
    }
  }

  /**
   * Removes what killed writers left in {@code dir}: temporary files and directories named as this
   * class names them ({@code .NAME.<16 hex>.tmp}), and those of earlier versions of the library for the
   * files of training and evaluation outputs. A directory renamed away while being replaced ({@code
   * .NAME.<hex>.old}) is renamed back to {@code NAME} when {@code NAME} is missing (the crash happened
   * between the two renames), and deleted otherwise. Other files are never touched; subdirectories are
   * not searched.
   *
   * @return the names removed or restored, for logging
   * @throws IOException if listing or deleting fails
   */
  public static List<String> cleanLeftovers(Path dir) throws IOException {
    Check.notNull(dir, "dir");
    List<String> cleaned = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return cleaned;
    }
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(entries::add);
    }
    // Restore before deleting, so a complete new directory never replaces a restorable old one.
    for (Path p : entries) {
      String name = p.getFileName().toString();
      Matcher m = TEMP_NAME.matcher(name);
      if (m.matches() && m.group(2).equals("old")) {
        Path original = dir.resolve(m.group(1));
        if (!Files.exists(original, LinkOption.NOFOLLOW_LINKS)) {
          Files.move(p, original, StandardCopyOption.ATOMIC_MOVE);
          cleaned.add(name + " -> " + m.group(1));
          continue;
        }
        deleteTree(p);
        cleaned.add(name);
      }
    }
    for (Path p : entries) {
      String name = p.getFileName().toString();
      Matcher m = TEMP_NAME.matcher(name);
      if ((m.matches() && m.group(2).equals("tmp")) || LEGACY_TEMP_NAME.matcher(name).matches()) {
        deleteTree(p);
        cleaned.add(name);
      }
    }
    if (!cleaned.isEmpty()) {
      LOG.info("removed leftovers of interrupted writes in {}: {}", dir, cleaned);
      forceDirectory(dir);
    }
    return cleaned;
  }

  /**
   * Flushes a directory's entries (new, renamed and deleted names) to the storage device. Skipped where
   * the platform cannot open a directory for it (Windows); the reason is logged at debug level.
   */
  public static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      LOG.debug("cannot fsync directory {} ({}); file data was flushed before the rename", dir,
          e.toString());
    }
  }

  /** A new, empty temporary file or directory next to {@code target}, with default permissions. */
  private static Path createTemp(Path target, boolean directory) throws IOException {
    for (int attempt = 0; ; attempt++) {
      Path tmp = tempSibling(target, "tmp");
      try {
        // Not createTempFile: that makes the file owner-only (0600) whatever the umask.
        return directory ? Files.createDirectory(tmp) : Files.createFile(tmp);
      } catch (FileAlreadyExistsException e) {
        if (attempt == 10) {
          throw e;
        }
      }
    }
  }

  private static Path tempSibling(Path target, String kind) {
    byte[] r = new byte[8];
    RANDOM.nextBytes(r);
    return target.resolveSibling("." + target.getFileName() + "." + HexFormat.of().formatHex(r) + "."
        + kind);
  }

  /**
   * Gives {@code to} the POSIX permissions of {@code from} if {@code from} exists (of the file a
   * symbolic link points to, not the link's own 0777).
   */
  private static void copyPermissions(Path from, Path to) throws IOException {
    PosixFileAttributeView source = Files.getFileAttributeView(from, PosixFileAttributeView.class);
    if (source == null || !Files.exists(from)) {
      return;
    }
    Set<PosixFilePermission> perms;
    try {
      perms = source.readAttributes().permissions();
    } catch (NoSuchFileException e) {
      return;
    }
    Files.setPosixFilePermissions(to, perms);
  }

  private static void move(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Flushes every regular file and directory under {@code root}, directories after their files. */
  private static void forceTree(Path root) throws IOException {
    List<Path> dirs = new ArrayList<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          forceFile(p);
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          dirs.add(p);
        }
      }
    }
    for (int i = dirs.size() - 1; i >= 0; i--) {
      forceDirectory(dirs.get(i));
    }
  }

  /**
   * Flushes a file's data. Read access suffices on POSIX systems (and works for read-only files);
   * Windows needs write access to flush, so that is tried when reading fails.
   */
  private static void forceFile(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException readOnly) {
      try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
        ch.force(true);
      } catch (IOException e) {
        e.addSuppressed(readOnly);
        throw e;
      }
    }
  }

  /** Deletes a file or a directory tree (symbolic links are deleted, not followed). */
  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> all;
    try (Stream<Path> s = Files.walk(root)) {
      all = s.toList();
    }
    for (int i = all.size() - 1; i >= 0; i--) {
      Files.deleteIfExists(all.get(i));
    }
  }

  private static void deleteTreeQuietly(Path root) {
    try {
      deleteTree(root);
    } catch (IOException e) {
      LOG.debug("cannot delete temporary directory {}: {}", root, e.toString());
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.debug("cannot delete temporary file {}: {}", p, e.toString());
    }
  }
}
