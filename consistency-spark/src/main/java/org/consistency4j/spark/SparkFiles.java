package org.consistency4j.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.consistency4j.InvalidInputException;
import org.consistency4j.harness.ResponseRecord;
import org.consistency4j.harness.ResponseStore;
import org.consistency4j.internal.AtomicFiles;

/**
 * Files on any Hadoop-compatible file system (local paths, {@code file:}, {@code hdfs:}, {@code
 * s3a:}, ...). Local files go through the library's own readers and {@link AtomicFiles} (temporary
 * file, fsync, atomic rename); other file systems write a temporary file next to the target and
 * rename it, which HDFS does atomically (object stores such as S3 copy instead: a reader may then see
 * a partial file only if the writer dies mid-copy, and a rerun rewrites it).
 */
final class SparkFiles {
  private SparkFiles() {}

  static org.apache.hadoop.fs.Path path(String uri) {
    return new org.apache.hadoop.fs.Path(uri);
  }

  static FileSystem fs(String uri, Configuration conf) {
    try {
      return path(uri).getFileSystem(conf);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the file system of " + uri + ": " + e.getMessage(), e);
    }
  }

  /** The local path of {@code uri}, or null when it is on another file system. */
  static Path localPath(String uri, Configuration conf) {
    FileSystem fs = fs(uri, conf);
    if (fs instanceof LocalFileSystem local) {
      return local.pathToFile(fs.makeQualified(path(uri))).toPath();
    }
    return null;
  }

  /** A path inside directory {@code dir}. */
  static String child(String dir, String name) {
    return new org.apache.hadoop.fs.Path(path(dir), name).toString();
  }

  static boolean exists(String uri, Configuration conf) {
    try {
      return fs(uri, conf).exists(path(uri));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot look up " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * Applies {@code reader} to a local copy of {@code uri} (the file itself when it is local); errors
   * of the reader name {@code uri}, not the copy.
   */
  static <T> T readLocally(String uri, Configuration conf, Function<Path, T> reader) {
    Path local = localPath(uri, conf);
    if (local != null) {
      return reader.apply(local);
    }
    Path tmp = null;
    try {
      tmp = Files.createTempFile("consistency4j-spark-", ".jsonl");
      try (InputStream in = fs(uri, conf).open(path(uri))) {
        Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      return reader.apply(tmp);
    } catch (InvalidInputException e) {
      String prefix = e.source() + e.line().map(l -> ":" + l).orElse("") + ": ";
      String problem = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
      throw new InvalidInputException(uri, e.line().orElse(0L), problem, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + uri + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // a leftover temporary copy is harmless
        }
      }
    }
  }

  /** The stored responses of a partition file. */
  static List<ResponseRecord> readResponses(String uri, Configuration conf) {
    Path local = localPath(uri, conf);
    if (local != null) {
      return ResponseStore.read(local);
    }
    try (InputStream in = fs(uri, conf).open(path(uri))) {
      return ResponseStore.read(in, uri);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * Replaces {@code uri} with what {@code body} writes, atomically: readers see the old file or the
   * whole new one, never a part; a writer that fails leaves the target unchanged.
   *
   * @param tempTag distinguishes concurrent writers of the same target (a task attempt id)
   */
  static void write(String uri, Configuration conf, String tempTag, AtomicFiles.StreamBody body) {
    Path local = localPath(uri, conf);
    try {
      if (local != null) {
        AtomicFiles.write(local, body);
        return;
      }
      FileSystem fs = fs(uri, conf);
      org.apache.hadoop.fs.Path target = path(uri);
      org.apache.hadoop.fs.Path tmp =
          new org.apache.hadoop.fs.Path(target.getParent(), "." + target.getName() + "." + tempTag + ".tmp");
      try {
        try (OutputStream out = fs.create(tmp, true)) {
          body.writeTo(out);
        }
        fs.delete(target, false);
        if (!fs.rename(tmp, target)) {
          throw new IOException("rename of " + tmp + " to " + target + " failed");
        }
      } finally {
        fs.delete(tmp, false);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + uri + ": " + e.getMessage(), e);
    }
  }

  /** Creates directory {@code uri} (and its parents). */
  static void mkdirs(String uri, Configuration conf) {
    try {
      fs(uri, conf).mkdirs(path(uri));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create directory " + uri + ": " + e.getMessage(), e);
    }
  }
}
