package org.consistency4j.data;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.consistency4j.internal.Check;
import org.consistency4j.paraphrase.Instruction;
import org.consistency4j.paraphrase.Paraphrase;
import org.consistency4j.paraphrase.Paraphraser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds instruction-augmented SFT data (stage 1 of consistency alignment): for each task, {@code n}
 * paraphrases of the definition (protected terms of {@link AugmentationConfig#protectedTermsOf}:
 * detected label words and configured terms), shuffled with the seed and split into
 * training and held-out paraphrases; each training instruction is paired with every training
 * instance (input and first reference unchanged). Held-out paraphrases and held-out instances never
 * reach the training examples; they form the evaluation groups. A training paraphrase that contains
 * a held-out paraphrase, or is contained in one, is dropped.
 *
 * <p>Per-task randomness depends on the seed and the task name only, so adding a task does not change
 * the others. Stateless; thread-safe when the paraphraser is.
 */
public final class InstructionAugmentation {
  private static final Logger LOG = LoggerFactory.getLogger(InstructionAugmentation.class);

  private InstructionAugmentation() {}

  /** One training example. */
  public record Example(String task, String instruction, String prompt, String completion) {
    /** Validates. */
    public Example {
      Check.notNull(task, "task");
      Check.notNull(instruction, "instruction");
      Check.notNull(prompt, "prompt");
      Check.notNull(completion, "completion");
    }
  }

  /**
   * The split of one task.
   *
   * @param task the task name
   * @param original the original definition
   * @param trainParaphrases paraphrases used in training
   * @param heldOutParaphrases paraphrases kept for evaluation only
   * @param trainInstances instances used in training
   * @param heldOutInstances instances kept for evaluation only
   */
  public record TaskSplit(
      String task,
      String original,
      List<Paraphrase> trainParaphrases,
      List<Paraphrase> heldOutParaphrases,
      List<Instance> trainInstances,
      List<Instance> heldOutInstances) {
    /** Copies. */
    public TaskSplit {
      trainParaphrases = List.copyOf(trainParaphrases);
      heldOutParaphrases = List.copyOf(heldOutParaphrases);
      trainInstances = List.copyOf(trainInstances);
      heldOutInstances = List.copyOf(heldOutInstances);
    }
  }

  /**
   * The dataset.
   *
   * @param config the settings used
   * @param paraphraser the paraphraser's name
   * @param splits per task
   * @param train the training examples
   * @param trainGroups per task: original and training paraphrases on the training instances
   * @param heldOutGroups per task: original and held-out paraphrases on the held-out instances
   *     (tasks without held-out instances use all instances)
   */
  public record Dataset(
      AugmentationConfig config,
      String paraphraser,
      List<TaskSplit> splits,
      List<Example> train,
      List<InstructionTask> trainGroups,
      List<InstructionTask> heldOutGroups) {
    /** Copies. */
    public Dataset {
      splits = List.copyOf(splits);
      train = List.copyOf(train);
      trainGroups = List.copyOf(trainGroups);
      heldOutGroups = List.copyOf(heldOutGroups);
    }
  }

  /** Builds the dataset of {@code tasks} with {@code paraphraser}. */
  public static Dataset build(List<SniTask> tasks, Paraphraser paraphraser, AugmentationConfig config) {
    Check.notEmpty(tasks, "tasks");
    Check.notNull(paraphraser, "paraphraser");
    Check.notNull(config, "config");
    List<TaskSplit> splits = new ArrayList<>();
    List<Example> train = new ArrayList<>();
    List<InstructionTask> trainGroups = new ArrayList<>();
    List<InstructionTask> heldOutGroups = new ArrayList<>();
    for (SniTask task : tasks) {
      long taskSeed = config.seed() * 0x9E3779B97F4A7C15L + task.name().hashCode();
      List<Paraphrase> ps = new ArrayList<>(paraphraser.paraphrase(
          Instruction.of(task.definition(), config.protectedTermsOf(task)), config.paraphrases(), taskSeed));
      if (ps.size() < config.paraphrases()) {
        LOG.warn("{}: {} of {} paraphrases found", task.name(), ps.size(), config.paraphrases());
      }
      Random rng = new Random(taskSeed);
      Collections.shuffle(ps, rng);
      int heldOut = Math.min(config.heldOutParaphrases(), Math.max(0, ps.size() - 1));
      List<Paraphrase> heldOutPs = ps.subList(0, heldOut);
      // A training paraphrase that contains a held-out one (say, the held-out text with a prefix)
      // or is contained in one would leak it: drop it.
      List<Paraphrase> trainPs = ps.subList(heldOut, ps.size()).stream()
          .filter(p -> heldOutPs.stream().noneMatch(
              h -> p.text().contains(h.text()) || h.text().contains(p.text())))
          .toList();

      List<Instance> instances = new ArrayList<>(task.instances());
      Collections.shuffle(instances, rng);
      int heldOutCount = (int) Math.floor(instances.size() * config.heldOutInstanceFraction());
      List<Instance> heldOutInst = instances.subList(0, heldOutCount);
      List<Instance> trainInst = instances.subList(heldOutCount, instances.size());

      List<String> trainInstructions = new ArrayList<>();
      if (config.includeOriginal()) {
        trainInstructions.add(task.definition());
      }
      trainPs.forEach(p -> trainInstructions.add(p.text()));
      for (String instruction : trainInstructions) {
        for (Instance inst : trainInst) {
          train.add(new Example(
              task.name(), instruction,
              config.template().render(instruction, inst.input().orElseThrow()),
              config.completionPrefix() + inst.references().get(0)));
        }
      }
      List<String> trainVariants = new ArrayList<>();
      trainVariants.add(task.definition());
      trainPs.forEach(p -> trainVariants.add(p.text()));
      if (!trainInst.isEmpty()) {
        addGroup(trainGroups, "training", task, trainVariants, config.template(), trainInst);
      }
      List<String> evalVariants = new ArrayList<>();
      evalVariants.add(task.definition());
      heldOutPs.forEach(p -> evalVariants.add(p.text()));
      List<Instance> evalInst = heldOutInst.isEmpty() ? task.instances() : heldOutInst;
      if (!evalInst.isEmpty()) {
        addGroup(heldOutGroups, "held-out", task, evalVariants, config.template(), evalInst);
      }
      splits.add(new TaskSplit(
          task.name(), task.definition(), trainPs, heldOutPs, trainInst, heldOutInst));
    }
    return new Dataset(config, paraphraser.name(), splits, train, trainGroups, heldOutGroups);
  }

  /**
   * Adds the task's group, or leaves it out with a warning when a wording holds a {@code {name}}
   * placeholder other than {@code {input}}: no instance field fills it, so every reader of the groups
   * would refuse the file for it. The task's SFT examples, which take the wording literally, are kept.
   */
  private static void addGroup(List<InstructionTask> groups, String which, SniTask task,
      List<String> instructions, PromptTemplate template, List<Instance> instances) {
    for (String instruction : instructions) {
      for (String name : PromptTemplate.placeholders(template.variant(instruction))) {
        if (!name.equals(Instance.INPUT)) {
          LOG.warn("{}: no {} group: the wording \"{}\" holds the placeholder {{}}, which no instance"
              + " fills", task.name(), which, instruction, name);
          return;
        }
      }
    }
    groups.add(InstructionTasks.fromSni(task, instructions, template, instances));
  }

  /**
   * Writes the dataset into {@code dir} (created if needed), each file atomically:
   * {@code train.prompt_completion.jsonl} ({"prompt","completion"}), {@code train.messages.jsonl}
   * ({"messages": [user, assistant]}), {@code train.groups.jsonl} and {@code heldout.groups.jsonl}
   * ({@link InstructionTask}s in the format of {@link InstructionTasks}), {@code paraphrases.jsonl} (per task: original, training and held-out
   * paraphrases with provenance) and {@code manifest.json} (config, seed, counts).
   */
  public static void write(Dataset dataset, Path dir) {
    Check.notNull(dataset, "dataset");
    Check.notNull(dir, "dir");
    List<ObjectNode> pc = new ArrayList<>();
    List<ObjectNode> messages = new ArrayList<>();
    for (Example e : dataset.train()) {
      ObjectNode o = JsonLines.MAPPER.createObjectNode();
      o.put("prompt", e.prompt());
      o.put("completion", e.completion());
      pc.add(o);
      ObjectNode m = JsonLines.MAPPER.createObjectNode();
      ArrayNode arr = m.putArray("messages");
      arr.addObject().put("role", "user").put("content", e.prompt());
      arr.addObject().put("role", "assistant").put("content", e.completion().strip());
      messages.add(m);
    }
    JsonLines.write(dir.resolve("train.prompt_completion.jsonl"), pc);
    JsonLines.write(dir.resolve("train.messages.jsonl"), messages);
    InstructionTasks.write(dir.resolve("train.groups.jsonl"), dataset.trainGroups());
    InstructionTasks.write(dir.resolve("heldout.groups.jsonl"), dataset.heldOutGroups());
    List<ObjectNode> ps = new ArrayList<>();
    for (TaskSplit s : dataset.splits()) {
      ObjectNode o = JsonLines.MAPPER.createObjectNode();
      o.put("task", s.task());
      o.put("original", s.original());
      addParaphrases(o.putArray("train"), s.trainParaphrases());
      addParaphrases(o.putArray("heldout"), s.heldOutParaphrases());
      o.put("train_instances", s.trainInstances().size());
      o.put("heldout_instances", s.heldOutInstances().size());
      ps.add(o);
    }
    JsonLines.write(dir.resolve("paraphrases.jsonl"), ps);
    ObjectNode manifest = JsonLines.MAPPER.createObjectNode();
    AugmentationConfig c = dataset.config();
    ObjectNode cfg = manifest.putObject("config");
    cfg.put("paraphrases", c.paraphrases());
    cfg.put("held_out_paraphrases", c.heldOutParaphrases());
    cfg.put("held_out_instance_fraction", c.heldOutInstanceFraction());
    cfg.put("include_original", c.includeOriginal());
    cfg.put("template", c.template().template());
    cfg.put("completion_prefix", c.completionPrefix());
    cfg.put("seed", c.seed());
    ArrayNode terms = cfg.putArray("protected_terms");
    c.protectedTerms().forEach(terms::add);
    cfg.put("detect_label_words", c.detectLabelWords());
    manifest.put("paraphraser", dataset.paraphraser());
    manifest.put("tasks", dataset.splits().size());
    manifest.put("train_examples", dataset.train().size());
    manifest.put("train_groups", dataset.trainGroups().size());
    manifest.put("heldout_groups", dataset.heldOutGroups().size());
    JsonLines.write(dir.resolve("manifest.json"), List.of(manifest));
  }

  private static void addParaphrases(ArrayNode arr, List<Paraphrase> ps) {
    for (Paraphrase p : ps) {
      ObjectNode o = arr.addObject();
      o.put("text", p.text());
      o.put("method", p.method());
      ArrayNode edits = o.putArray("edits");
      p.edits().forEach(edits::add);
    }
  }
}
