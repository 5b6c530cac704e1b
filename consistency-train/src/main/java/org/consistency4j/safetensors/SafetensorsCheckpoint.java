package org.consistency4j.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.consistency4j.ModelLoadException;
import org.consistency4j.graph.Tensor;
import org.consistency4j.internal.Check;

/**
 * The weights of a Hugging Face model directory: either one {@code model.safetensors} or shards listed in
 * {@code model.safetensors.index.json} ({@code {"metadata": {...}, "weight_map": {"tensor": "shard
 * file"}}}). Shard names must be plain file names inside the directory. Every tensor named in the weight
 * map must exist in its shard; tensors a shard holds but the map does not name are ignored, as Hugging
 * Face does. Owns the opened {@link SafetensorsFile}s and closes them in {@link #close()}. Thread-safe.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
  /** File name of a single-file checkpoint. */
  public static final String SINGLE_FILE = "model.safetensors";

  /** File name of the shard index. */
  public static final String INDEX_FILE = "model.safetensors.index.json";

  private static final long MAX_INDEX_BYTES = 64L * 1024 * 1024;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private final Path source;
  private final List<SafetensorsFile> files;
  private final Map<String, SafetensorsFile> owner;
  private final Map<String, String> metadata;

  private SafetensorsCheckpoint(
      Path source,
      List<SafetensorsFile> files,
      Map<String, SafetensorsFile> owner,
      Map<String, String> metadata) {
    this.source = source;
    this.files = files;
    this.owner = owner;
    this.metadata = metadata;
  }

  /**
   * Opens a checkpoint from a model directory (index preferred over a single file), an index JSON file, or
   * a single {@code .safetensors} file.
   *
   * @throws ModelLoadException if no weights are found or a file is malformed (the message names it)
   */
  public static SafetensorsCheckpoint open(Path path) {
    if (Files.isDirectory(path)) {
      Path index = path.resolve(INDEX_FILE);
      if (Files.isRegularFile(index)) {
        return openIndex(index);
      }
      Path single = path.resolve(SINGLE_FILE);
      if (Files.isRegularFile(single)) {
        return openSingle(single);
      }
      throw new ModelLoadException(
          path + ": no " + INDEX_FILE + " or " + SINGLE_FILE + " in the model directory");
    }
    if (path.getFileName() != null && path.getFileName().toString().endsWith(".json")) {
      return openIndex(path);
    }
    return openSingle(path);
  }

  private static SafetensorsCheckpoint openSingle(Path file) {
    SafetensorsFile f = SafetensorsFile.open(file);
    Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
    for (String n : f.names()) {
      owner.put(n, f);
    }
    return new SafetensorsCheckpoint(file, List.of(f), owner, f.metadata());
  }

  private static SafetensorsCheckpoint openIndex(Path index) {
    JsonNode root;
    try {
      long size = Files.size(index);
      Check.modelFile(size <= MAX_INDEX_BYTES,
          index + ": index is " + size + " bytes, above the limit of " + MAX_INDEX_BYTES);
      root = JSON.readTree(Files.readAllBytes(index));
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(index + ": index file not found", e);
    } catch (IOException e) {
      throw new ModelLoadException(index + ": cannot read index JSON: " + e.getMessage(), e);
    }
    Check.modelFile(root != null && root.isObject(), index + ": index must be a JSON object");
    JsonNode wm = root.get("weight_map");
    Check.modelFile(wm != null && wm.isObject() && !wm.isEmpty(),
        index + ": weight_map must be a non-empty object");
    Map<String, String> metadata = new LinkedHashMap<>();
    JsonNode md = root.get("metadata");
    if (md != null && md.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = md.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        metadata.put(e.getKey(), e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString());
      }
    }
    Path dir = index.toAbsolutePath().getParent();
    Map<String, SafetensorsFile> byShard = new LinkedHashMap<>();
    Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
    List<SafetensorsFile> opened = new ArrayList<>();
    try {
      Iterator<Map.Entry<String, JsonNode>> it = wm.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        String tensor = e.getKey();
        Check.modelFile(e.getValue().isTextual(),
            index + ": weight_map entry '" + tensor + "' must name a shard file, found "
                + e.getValue());
        String shard = e.getValue().textValue();
        Path shardPath = dir.resolve(shard).normalize();
        Check.modelFile(!shard.isEmpty() && shardPath.getParent().equals(dir.normalize())
            && !shard.contains("/") && !shard.contains("\\"), index + ": weight_map entry '" + tensor
            + "' names shard '" + shard + "', which is not a file name in " + dir);
        SafetensorsFile f = byShard.get(shard);
        if (f == null) {
          Check.modelFile(Files.isRegularFile(shardPath),
              index + ": shard '" + shard + "' (for tensor '" + tensor + "') does not exist");
          f = SafetensorsFile.open(shardPath);
          opened.add(f);
          byShard.put(shard, f);
        }
        Check.modelFile(f.contains(tensor),
            index + ": tensor '" + tensor + "' is mapped to shard '" + shard
                + "', which does not contain it");
        owner.put(tensor, f);
      }
    } catch (RuntimeException e) {
      for (SafetensorsFile f : opened) {
        try {
          f.close();
        } catch (RuntimeException c) {
          e.addSuppressed(c);
        }
      }
      throw e;
    }
    return new SafetensorsCheckpoint(
        index, List.copyOf(opened), owner, Collections.unmodifiableMap(metadata));
  }

  /** The file the checkpoint was opened from (index or single file). */
  public Path source() {
    return source;
  }

  /** The opened files (one, or one per shard). */
  public List<SafetensorsFile> files() {
    return files;
  }

  /** Tensor names (weight map order for shards, header order for one file). */
  public List<String> names() {
    return List.copyOf(owner.keySet());
  }

  /** True when the checkpoint has a tensor called {@code name}. */
  public boolean contains(String name) {
    return owner.containsKey(name);
  }

  /** The header entry of {@code name}. */
  public Optional<TensorInfo> info(String name) {
    SafetensorsFile f = owner.get(name);
    return f == null ? Optional.empty() : f.info(name);
  }

  /** Index {@code metadata} (shards) or the file's {@code __metadata__}. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * Zero-copy view of tensor {@code name} (see {@link SafetensorsFile#tensor(String)}).
   *
   * @throws ModelLoadException if missing
   */
  public Tensor tensor(String name) {
    return require(name).tensor(name);
  }

  /** Tensor {@code name} as floats (see {@link SafetensorsFile#floats(String)}). */
  public float[] floats(String name) {
    return require(name).floats(name);
  }

  /** Tensor {@code name} as float32 in native memory (see {@link SafetensorsFile#floatTensor(String)}). */
  public Tensor floatTensor(String name) {
    return require(name).floatTensor(name);
  }

  /**
   * The transpose of matrix {@code name} as float32 in native memory (see {@link
   * SafetensorsFile#transposedFloatTensor(String)}).
   */
  public Tensor transposedFloatTensor(String name) {
    return require(name).transposedFloatTensor(name);
  }

  private SafetensorsFile require(String name) {
    SafetensorsFile f = owner.get(name);
    Check.modelFile(f != null, source + ": no tensor named '" + name + "'");
    return f;
  }

  /** Closes every file in reverse order, keeping the first failure; idempotent. */
  @Override
  public void close() {
    RuntimeException first = null;
    for (int i = files.size() - 1; i >= 0; i--) {
      try {
        files.get(i).close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
