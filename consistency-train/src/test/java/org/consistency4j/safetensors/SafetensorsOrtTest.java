package org.consistency4j.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Map;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.ModelOptions;
import org.consistency4j.graph.Tensor;
import org.consistency4j.graph.Value;
import org.junit.jupiter.api.Test;

/** Mapped safetensors weights feed ONNX Runtime as external initializers without a Java-side copy. */
class SafetensorsOrtTest {

  @Test
  void mapped_weights_are_passed_to_onnx_runtime_as_direct_buffers() throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (SafetensorsFile f = SafetensorsFile.open(SafetensorsFileTest.tinyLlama())) {
      Tensor embed = f.tensor("model.embed_tokens.weight");
      assertTrue(embed.data().isDirect(), "mapped tensor data must be a direct buffer");
      GraphBuilder b = GraphBuilder.create("embed");
      Value ids = b.input("ids", DType.INT64, "n");
      Value w = b.initializer("model.embed_tokens.weight", embed);
      b.output("rows", b.gather(w, ids, 0));
      ExportedModel m = b.build().toModel(ModelOptions.defaults().withExternalInitializersAbove(1024));
      assertTrue(m.externalInitializers().containsKey("model.embed_tokens.weight"));
      // the model proto stays tiny: the 98 KB table is not inside
      assertTrue(m.toByteArray().length < 1024, "model bytes: " + m.toByteArray().length);
      try (OnnxTensor wt =
              OnnxTensor.createTensor(env, embed.data(), embed.shape(), OnnxJavaType.FLOAT);
          OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
        so.addExternalInitializers(Map.<String, OnnxTensorLike>of("model.embed_tokens.weight", wt));
        try (OrtSession s = env.createSession(m.toByteArray(), so);
            OnnxTensor in = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {5, 383}), new long[] {2});
            OrtSession.Result r = s.run(Map.of("ids", in))) {
          FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
          float[] got = new float[128];
          out.get(got);
          float[] all = f.floats("model.embed_tokens.weight");
          float[] want = new float[128];
          System.arraycopy(all, 5 * 64, want, 0, 64);
          System.arraycopy(all, 383 * 64, want, 64, 64);
          assertArrayEquals(want, got, () -> Arrays.toString(got));
        }
      }
    }
  }
}
