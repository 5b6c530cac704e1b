package org.consistency4j.benchmarks;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.consistency4j.graph.Attribute;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.HalfFloats;
import org.consistency4j.graph.ModelOptions;
import org.consistency4j.graph.Tensor;
import org.consistency4j.graph.Value;
import org.consistency4j.model.Quantization;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One batch-1 matrix-vector product {@code [1, k] x [k, n]} on ONNX Runtime's CPU execution
 * provider with one intra-op thread, for each way this library could hold a weight: float32 (an
 * initializer the session pre-packs, or a graph input fed on every run as the in-place default
 * does), 16-bit (ONNX Runtime's {@code MatMul} kernel for float16, with the weight an initializer or
 * an input; a bfloat16 weight input upcast by a {@code Cast} in the graph, since there is no bfloat16
 * {@code MatMul} kernel) and int8 ({@code com.microsoft.MatMulNBits}, block 32, int8 activations, as
 * {@code --quantize int8}). Shapes are Qwen2.5-0.5B's: the MLP's up/gate projection {@code 896 x
 * 4864}, its down projection {@code 4864 x 896} and the untied-size LM head {@code 896 x 151936}.
 * Activations are float32 in and out in every variant (the 16-bit ones cast the activation to the
 * weight's type and the product back), as a decoder layer would use them. Weights are Gaussian (sd
 * 0.02, seed 5); the values do not change the time. See benchmarks/README.md, "16-bit weights on
 * ONNX Runtime's CPU execution provider". {@link #main} lists which 16-bit graphs ONNX Runtime
 * accepts and how it runs them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HalfPrecisionMatMulBenchmark {
  /** {@code k x n}. */
  @Param({"896x4864", "4864x896", "896x151936"})
  public String shape;

  /**
   * {@code float32}, {@code float32-input}, {@code float16}, {@code float16-input}, {@code
   * bfloat16-input} or {@code int8}.
   */
  @Param({"float32", "float32-input", "float16", "float16-input", "bfloat16-input", "int8"})
  public String weights;

  private OrtEnvironment env;
  private OrtSession session;
  private final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();

  @Setup(Level.Trial)
  public void setUp() throws OrtException {
    String[] kn = shape.split("x");
    int k = Integer.parseInt(kn[0]);
    int n = Integer.parseInt(kn[1]);
    env = OrtEnvironment.getEnvironment();
    GraphBuilder g = GraphBuilder.create("gemv", 21);
    Value x = g.input("x", DType.FLOAT, 1L, (long) k);
    Value y;
    switch (weights) {
      case "float32" -> y = g.matMul(x, g.initializer("w", randomMatrix(DType.FLOAT, k, n)));
      case "float32-input" -> y = g.matMul(x, weightInput(g, DType.FLOAT, k, n));
      case "float16" -> y = g.cast(g.matMul(g.cast(x, DType.FLOAT16),
          g.initializer("w", randomMatrix(DType.FLOAT16, k, n))), DType.FLOAT);
      case "float16-input" -> y = g.cast(g.matMul(g.cast(x, DType.FLOAT16),
          weightInput(g, DType.FLOAT16, k, n)), DType.FLOAT);
      case "bfloat16-input" -> y = g.matMul(x, g.cast(weightInput(g, DType.BFLOAT16, k, n),
          DType.FLOAT));
      case "int8" -> {
        Quantization q = Quantization.INT8;
        Quantization.Quantized z = q.quantize("w", randomMatrix(DType.FLOAT, n, k));
        Value packed = g.initializer("w.nbits", Tensor.of(DType.UINT8, z.packed(), n,
            q.blocksPerRow(k), q.blockBytes()));
        Value scales = g.initializer("w.scales", Tensor.of(DType.FLOAT, z.scales(), n,
            q.blocksPerRow(k)));
        y = g.matMulNBits(x, packed, scales, k, n, q.bits(), q.blockSize(), 4);
      }
      default -> throw new IllegalArgumentException("weights: expected float32, float32-input, "
          + "float16, float16-input, bfloat16-input or int8, found " + weights);
    }
    g.output("y", y);
    byte[] model = g.build().toModel(ModelOptions.defaults()).toByteArray();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(1);
      session = env.createSession(model, so);
    }
    ByteBuffer xs = ByteBuffer.allocateDirect(4 * k).order(ByteOrder.nativeOrder());
    SplittableRandom rnd = new SplittableRandom(3);
    for (int i = 0; i < k; i++) {
      xs.putFloat(4 * i, (float) rnd.nextGaussian());
    }
    inputs.put("x", OnnxTensor.createTensor(env, xs.asFloatBuffer(), new long[] {1, k}));
  }

  /** A graph input {@code w} of {@code dtype [k, n]} and its (random) value for every run. */
  private Value weightInput(GraphBuilder g, DType dtype, int k, int n) throws OrtException {
    Tensor w = randomMatrix(dtype, k, n);
    ByteBuffer data = ByteBuffer.allocateDirect(Math.toIntExact(w.byteSize()))
        .order(ByteOrder.nativeOrder());
    data.put(w.data().duplicate().order(ByteOrder.LITTLE_ENDIAN)).flip();
    OnnxJavaType type = switch (dtype) {
      case FLOAT -> OnnxJavaType.FLOAT;
      case FLOAT16 -> OnnxJavaType.FLOAT16;
      case BFLOAT16 -> OnnxJavaType.BFLOAT16;
      default -> throw new IllegalArgumentException("no weight input of type " + dtype);
    };
    inputs.put("w", OnnxTensor.createTensor(env, data, new long[] {k, n}, type));
    return g.input("w", dtype, (long) k, (long) n);
  }

  /** A {@code [rows, cols]} tensor of Gaussians (sd 0.02, seed 5) rounded to {@code dtype}. */
  static Tensor randomMatrix(DType dtype, int rows, int cols) {
    long count = (long) rows * cols;
    ByteBuffer b = ByteBuffer.allocateDirect(Math.toIntExact(count * dtype.byteSize()))
        .order(ByteOrder.LITTLE_ENDIAN);
    SplittableRandom rnd = new SplittableRandom(5);
    for (long i = 0; i < count; i++) {
      float v = (float) (0.02 * rnd.nextGaussian());
      switch (dtype) {
        case FLOAT -> b.putFloat(v);
        case FLOAT16 -> b.putShort(HalfFloats.floatToFloat16(v));
        case BFLOAT16 -> b.putShort(HalfFloats.floatToBfloat16(v));
        default -> throw new IllegalArgumentException("no random matrix of type " + dtype);
      }
    }
    return Tensor.of(dtype, b.flip(), rows, cols);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws OrtException {
    for (OnnxTensor t : inputs.values()) {
      t.close();
    }
    inputs.clear();
    session.close();
  }

  /**
   * Without JMH: asks ONNX Runtime's CPU execution provider, one graph at a time, which 16-bit
   * weight graphs it accepts, and prints for each either the message it refuses it with or the
   * operators and initializer types of the graph it actually runs (its optimized model, {@code
   * setOptimizedModelFilePath}): inserted {@code Cast}s and weights folded to float32 show where a
   * 16-bit weight does not stay 16-bit. Shapes {@code [1, 896] x [896, 256]}.
   */
  public static void main(String[] args) throws Exception {
    int k = 896;
    int n = 256;
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Path dir = Files.createTempDirectory("c4j-half-probe");
    for (String probe : List.of("MatMul float16", "MatMul bfloat16", "Gemm float16",
        "FusedMatMul float16", "FusedMatMul bfloat16", "MatMulNBits bits=16",
        "MatMul(x, Cast(bfloat16 weight to float))", "MatMul(x, DequantizeLinear(int16 weight))")) {
      GraphBuilder g = GraphBuilder.create("probe", 21);
      DType type = probe.contains("bfloat16") && !probe.contains("Cast") ? DType.BFLOAT16
          : probe.contains("float16") && !probe.contains("Cast") ? DType.FLOAT16 : DType.FLOAT;
      Value x = g.input("x", type, 1L, (long) k);
      Value y = switch (probe) {
        case "MatMul float16", "MatMul bfloat16" ->
            g.matMul(x, g.initializer("w", randomMatrix(type, k, n)));
        case "Gemm float16" -> g.gemm(x, g.initializer("w", randomMatrix(type, k, n)), null);
        case "FusedMatMul float16", "FusedMatMul bfloat16" -> g.op("com.microsoft", "FusedMatMul",
            List.of(x, g.initializer("w", randomMatrix(type, k, n))),
            Map.of("alpha", new Attribute.FloatValue(1f)), List.of(type)).get(0);
        case "MatMulNBits bits=16" -> g.op("com.microsoft", "MatMulNBits",
            List.of(x, g.initializer("w.nbits", Tensor.of(DType.UINT8,
                    ByteBuffer.allocateDirect(n * k * 2), n, k / 32, 64)),
                g.initializer("w.scales", Tensor.ofFloats(new float[n * k / 32], n, k / 32))),
            Map.of("K", new Attribute.IntValue(k), "N", new Attribute.IntValue(n),
                "bits", new Attribute.IntValue(16), "block_size", new Attribute.IntValue(32)),
            List.of(DType.FLOAT)).get(0);
        case "MatMul(x, Cast(bfloat16 weight to float))" ->
            g.matMul(x, g.cast(g.initializer("w", randomMatrix(DType.BFLOAT16, k, n)), DType.FLOAT));
        default -> {
          ByteBuffer codes = ByteBuffer.allocateDirect(2 * k * n).order(ByteOrder.LITTLE_ENDIAN);
          SplittableRandom rnd = new SplittableRandom(5);
          for (int i = 0; i < k * n; i++) {
            codes.putShort((short) rnd.nextInt(-30000, 30000));
          }
          Value w = g.op("", "DequantizeLinear", List.of(
                  g.initializer("w", Tensor.of(DType.INT16, codes.flip(), k, n)),
                  g.initializer("s", Tensor.ofFloats(new float[n], n))),
              Map.of("axis", new Attribute.IntValue(1)), List.of(DType.FLOAT)).get(0);
          yield g.matMul(x, w);
        }
      };
      g.output("y", y);
      Path optimized = dir.resolve("optimized.onnx");
      try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
        so.setIntraOpNumThreads(1);
        so.setOptimizedModelFilePath(optimized.toString());
        so.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
        byte[] model = g.build().toModel(ModelOptions.defaults()).toByteArray();
        try (OrtSession s = env.createSession(model, so)) {
          OnnxMl.GraphProto run = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(optimized))
              .getGraph();
          List<String> ops = run.getNodeList().stream().map(OnnxMl.NodeProto::getOpType).toList();
          List<String> inits = run.getInitializerList().stream().map(t -> t.getName() + " "
              + DType.fromOnnx(t.getDataType())).toList();
          System.out.println(probe + ": runs as " + ops + ", initializers " + inits);
        }
      } catch (OrtException e) {
        System.out.println(probe + ": refused: " + e.getMessage().strip());
      }
      Files.deleteIfExists(optimized);
    }
    Files.deleteIfExists(dir);
  }

  /** One product; the output is closed at once. */
  @Benchmark
  public void gemv() throws OrtException {
    try (OrtSession.Result r = session.run(inputs)) {
      if (r.size() != 1) {
        throw new IllegalStateException("expected one output, found " + r.size());
      }
    }
  }
}
