package org.consistency4j.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Tensor;
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
 * The token-embedding lookup of Qwen2.5-0.5B ({@code 151936 x 896} float32, fed as a graph input, 1
 * intra-op thread) for {@code tokens} ids: {@code rows}: {@code Gather} of rows of the table as a
 * checkpoint stores it, {@code [vocab, hidden]}; {@code columns}: the table held transposed, {@code
 * [hidden, vocab]}, for a tied LM head's plain {@code MatMul}, its columns read by one {@code
 * GatherND} of the elements {@code (h, id)} (as {@code LlamaGraphs} does); {@code
 * columns-transpose}: {@code Gather} on axis 1, then {@code Transpose}. 1 token is a decoding step,
 * 16 a batched one, 512 a prompt. Ids uniform (seed 9). See benchmarks/README.md, "Linear-layer
 * layout with weights read in place".
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class EmbeddingLookupBenchmark {
  private static final int VOCAB = 151_936;
  private static final int HIDDEN = 896;

  /** {@code rows}, {@code columns} or {@code columns-transpose}. */
  @Param({"rows", "columns", "columns-transpose"})
  public String layout;

  /** Ids looked up per run, as {@code [1, tokens]}. */
  @Param({"1", "16", "512"})
  public int tokens;

  private OrtSession session;
  private final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();

  @Setup(Level.Trial)
  public void setUp() throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    GraphBuilder g = GraphBuilder.create("lookup", 18);
    Value ids = g.input("ids", DType.INT64, 1L, (long) tokens);
    boolean rows = layout.equals("rows");
    long[] ts = rows ? new long[] {VOCAB, HIDDEN} : new long[] {HIDDEN, VOCAB};
    Value table = g.input("table", DType.FLOAT, ts[0], ts[1]);
    Value x = switch (layout) {
      case "rows" -> g.gather(table, ids, 0);
      case "columns" -> {
        long[] h = new long[HIDDEN];
        for (int i = 0; i < HIDDEN; i++) {
          h[i] = i;
        }
        Value shape = g.concat(0, g.shape(ids), g.constant(Tensor.vector(HIDDEN, 1)));
        Value at = g.concat(-1, g.expand(g.constant(Tensor.ofLongs(h, 1, 1, HIDDEN, 1)), shape),
            g.expand(g.unsqueeze(ids, 2, 3), shape));
        yield g.op("GatherND", Map.of(), table, at);
      }
      case "columns-transpose" -> g.transpose(g.gather(table, ids, 1), 1, 2, 0);
      default -> throw new IllegalArgumentException(
          "layout: expected rows, columns or columns-transpose, found " + layout);
    };
    g.output("x", x);
    session = LinearLayoutBenchmark.oneThreadSession(env, g);
    Tensor t = HalfPrecisionMatMulBenchmark.randomMatrix(DType.FLOAT, (int) ts[0], (int) ts[1]);
    ByteBuffer td = ByteBuffer.allocateDirect(Math.toIntExact(t.byteSize()))
        .order(ByteOrder.nativeOrder());
    td.put(t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN)).flip();
    inputs.put("table", OnnxTensor.createTensor(env, td.asFloatBuffer(), ts));
    long[] v = new SplittableRandom(9).longs(tokens, 0, VOCAB).toArray();
    inputs.put("ids", OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(v),
        new long[] {1, tokens}));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws OrtException {
    for (OnnxTensor t : inputs.values()) {
      t.close();
    }
    inputs.clear();
    session.close();
  }

  /** One lookup. */
  @Benchmark
  public void lookup() throws OrtException {
    LinearLayoutBenchmark.runOnce(session, inputs);
  }
}
