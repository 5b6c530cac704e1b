package org.consistency4j.graph;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test helper: runs an exported model in ONNX Runtime (CPU, 1 thread) and copies outputs out. */
final class Ort {
  private Ort() {}

  static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  /** Input tensors by name; values are float[]/long[]/double[]/int[]/boolean[] with a shape. */
  record In(Object data, long... shape) {}

  /** Runs the model and returns every output as a double[] (in graph output order). */
  static List<double[]> run(ExportedModel model, Map<String, In> inputs) throws OrtException {
    List<OnnxTensor> ext = new ArrayList<>();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(1);
      if (!model.externalInitializers().isEmpty()) {
        Map<String, OnnxTensorLike> m = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.externalInitializers().entrySet()) {
          OnnxTensor t = toOrt(e.getValue());
          ext.add(t);
          m.put(e.getKey(), t);
        }
        so.addExternalInitializers(m);
      }
      try (OrtSession s = ENV.createSession(model.toByteArray(), so)) {
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
          for (Map.Entry<String, In> e : inputs.entrySet()) {
            feed.put(e.getKey(), toOrt(e.getValue()));
          }
          try (OrtSession.Result r = s.run(feed)) {
            List<double[]> out = new ArrayList<>();
            for (Map.Entry<String, OnnxValue> e : r) {
              out.add(toDoubles((OnnxTensor) e.getValue()));
            }
            return out;
          }
        } finally {
          feed.values().forEach(OnnxTensor::close);
        }
      }
    } finally {
      ext.forEach(OnnxTensor::close);
    }
  }

  static OnnxTensor toOrt(Tensor t) throws OrtException {
    ByteBuffer direct = ByteBuffer.allocateDirect((int) t.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    direct.put(t.data());
    direct.flip();
    ai.onnxruntime.OnnxJavaType jt =
        switch (t.dtype()) {
          case FLOAT -> ai.onnxruntime.OnnxJavaType.FLOAT;
          case DOUBLE -> ai.onnxruntime.OnnxJavaType.DOUBLE;
          case INT64 -> ai.onnxruntime.OnnxJavaType.INT64;
          case INT32 -> ai.onnxruntime.OnnxJavaType.INT32;
          case BOOL -> ai.onnxruntime.OnnxJavaType.BOOL;
          case FLOAT16 -> ai.onnxruntime.OnnxJavaType.FLOAT16;
          case BFLOAT16 -> ai.onnxruntime.OnnxJavaType.BFLOAT16;
          default -> throw new IllegalArgumentException("unsupported " + t.dtype());
        };
    return OnnxTensor.createTensor(ENV, direct, t.shape(), jt);
  }

  static OnnxTensor toOrt(In in) throws OrtException {
    Object d = in.data();
    if (d instanceof float[] f) {
      return toOrt(Tensor.ofFloats(f, in.shape()));
    } else if (d instanceof double[] f) {
      return toOrt(Tensor.ofDoubles(f, in.shape()));
    } else if (d instanceof long[] f) {
      return toOrt(Tensor.ofLongs(f, in.shape()));
    } else if (d instanceof int[] f) {
      return toOrt(Tensor.ofInts(f, in.shape()));
    } else if (d instanceof boolean[] f) {
      return toOrt(Tensor.ofBooleans(f, in.shape()));
    }
    throw new IllegalArgumentException("unsupported input " + d);
  }

  static double[] toDoubles(OnnxTensor t) {
    ByteBuffer b = t.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    long[] shape = t.getInfo().getShape();
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    DType dt =
        switch (t.getInfo().type) {
          case FLOAT -> DType.FLOAT;
          case DOUBLE -> DType.DOUBLE;
          case INT64 -> DType.INT64;
          case INT32 -> DType.INT32;
          case BOOL -> DType.BOOL;
          case FLOAT16 -> DType.FLOAT16;
          default -> throw new IllegalArgumentException("unsupported " + t.getInfo().type);
        };
    return Tensor.of(dt, b, shape).toDoubleArray();
  }

  /** Shape of output {@code i}. */
  static long[] outputShape(ExportedModel model, Map<String, In> inputs, int i) throws OrtException {
    try (OrtSession s = ENV.createSession(model.toByteArray(), new OrtSession.SessionOptions())) {
      Map<String, OnnxTensor> feed = new HashMap<>();
      try {
        for (Map.Entry<String, In> e : inputs.entrySet()) {
          feed.put(e.getKey(), toOrt(e.getValue()));
        }
        try (OrtSession.Result r = s.run(feed)) {
          return ((OnnxTensor) r.get(i)).getInfo().getShape();
        }
      } finally {
        feed.values().forEach(OnnxTensor::close);
      }
    }
  }
}
