package org.consistency4j.train;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Value;

/** Public test access to {@link ReferenceLlama} for tests in other packages. */
public final class ReferenceLlamaAccess {
  private ReferenceLlamaAccess() {}

  public static Map<String, float[]> readSafetensors(InputStream in, Map<String, long[]> shapes)
      throws IOException {
    return ReferenceLlama.readSafetensors(in, shapes);
  }

  public static Value forward(GraphBuilder g, DType dt, Value ids, int batch, int seq,
      Map<String, float[]> w, Map<String, long[]> shapes) {
    return ReferenceLlama.forward(g, dt, ids, batch, seq, w, shapes);
  }
}
