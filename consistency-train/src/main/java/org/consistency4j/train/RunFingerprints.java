package org.consistency4j.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Fingerprints that identify what a training run trains on, stored in its checkpoints and compared when
 * it resumes ({@link TrainingLoop#checkResume}): SHA-256 of the tokenized training data (so a different
 * data file, tokenizer or maximum length is noticed, and a renamed copy of the same file is not), and a
 * CRC32C over the files of a model or adapter directory (detects another model, not deliberate
 * tampering; it reads every weight file once). Stateless.
 */
final class RunFingerprints {
  private RunFingerprints() {}

  /** {@code sha256:<hex> (N examples)} over the token ids and labels of {@code examples}. */
  static String sft(List<SftExample> examples) {
    MessageDigest d = sha256();
    for (SftExample e : examples) {
      add(d, e);
    }
    return "sha256:" + HexFormat.of().formatHex(d.digest()) + " (" + examples.size() + " examples)";
  }

  /** {@code sha256:<hex> (N pairs)} over the token ids and labels of both sides of every pair. */
  static String pairs(List<PreferenceExample> pairs) {
    MessageDigest d = sha256();
    for (PreferenceExample p : pairs) {
      add(d, p.chosen());
      add(d, p.rejected());
    }
    return "sha256:" + HexFormat.of().formatHex(d.digest()) + " (" + pairs.size() + " pairs)";
  }

  /** SHA-256 (hex) of the given strings, each terminated by a newline. */
  static String sha256(String... parts) {
    MessageDigest d = sha256();
    for (String p : parts) {
      d.update((p + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return HexFormat.of().formatHex(d.digest());
  }

  /**
   * {@code crc32c:<hex> (N files, B bytes)} over the names and contents of the regular files of {@code
   * dir} whose names end in {@code .json} or {@code .safetensors}, in name order.
   */
  static String directory(Path dir) {
    CRC32C crc = new CRC32C();
    long bytes = 0;
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().endsWith(".json")
              || p.getFileName().toString().endsWith(".safetensors"))
          .sorted()
          .forEach(files::add);
      byte[] buf = new byte[1 << 16];
      for (Path f : files) {
        crc.update(f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try (InputStream in = Files.newInputStream(f)) {
          for (int n; (n = in.read(buf)) > 0; ) {
            crc.update(buf, 0, n);
            bytes += n;
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot fingerprint " + dir, e);
    }
    return String.format(java.util.Locale.ROOT, "crc32c:%08x (%d files, %d bytes)", crc.getValue(),
        files.size(), bytes);
  }

  private static void add(MessageDigest d, SftExample e) {
    ByteBuffer b = ByteBuffer.allocate(4 + 8 * e.length()).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(e.length());
    for (int id : e.inputIds()) {
      b.putInt(id);
    }
    for (int label : e.labels()) {
      b.putInt(label);
    }
    d.update(b.array());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
