package org.consistency4j.benchmarks.jlama;

import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Writes a Jlama-quantized copy of a model directory with Jlama's own offline quantizer ({@code
 * SafeTensorSupport.quantizeModel}, what {@code jlama quantize} runs; like its default, tensors whose
 * name contains {@code norm} stay unquantized), so that {@link JlamaDecode} can load 4-bit weights as
 * Jlama's published {@code -JQ4} models are loaded. Jlama 0.8.4's quantization at load time ({@code
 * -Djlama.quantization=Q4}) leaves the row-sharded weights (q/k/v, gate and up projections) as they
 * are, because it loads them as sparse tensors and does not quantize sparse tensors; see
 * benchmarks/README.md, "Precision-matched decode against Jlama".
 *
 * <pre>JlamaQuantize MODEL_DIR DTYPE OUT_DIR</pre>
 *
 * MODEL_DIR needs a README.md (Jlama copies it); OUT_DIR must not hold a model yet.
 */
public final class JlamaQuantize {
  private JlamaQuantize() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: JlamaQuantize MODEL_DIR Q4|I8 OUT_DIR");
      System.exit(2);
    }
    Path src = Path.of(args[0]);
    Path out = Path.of(args[2]);
    if (Files.exists(out.resolve("model.safetensors"))) {
      throw new IllegalArgumentException("OUT_DIR already holds a model: " + out);
    }
    if (!Files.exists(src.resolve("README.md"))) {
      Files.writeString(src.resolve("README.md"), "random-weight scale model\n");
    }
    Path written = SafeTensorSupport.quantizeModel(src, DType.valueOf(args[1]),
        new String[] {"norm"}, null, Optional.of(out));
    System.out.println(written);
    System.exit(0);
  }
}
