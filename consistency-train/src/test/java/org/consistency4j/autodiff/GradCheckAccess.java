package org.consistency4j.autodiff;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtException;
import java.util.SplittableRandom;
import java.util.function.Function;

/** Public test access to {@link GradCheck} for tests in other packages. */
public final class GradCheckAccess {
  private final GradCheck check;

  public GradCheckAccess(long seed, boolean dynamic) {
    this.check = new GradCheck(seed, dynamic);
  }

  public SplittableRandom rng() {
    return check.rng();
  }

  public String uniform(String name, double lo, double hi, long... shape) {
    return check.uniform(name, lo, hi, shape);
  }

  public String ints(String name, long[] data, long... shape) {
    return check.ints(name, data, shape);
  }

  public void check(Function<Emitter, String> forward, int samples) throws OrtException {
    check.check(forward, samples);
  }

  public static byte[] model(OnnxMl.GraphProto graph) {
    return GradCheck.model(graph);
  }

  /** A graph input declaration with symbolic dims. */
  public static OnnxMl.ValueInfoProto input(String name, int dtype, String... dims) {
    OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
    for (String d : dims) {
      s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(d));
    }
    return OnnxMl.ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(dtype).setShape(s)))
        .build();
  }
}
