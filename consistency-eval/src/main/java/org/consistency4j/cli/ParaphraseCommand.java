package org.consistency4j.cli;

import org.consistency4j.internal.Check;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.consistency4j.paraphrase.Instruction;
import org.consistency4j.paraphrase.Paraphrase;
import org.consistency4j.paraphrase.Paraphraser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code consistency paraphrase}: n paraphrases of each instruction of a JSONL file. */
@Command(
    name = "paraphrase",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Paraphrase instructions with WordNet synonyms, structural rewrites, format perturbations, "
          + "a language model, or the default rule-based pipeline. Quoted strings, {placeholders}, "
          + "numbers, code and the given protected terms are never altered."
    },
    footer = {
      "",
      "Input (JSONL, one object per line):",
      "  {\"id\": \"t1\", \"instruction\": \"Classify the review as \\\"POS\\\" or \\\"NEG\\\".\","
          + " \"protected\": [\"POS\", \"NEG\"]}",
      "Output (JSONL, one line per input, in order):",
      "  {\"id\": \"t1\", \"instruction\": \"...\", \"paraphrases\": [{\"text\": \"...\","
          + " \"method\": \"structural+wordnet\", \"edits\": [...]}, ...]}",
      "",
      "Exit codes: 0 success, 1 failure while running, 2 bad usage or bad input (file:line: problem)."
    })
final class ParaphraseCommand implements Callable<Integer> {
  @Spec private picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--input", required = true, paramLabel = "FILE",
      description = "JSONL file of instructions.")
  private Path input;

  @Option(names = "--output", paramLabel = "FILE",
      description = "Write here (atomically) instead of to standard output.")
  private Path output;

  @Option(names = "--n", defaultValue = "10", paramLabel = "K",
      description = "Paraphrases per instruction (default: ${DEFAULT-VALUE}).")
  private int n;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
      description = "Seed of every random choice (default: ${DEFAULT-VALUE}).")
  private long seed;

  @Mixin private ParaphraseSupport support;

  @Override
  public Integer call() throws IOException {
    Check.inRange(n, 1, ParaphraseSupport.MAX_PARAPHRASES, "--n");
    try (ParaphraseSupport s = support) {
      Paraphraser paraphraser = s.paraphraser();
      ObjectMapper mapper = JsonlIO.writerMapper();
      JsonlIO.WriterBody body = out -> JsonlIO.forEachObject(input, line -> {
        String id = line.id("id");
        String text = line.text("instruction");
        if (text.isBlank()) {
          throw line.error("field \"instruction\" must not be blank");
        }
        List<String> terms = line.optionalTextArray("protected").orElse(List.of());
        for (String t : terms) {
          if (t.isBlank()) {
            throw line.error("field \"protected\" must not contain a blank term");
          }
        }
        List<Paraphrase> ps = paraphraser.paraphrase(Instruction.of(text, terms), n, seed);
        ObjectNode o = mapper.createObjectNode();
        o.put("id", id);
        o.put("instruction", text);
        ArrayNode arr = o.putArray("paraphrases");
        for (Paraphrase p : ps) {
          ObjectNode x = arr.addObject();
          x.put("text", p.text());
          x.put("method", p.method());
          ArrayNode edits = x.putArray("edits");
          p.edits().forEach(edits::add);
        }
        out.write(mapper.writeValueAsString(o));
        out.write('\n');
      });
      JsonlIO.emit(output, spec.commandLine().getOut(), body);
    }
    return 0;
  }
}
