package org.consistency4j.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.consistency4j.graph.Attribute;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.ModelOptions;
import org.consistency4j.graph.Value;
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
 * One linear layer {@code y = x W^T}, {@code x [batch, k]}, on ONNX Runtime's CPU execution
 * provider with one intra-op thread and the float32 weight fed as a graph input on every run (the
 * library's in-place default for float32 inference), in each layout the graph could read it in:
 * {@code matmul}: {@code MatMul(x, W [k, n])}, the weight held transposed once at load;
 * {@code fused-transB}: {@code com.microsoft FusedMatMul(x, W [n, k], transB = 1)}, the weight as a
 * Hugging Face checkpoint stores it; {@code matmul-transpose}: {@code MatMul(x, Transpose(W [n,
 * k]))}, which with an input weight transposes it on every run; {@code transA}: {@code
 * Transpose(FusedMatMul(W [k, n], x, transA = 1, transB = 1))}, the weight held {@code [k, n]} as
 * for {@code matmul} but given to the kernel as its first operand ({@code y^T = W x^T}); {@code
 * left}: {@code Transpose(MatMul(W [n, k], Transpose(x)))}, the weight as stored and as the first
 * operand; {@code if}: an {@code If} on the row count that runs {@code left} for at least {@code
 * leftFrom} rows and {@code fused-transB} for fewer (what the library's inference graph does,
 * {@code RuntimeOptions.LinearLayout.BATCHED}). Shapes {@code k x n} are
 * Qwen2.5-0.5B's: the LM head {@code 896 x 151936}, MLP gate/up {@code 896 x 4864}, down {@code
 * 4864 x 896}, attention q/o {@code 896 x 896} and k/v {@code 896 x 128}; batch 1 is a decoding
 * step, 16 a batched one. With {@code working = hot} every run multiplies by the same weight, which
 * stays in this CPU's 32 MiB L3 cache unless it is the LM head; with {@code cold} the runs cycle
 * through enough copies of the weight (different values, at least 96 MiB together) that each run
 * reads its weight from memory, as a decoding step does (it reads every layer's weights once).
 * Weights Gaussian (sd 0.02, seed 5 and up), activations Gaussian (seed 3). See
 * benchmarks/README.md, "Linear-layer layout with weights read in place".
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class LinearLayoutBenchmark {
  /** {@code k x n} (input x output features). */
  @Param({"896x151936", "896x4864", "4864x896", "896x896", "896x128"})
  public String shape;

  /**
   * {@code matmul}, {@code fused-transB}, {@code matmul-transpose}, {@code transA}, {@code left} or
   * {@code if}.
   */
  @Param({"matmul", "fused-transB", "matmul-transpose", "transA", "left"})
  public String layout;

  /** For {@code layout = if}: the fewest rows {@code left} is run for. */
  @Param({"2"})
  public int leftFrom;

  /** Rows of {@code x}. */
  @Param({"1", "16"})
  public int batch;

  /** {@code hot}: one weight, {@code cold}: copies of at least 96 MiB in all, used in turn. */
  @Param({"hot", "cold"})
  public String working;

  private OrtSession session;
  private final List<Map<String, OnnxTensor>> inputs = new ArrayList<>();
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws OrtException {
    String[] kn = shape.split("x");
    int k = Integer.parseInt(kn[0]);
    int n = Integer.parseInt(kn[1]);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    GraphBuilder g = GraphBuilder.create("linear", 18);
    Value x = g.input("x", DType.FLOAT, (long) batch, (long) k);
    boolean stored = !layout.equals("matmul") && !layout.equals("transA");
    long[] ws = stored ? new long[] {n, k} : new long[] {k, n};
    Value w = g.input("w", DType.FLOAT, ws[0], ws[1]);
    Value y = switch (layout) {
      case "matmul" -> g.matMul(x, w);
      case "fused-transB" -> g.op("com.microsoft", "FusedMatMul", List.of(x, w),
          Map.of("transB", Attribute.of(1L)), List.of(DType.FLOAT)).get(0);
      case "matmul-transpose" -> g.matMul(x, g.transpose(w, 1, 0));
      case "transA" -> g.transpose(g.op("com.microsoft", "FusedMatMul", List.of(w, x),
          Map.of("transA", Attribute.of(1L), "transB", Attribute.of(1L)), List.of(DType.FLOAT))
          .get(0), 1, 0);
      case "left" -> g.transpose(g.matMul(w, g.transpose(x, 1, 0)), 1, 0);
      case "if" -> {
        GraphBuilder left = g.subgraph("left");
        left.output(left.transpose(left.matMul(w, left.transpose(x, 1, 0)), 1, 0));
        GraphBuilder fused = g.subgraph("fused");
        fused.output(fused.op("com.microsoft", "FusedMatMul", List.of(x, w),
            Map.of("transB", Attribute.of(1L)), List.of(DType.FLOAT)).get(0));
        Value many = g.greater(g.size(x), g.scalar(DType.INT64, (long) (leftFrom - 1) * k));
        yield g.ifThenElse(many, left.build(), fused.build()).get(0);
      }
      default -> throw new IllegalArgumentException("layout: expected matmul, fused-transB,"
          + " matmul-transpose, transA, left or if, found " + layout);
    };
    g.output("y", y);
    session = oneThreadSession(env, g);
    ByteBuffer xs = ByteBuffer.allocateDirect(4 * batch * k).order(ByteOrder.nativeOrder());
    SplittableRandom rnd = new SplittableRandom(3);
    for (int i = 0; i < batch * k; i++) {
      xs.putFloat(4 * i, (float) rnd.nextGaussian());
    }
    OnnxTensor xt = OnnxTensor.createTensor(env, xs.asFloatBuffer(), new long[] {batch, k});
    long bytes = 4L * k * n;
    int copies = switch (working) {
      case "hot" -> 1;
      case "cold" -> (int) Math.max(1, (96L << 20) / bytes + 1);
      default -> throw new IllegalArgumentException("working: expected hot or cold, found "
          + working);
    };
    for (int c = 0; c < copies; c++) {
      ByteBuffer wd = ByteBuffer.allocateDirect(Math.toIntExact(bytes))
          .order(ByteOrder.nativeOrder());
      SplittableRandom wr = new SplittableRandom(5 + c);
      for (long i = 0; i < (long) k * n; i++) {
        wd.putFloat((float) (0.02 * wr.nextGaussian()));
      }
      wd.flip();
      inputs.add(Map.of("x", xt, "w", OnnxTensor.createTensor(env, wd.asFloatBuffer(), ws)));
    }
  }

  /** A session of {@code g}'s graph with one intra-op thread and every graph optimization. */
  static OrtSession oneThreadSession(OrtEnvironment env, GraphBuilder g) throws OrtException {
    byte[] model = g.build().toModel(ModelOptions.defaults()).toByteArray();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      so.setIntraOpNumThreads(1);
      return env.createSession(model, so);
    }
  }

  /** Runs {@code session} on {@code in} once; the single output is closed at once. */
  static void runOnce(OrtSession session, Map<String, OnnxTensor> in) throws OrtException {
    try (OrtSession.Result r = session.run(in)) {
      if (r.size() != 1) {
        throw new IllegalStateException("expected one output, found " + r.size());
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws OrtException {
    inputs.get(0).get("x").close();
    for (Map<String, OnnxTensor> in : inputs) {
      in.get("w").close();
    }
    inputs.clear();
    session.close();
  }

  /** One product; the output is closed at once. */
  @Benchmark
  public void linear() throws OrtException {
    Map<String, OnnxTensor> in = inputs.get(next);
    next = (next + 1) % inputs.size();
    runOnce(session, in);
  }
}
