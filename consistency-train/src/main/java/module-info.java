/**
 * consistency4j train: the ONNX graph IR and autodiff, safetensors, tokenizers and chat templates,
 * the decoder runtime on ONNX Runtime, LoRA and the SFT and CAT trainers.
 *
 * <p>Exports its API packages, one per line. ONNX Runtime ({@code ModelSessions} hands out its
 * sessions), Tribuo's ONNX protobuf classes ({@code Graph.fromModel} takes a {@code ModelProto}) and
 * protobuf are part of the API, hence {@code requires transitive}. The all-MiniLM-L6-v2 jar holds
 * only resources, read through the class loader; as an automatic module on the module path it is
 * resolved together with the automatic modules required here.
 */
module org.consistency4j.train {
  requires transitive org.consistency4j.core;
  requires transitive com.microsoft.onnxruntime;
  requires transitive org.tribuo.util.onnx;
  requires transitive com.google.protobuf;
  requires ai.djl.tokenizers;
  requires org.slf4j;

  exports org.consistency4j.autodiff;
  exports org.consistency4j.embedding;
  exports org.consistency4j.graph;
  exports org.consistency4j.lora;
  exports org.consistency4j.model;
  exports org.consistency4j.optim;
  exports org.consistency4j.safetensors;
  exports org.consistency4j.tokenizer;
  exports org.consistency4j.train;
}
