package org.consistency4j.cli;

import org.consistency4j.internal.Check;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.consistency4j.data.AugmentationConfig;
import org.consistency4j.data.InstructionAugmentation;
import org.consistency4j.data.PromptTemplate;
import org.consistency4j.data.SniTask;
import org.consistency4j.data.SniTasks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code consistency augment}: instruction-augmented SFT data from SNI task files (stage 1). */
@Command(
    name = "augment",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Build instruction-augmented SFT data: n paraphrases of each task definition, each paired "
          + "with the task's unchanged instances; held-out paraphrases and instances are kept for "
          + "evaluation and never appear in training data."
    },
    footer = {
      "",
      "Writes into --out: train.prompt_completion.jsonl ({\"prompt\",\"completion\"}),",
      "train.messages.jsonl ({\"messages\"}), train.groups.jsonl and heldout.groups.jsonl",
      "(instruction groups for evaluation), paraphrases.jsonl (provenance) and manifest.json.",
      "",
      "Exit codes: 0 success, 1 failure while running, 2 bad usage or bad input (file:line: problem)."
    })
final class AugmentCommand implements Callable<Integer> {
  @Spec private picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--tasks", required = true, paramLabel = "DIR",
      description = "Directory of Super-NaturalInstructions task*.json files.")
  private Path tasks;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  private Path out;

  @Option(names = "--n", defaultValue = "10", paramLabel = "K",
      description = "Paraphrases per definition (default: ${DEFAULT-VALUE}).")
  private int n;

  @Option(names = "--held-out", defaultValue = "2", paramLabel = "H",
      description = "Paraphrases per task kept for evaluation, < n (default: ${DEFAULT-VALUE}).")
  private int heldOut;

  @Option(names = "--held-out-instances", defaultValue = "0.2", paramLabel = "F",
      description = "Share of each task's instances kept for evaluation (default: ${DEFAULT-VALUE}).")
  private double heldOutInstances;

  @Option(names = "--no-original",
      description = "Do not train on the original definition, only on paraphrases.")
  private boolean noOriginal;

  @Option(names = "--prompt-template", paramLabel = "TEXT",
      description = "Prompt with {instruction} and {input} (default: SNI style"
          + " \"{instruction}\\n\\nInput: {input}\\nOutput:\").")
  private String promptTemplate;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
      description = "Seed of paraphrasing and splits (default: ${DEFAULT-VALUE}).")
  private long seed;

  @Option(names = "--protect", split = ",", paramLabel = "WORD",
      description = "Terms never altered in any definition, comma-separated or repeated; added to"
          + " the label words detected from each task's outputs.")
  private List<String> protect = new ArrayList<>();

  @Option(names = "--no-detect-labels",
      description = "Do not protect the label words detected from the task outputs (at most "
          + SniTask.MAX_LABELS + " distinct outputs); only --protect terms are protected.")
  private boolean noDetectLabels;

  @Mixin private ParaphraseSupport support;

  @Override
  public Integer call() throws IOException {
    Check.inRange(n, 1, ParaphraseSupport.MAX_PARAPHRASES, "--n");
    PromptTemplate template = promptTemplate == null
        ? PromptTemplate.DEFAULT : new PromptTemplate(promptTemplate.replace("\\n", "\n"));
    for (String term : protect) {
      if (term.isBlank()) {
        throw new IllegalArgumentException(
            "--protect terms must not be blank, found \"" + String.join(",", protect) + "\"");
      }
    }
    AugmentationConfig config = new AugmentationConfig(
        n, heldOut, heldOutInstances, !noOriginal, template, " ", seed,
        protect.stream().map(String::strip).toList(), !noDetectLabels);
    List<SniTask> loaded = SniTasks.loadDirectory(tasks);
    try (ParaphraseSupport s = support) {
      InstructionAugmentation.Dataset d =
          InstructionAugmentation.build(loaded, s.paraphraser(), config);
      InstructionAugmentation.write(d, out);
      int paraphrases = d.splits().stream()
          .mapToInt(x -> x.trainParaphrases().size() + x.heldOutParaphrases().size()).sum();
      spec.commandLine().getOut().printf(
          "%d tasks, %d paraphrases, %d training examples, %d held-out groups -> %s%n",
          d.splits().size(), paraphrases, d.train().size(), d.heldOutGroups().size(), out);
      spec.commandLine().getOut().flush();
    }
    return 0;
  }
}
