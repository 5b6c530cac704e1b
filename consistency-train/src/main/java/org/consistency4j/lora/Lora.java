package org.consistency4j.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.Graph;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.ModelOptions;
import org.consistency4j.graph.Node;
import org.consistency4j.graph.Tensor;
import org.consistency4j.graph.Value;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;
import org.consistency4j.safetensors.SafetensorsFile;
import org.consistency4j.safetensors.SafetensorsWriter;

/**
 * Adds LoRA adapters to a forward graph and exports them. A target is an initializer named {@code
 * PREFIX.TARGET.weight} of shape {@code [out, in]} used as a linear layer: {@code com.microsoft}
 * {@code FusedMatMul(x, W, transB=1)} (as {@link org.consistency4j.model.LlamaGraphs} builds them),
 * {@code MatMul(x, Transpose(W))} or {@code Gemm(x, W, transB=1)}; the adapter output {@code scale * (x A^T) B^T} is added
 * to that layer's output. Adapter initializers carry PEFT's names ({@code
 * base_model.model.PREFIX.TARGET.lora_A.weight}), so training them and writing them out needs no renaming.
 * Stateless.
 */
public final class Lora {
  /** Prefix PEFT puts before the base model's parameter names. */
  public static final String PEFT_PREFIX = "base_model.model.";

  private static final Pattern NAME = Pattern.compile("(.+)\\.([a-z_]+)\\.weight");

  private Lora() {}

  /**
   * A forward model with adapters.
   *
   * @param model the rewritten model (base weights unchanged, still external where they were)
   * @param adapters adapter initializer names in graph order (A then B per target): the trainables
   * @param targets the adapted base weight names, in graph order
   * @param dropoutInputs with dropout, the graph's mask inputs ({@code [batch, seq, in]} float32, one per
   *     adapter, in graph order) and their widths {@code in}; empty without dropout
   */
  public record Adapted(ExportedModel model, List<String> adapters, List<String> targets,
      Map<String, Long> dropoutInputs) {
    /** Copies the lists. */
    public Adapted {
      Check.notNull(model, "model");
      adapters = List.copyOf(adapters);
      targets = List.copyOf(targets);
      dropoutInputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(dropoutInputs));
    }
  }

  /** Name of the dropout-mask input of the adapter of base weight {@code weight}. */
  public static String dropoutInput(String weight) {
    return "lora_dropout/" + weight;
  }

  /** The PEFT name of the A matrix of base weight {@code weight} ({@code PREFIX.TARGET.weight}). */
  public static String loraA(String weight) {
    return PEFT_PREFIX + weight.substring(0, weight.length() - ".weight".length()) + ".lora_A.weight";
  }

  /** The PEFT name of the B matrix of base weight {@code weight}. */
  public static String loraB(String weight) {
    return PEFT_PREFIX + weight.substring(0, weight.length() - ".weight".length()) + ".lora_B.weight";
  }

  /**
   * The tensors a PEFT adapter with {@code config} must hold for a model whose weights have {@code
   * baseShapes}: for every two-dimensional weight {@code PREFIX.TARGET.weight} of shape {@code [out,
   * in]} whose {@code TARGET} is one of the config's targets, {@link #loraA} of shape {@code [rank, in]}
   * and {@link #loraB} of shape {@code [out, rank]} (PEFT's layout), in the order of {@code baseShapes}.
   */
  public static Map<String, long[]> peftShapes(Map<String, long[]> baseShapes, LoraConfig config) {
    Check.notNull(baseShapes, "baseShapes");
    Check.notNull(config, "config");
    Map<String, long[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : baseShapes.entrySet()) {
      Matcher m = NAME.matcher(e.getKey());
      if (m.matches() && config.targets().contains(m.group(2)) && e.getValue().length == 2) {
        out.put(loraA(e.getKey()), new long[] {config.rank(), e.getValue()[1]});
        out.put(loraB(e.getKey()), new long[] {e.getValue()[0], config.rank()});
      }
    }
    return out;
  }

  /**
   * Checks a whole PEFT adapter file before any of it is used, so that a broken adapter is never applied
   * in part: it must hold exactly the tensors of {@code expected} (every targeted module with both its
   * {@code lora_A} and its {@code lora_B}, nothing else), each of a floating-point dtype and of exactly
   * the expected shape ({@code [r, in]} and {@code [out, r]}; a transposed tensor is refused even though
   * it has the right number of values).
   *
   * @param adapter the open {@code adapter_model.safetensors}
   * @param expected names and shapes, as {@link #peftShapes} gives them
   * @param config the adapter's settings (for the messages)
   * @throws org.consistency4j.InvalidInputException naming the file and the first bad tensor
   */
  public static void checkPeftTensors(SafetensorsFile adapter, Map<String, long[]> expected,
      LoraConfig config) {
    Check.notNull(adapter, "adapter");
    Check.notNull(expected, "expected");
    Check.notNull(config, "config");
    String file = adapter.path().toString();
    for (String name : adapter.names()) {
      Check.input(expected.containsKey(name), file, 0,
          "tensor " + name + " is not the lora_A or lora_B of a weight of this model that the"
              + " adapter targets (target_modules " + config.targets() + ")");
    }
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      String name = e.getKey();
      java.util.Optional<org.consistency4j.safetensors.TensorInfo> info = adapter.info(name);
      Check.input(!info.isEmpty(), file, 0,
          "tensor " + name + " is missing: every targeted module needs both lora_A and lora_B"
              + " (target_modules " + config.targets() + ")");
      Check.input(info.get().dtype().isFloatingPoint(), file, 0, "tensor " + name + " has dtype "
          + info.get().dtype() + ", an adapter weight must be floating-point");
      long[] shape = info.get().shapeArray();
      Check.input(java.util.Arrays.equals(shape, e.getValue()), file, 0,
          "tensor " + name + " has shape " + java.util.Arrays.toString(shape)
              + ", expected " + java.util.Arrays.toString(e.getValue())
              + " (PEFT layout: lora_A is [r, in], lora_B is [out, r], r = " + config.rank() + ")");
    }
  }

  /**
   * Rewrites {@code forward} with adapters on every initializer matching the targets: the forward
   * graph's nodes are replayed in order, and right after each matched linear layer its adapter branch
   * is added; later nodes read the layer's output plus the branch.
   *
   * @throws IllegalArgumentException if no weight matches, or a matching weight is not used as a linear
   *     layer in a supported pattern
   */
  public static Adapted apply(ExportedModel forward, LoraConfig config) {
    Check.notNull(forward, "forward");
    Check.notNull(config, "config");
    Graph source = Graph.fromModel(forward.model(), forward.externalInitializers());
    Map<String, long[]> weightShapes = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> t : source.initializers().entrySet()) {
      Matcher m = NAME.matcher(t.getKey());
      if (m.matches() && config.targets().contains(m.group(2)) && t.getValue().rank() == 2) {
        weightShapes.put(t.getKey(), t.getValue().shape());
      }
    }
    Check.argument(!weightShapes.isEmpty(),
        "no initializer matches the LoRA targets " + config.targets());
    List<Node> nodes = source.nodes();
    // Graph order of the adapted layers fixes the order of adapters and of their initialization.
    Map<Integer, String> weightAt = new TreeMap<>();
    for (String weight : weightShapes.keySet()) {
      weightAt.put(findLinear(nodes, weight), weight);
    }
    List<String> ordered = new ArrayList<>(weightAt.values());
    GraphBuilder g = GraphBuilder.create(source.name(), source.opset());
    for (Value in : source.inputs()) {
      g.input(in.name(), in.dtype(), in.shape().orElseThrow(
          () -> new IllegalArgumentException("input " + in.name() + " has no shape")));
    }
    source.initializers().forEach(g::initializer);
    SplittableRandom rng = new SplittableRandom(config.seed());
    Map<String, Value[]> adapterOf = new LinkedHashMap<>();
    List<String> adapters = new ArrayList<>();
    for (String weight : ordered) {
      long out = weightShapes.get(weight)[0];
      long in = weightShapes.get(weight)[1];
      // A rank above min(in, out) adds nothing a full update would not, and its factors may not fit.
      Check.argument(config.rank() <= Math.min(in, out),
          "LoRA rank must be <= min(out, in) = " + Math.min(in, out) + " of " + weight + " ["
              + out + ", " + in + "], found " + config.rank());
      float[] av = new float[(int) (config.rank() * in)];
      double bound = 1.0 / Math.sqrt(in);
      for (int i = 0; i < av.length; i++) {
        av[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
      }
      Value a = g.initializer(loraA(weight), Tensor.ofFloats(av, config.rank(), in));
      Value b = g.initializer(loraB(weight),
          Tensor.ofFloats(new float[(int) (out * config.rank())], out, config.rank()));
      adapterOf.put(weight, new Value[] {a, b});
      adapters.add(a.name());
      adapters.add(b.name());
    }
    Map<String, Long> dropoutInputs = new LinkedHashMap<>();
    if (config.dropout() > 0) {
      for (String weight : ordered) {
        // Inverted dropout on the adapter's input: the trainer feeds a mask of 0 and 1 / (1 - p).
        long in = weightShapes.get(weight)[1];
        g.input(dropoutInput(weight), DType.FLOAT, "batch", "seq", in);
        dropoutInputs.put(dropoutInput(weight), in);
      }
    }
    // Replay: consumers of an adapted output read the sum with its branch. Branch names carry a
    // prefix, so they cannot take a name of a node still to be copied.
    g.setNamePrefix("lora/");
    Map<String, Value> rename = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      List<Value> ins = new ArrayList<>();
      for (String name : n.inputs()) {
        ins.add(name.isEmpty() ? null : rename.getOrDefault(name, g.value(name).orElseThrow()));
      }
      List<Value> outs = g.copyNode(n, source, ins);
      String weight = weightAt.get(i);
      if (weight != null) {
        Value x = ins.get(0);
        Value y = outs.get(0);
        Value branchInput = config.dropout() > 0
            ? g.mul(x, g.value(dropoutInput(weight)).orElseThrow()) : x;
        Value[] ab = adapterOf.get(weight);
        Value xa = g.matMul(branchInput, g.transpose(ab[0], 1, 0));
        Value xab = g.matMul(xa, g.transpose(ab[1], 1, 0));
        Value scaled = g.mul(xab,
            g.op("CastLike", Map.of(), g.scalar(DType.FLOAT, config.scale()), xab));
        rename.put(y.name(), g.add(y, scaled));
      }
    }
    for (Value o : source.outputs()) {
      Check.argument(!rename.containsKey(o.name()),
          "an adapted linear output is a graph output: " + o.name());
      g.output(g.value(o.name()).orElseThrow());
    }
    ExportedModel model =
        g.build().toModel(ModelOptions.defaults().withExternalInitializersLike(forward));
    return new Adapted(model, adapters, ordered, dropoutInputs);
  }

  private static int findLinear(List<Node> nodes, String weight) {
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      if (n.opType().equals("Gemm") && n.inputs().size() >= 2 && n.inputs().get(1).equals(weight)
          && n.intAttribute("transB", 0) == 1) {
        return i;
      }
      if (n.opType().equals("FusedMatMul") && n.domain().equals("com.microsoft")
          && n.inputs().size() == 2 && n.inputs().get(1).equals(weight)
          && n.intAttribute("transB", 0) == 1 && n.intAttribute("transA", 0) == 0
          && n.floatAttribute("alpha", 1f) == 1f && n.intAttribute("transBatchA", 0) == 0
          && n.intAttribute("transBatchB", 0) == 0) {
        return i;
      }
      if (n.opType().equals("Transpose") && n.inputs().get(0).equals(weight)) {
        String t = n.outputs().get(0);
        for (int j = i + 1; j < nodes.size(); j++) {
          Node m = nodes.get(j);
          if (m.opType().equals("MatMul") && m.inputs().get(1).equals(t)) {
            return j;
          }
        }
      }
    }
    throw new IllegalArgumentException(weight + " is not used as FusedMatMul(x, W, transB=1),"
        + " MatMul(x, Transpose(W)) or Gemm(x, W, transB=1)");
  }

  /**
   * Writes a PEFT adapter directory: {@code adapter_config.json} and {@code adapter_model.safetensors}
   * (float32, PEFT tensor names). The directory is replaced as a whole ({@link
   * AtomicFiles#replaceDirectory}): a reader sees the earlier adapter or the complete new one, never a
   * mix, and files of an earlier adapter that are not written again are gone.
   *
   * @param dir the adapter directory (its parent is created if needed)
   * @param config the LoRA settings
   * @param adapters trained adapter tensors by PEFT name, with their shapes in {@code shapes}
   * @param baseModel value of {@code base_model_name_or_path}
   */
  public static void writePeft(Path dir, LoraConfig config, Map<String, float[]> adapters,
      Map<String, long[]> shapes, String baseModel) throws IOException {
    AtomicFiles.replaceDirectory(dir, tmp -> writePeftFiles(tmp, config, adapters, shapes, baseModel));
  }

  private static void writePeftFiles(Path dir, LoraConfig config, Map<String, float[]> adapters,
      Map<String, long[]> shapes, String baseModel) throws IOException {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> en : adapters.entrySet()) {
      tensors.put(en.getKey(), Tensor.ofFloats(en.getValue(), shapes.get(en.getKey())));
    }
    SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), tensors,
        Map.of("format", "pt"));
    ObjectMapper json = new ObjectMapper();
    ObjectNode c = json.createObjectNode();
    c.put("peft_type", "LORA");
    c.put("task_type", "CAUSAL_LM");
    c.put("base_model_name_or_path", baseModel);
    c.put("r", config.rank());
    c.put("lora_alpha", config.alpha());
    c.put("lora_dropout", config.dropout());
    ArrayNode t = c.putArray("target_modules");
    config.targets().forEach(t::add);
    c.put("bias", "none");
    c.put("fan_in_fan_out", false);
    c.put("inference_mode", true);
    c.put("init_lora_weights", true);
    c.put("use_rslora", false);
    c.put("use_dora", false);
    c.putNull("modules_to_save");
    AtomicFiles.writeString(dir.resolve("adapter_config.json"),
        json.writerWithDefaultPrettyPrinter().writeValueAsString(c));
  }

  /**
   * Reads the settings of a PEFT LoRA adapter directory ({@code adapter_config.json} as {@link
   * #writePeft} writes it, or as PEFT does for a plain LoRA): rank {@code r}, {@code lora_alpha}, the
   * {@code target_modules} list and {@code lora_dropout}; the seed is 0.
   *
   * @throws org.consistency4j.InvalidInputException naming the file, the field and the bad value if
   *     the adapter is not a plain LoRA adapter this library supports (other PEFT types, rsLoRA, DoRA,
   *     fan-in-fan-out, a regular expression as target_modules, unknown modules)
   */
  public static LoraConfig readPeftConfig(Path adapterDir) {
    Check.notNull(adapterDir, "adapterDir");
    Path cfgFile = adapterDir.resolve("adapter_config.json");
    String src = cfgFile.toString();
    try {
      Check.input(Files.isRegularFile(cfgFile) && Files.size(cfgFile) <= 1 << 20, src, 0,
          "must be a regular file of at most 1 MiB (a PEFT adapter directory)");
      com.fasterxml.jackson.databind.JsonNode c = new ObjectMapper().readTree(cfgFile.toFile());
      Check.input("LORA".equals(c.path("peft_type").asText()), src, 0,
          "field \"peft_type\" must be LORA, found " + c.path("peft_type"));
      for (String flag : List.of("use_rslora", "use_dora", "fan_in_fan_out")) {
        Check.input(!c.path(flag).asBoolean(false), src, 0,
            "field \"" + flag + "\" must be false (not supported), found true");
      }
      int rank = c.path("r").asInt(-1);
      double alpha = c.path("lora_alpha").asDouble(Double.NaN);
      Check.input(rank > 0 && alpha > 0, src, 0,
          "fields \"r\" and \"lora_alpha\" must be positive, found r=" + c.path("r")
              + ", lora_alpha=" + c.path("lora_alpha"));
      com.fasterxml.jackson.databind.JsonNode t = c.path("target_modules");
      List<String> targets = new ArrayList<>();
      if (t.isArray()) {
        t.forEach(n -> targets.add(n.asText()));
      }
      Check.input(!targets.isEmpty() && LoraConfig.SUPPORTED_TARGETS.containsAll(targets), src, 0,
          "field \"target_modules\" must be a list of modules among "
              + new java.util.TreeSet<>(LoraConfig.SUPPORTED_TARGETS) + ", found " + t);
      double dropout = c.path("lora_dropout").asDouble(0);
      Check.input(dropout >= 0 && dropout < 1, src, 0,
          "field \"lora_dropout\" must be in [0, 1), found " + c.path("lora_dropout"));
      return new LoraConfig(rank, alpha, targets, 0, dropout);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read " + cfgFile, e);
    }
  }

  /**
   * {@code W + scale * B A} for a base weight {@code [out, in]}, {@code A [rank, in]}, {@code B [out,
   * rank]} (row-major), computed in double and rounded once.
   */
  public static float[] merge(float[] w, float[] a, float[] b, int out, int in, int rank, double scale) {
    Check.argument(w.length == out * in, "weight size (" + w.length + ") != out * in (" + out * in + ")");
    Check.argument(a.length == rank * in, "A size (" + a.length + ") != rank * in (" + rank * in + ")");
    Check.argument(b.length == out * rank, "B size (" + b.length + ") != out * rank (" + out * rank + ")");
    float[] merged = new float[w.length];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        double s = 0;
        for (int k = 0; k < rank; k++) {
          s += (double) b[o * rank + k] * a[k * in + i];
        }
        merged[o * in + i] = (float) (w[o * in + i] + scale * s);
      }
    }
    return merged;
  }

}
