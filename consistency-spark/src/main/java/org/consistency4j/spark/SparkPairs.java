package org.consistency4j.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.consistency4j.InvalidInputException;
import org.consistency4j.data.JsonLines;
import org.consistency4j.data.InstructionTask;
import org.consistency4j.harness.PairGroups;
import org.consistency4j.data.InstructionTasks;
import org.consistency4j.internal.Check;
import org.consistency4j.judge.JudgeTemplate;
import org.consistency4j.judge.JudgeTemplates;
import org.consistency4j.judge.YesNoJudge;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.lm.YesNoTokens;
import org.consistency4j.metrics.Similarities;
import org.consistency4j.pairs.PairingStrategies;
import org.consistency4j.pairs.PairingStrategy;
import org.consistency4j.pairs.PreferencePair;
import org.consistency4j.pairs.PreferencePairsJsonl;
import org.consistency4j.pairs.ScoredResponse;
import org.consistency4j.reward.InstructionGroup;
import org.consistency4j.reward.SampledGroup;
import org.consistency4j.reward.ResponseSampler;
import org.consistency4j.reward.RewardWeights;
import org.consistency4j.reward.SampledResponse;
import org.consistency4j.reward.ScoredGroup;
import org.consistency4j.reward.SelfRewardScorer;

/**
 * {@code consistency pairs} on a Spark cluster: sample {@code m} responses per wording of every
 * instruction group, score them by self-reward and write the TRL preference pairs JSONL, the same file
 * as the single-machine command for the same groups, model, settings and seed.
 *
 * <p>Stages: (1) sampling: the prompts are laid out by {@link ResponseSampler#prompts} and cut into its
 * generate calls; partitions hold whole calls and executors run them with {@link
 * ResponseSampler#generateCall}, whose seed depends on the seed and the call index only (fixed by the
 * position of (group, wording, sample) in the layout, never by partitioning); (2) scoring: the
 * gathered response groups are spread over executors in chunks of {@code scoreChunk} groups and scored
 * there with {@link SelfRewardScorer} (the judge runs on the executor's model); (3) pairing on the
 * driver with the {@link PairingStrategy}, in group order. Both stages write partition files under
 * {@code OUT.parts/} with the retry and resume rules of {@link PartitionedBatches}.
 *
 * <p>Sameness: the sampled texts are the same by construction. With agreement frequency (the default
 * reward) the rewards are exact functions of the texts, so the pairs file is byte-identical to {@code
 * pairs}. The judges' probabilities come from the same prompts, batched differently (chunks of {@code
 * scoreChunk} groups per executor call instead of the whole list): on the test model the quality-judge
 * pairs file was byte-identical too, but a model whose numerics depend on batch composition (padding)
 * could change a probability in its last bits, and with it a pair whose reward difference sits exactly
 * at the margin.
 *
 * <p>Also writes {@code OUT.stats.json} (counts, seed, settings; the judge-accuracy measurement of the
 * single-machine command is not made here). Immutable and serializable.
 */
public final class SparkPairs implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String groups;
  private final String out;
  private final ModelSource model;
  private final int m;
  private final long seed;
  private final double temperature;
  private final double topP;
  private final int maxNewTokens;
  private final String strategy;
  private final double margin;
  private final double qualityWeight;
  private final double agreementWeight;
  private final double frequencyWeight;
  private final String qualityTemplate;
  private final String agreementTemplate;
  private final ArrayList<String> yes;
  private final ArrayList<String> no;
  private final String similarity;
  private final int batchSize;
  private final int scoreChunk;
  private final int partitions;

  private SparkPairs(Builder b) {
    this.groups = Check.notNull(b.groups, "groups");
    this.out = Check.notNull(b.out, "out");
    this.model = Check.notNull(b.model, "model");
    this.m = Check.inRange(b.m, 1, ResponseSampler.MAX_SAMPLES, "m");
    this.seed = b.seed;
    this.temperature = b.temperature;
    this.topP = b.topP;
    this.maxNewTokens = b.maxNewTokens;
    this.strategy = Check.notNull(b.strategy, "strategy");
    this.margin = b.margin;
    this.qualityWeight = b.qualityWeight;
    this.agreementWeight = b.agreementWeight;
    this.frequencyWeight = b.frequencyWeight;
    this.qualityTemplate = b.qualityTemplate;
    this.agreementTemplate = b.agreementTemplate;
    Check.argument((b.yes == null) == (b.no == null), "give both yes and no tokens, or neither");
    this.yes = b.yes == null ? null : new ArrayList<>(b.yes);
    this.no = b.no == null ? null : new ArrayList<>(b.no);
    this.similarity = Check.notNull(b.similarity, "similarity");
    this.batchSize = Check.positive(b.batchSize, "batchSize");
    this.scoreChunk = Check.positive(b.scoreChunk, "scoreChunk");
    this.partitions = Check.nonNegative(b.partitions, "partitions");
    // validate everything that needs no model now, on the driver
    generation();
    pairing();
    weights();
    templates();
    tokens();
    Similarities.byName(similarity);
  }

  /**
   * A builder with {@code consistency pairs}' defaults: m = 4, seed 0, temperature 1, top-p 1, 64 new
   * tokens, best-vs-rest with margin 0.1, the frequency reward with exact similarity, the library's
   * judge templates and yes/no tokens, sampling calls of 16 prompts.
   *
   * @param groups the instruction groups JSONL (the format of {@code evaluate}; any Hadoop URI)
   * @param out the pairs JSONL file to write (any Hadoop URI)
   * @param model the model that samples and judges
   * @return the builder
   */
  public static Builder builder(String groups, String out, ModelSource model) {
    return new Builder(groups, out, model);
  }

  private GenerationConfig generation() {
    return GenerationConfig.builder().maxNewTokens(maxNewTokens).temperature(temperature).topP(topP)
        .seed(seed).build();
  }

  private PairingStrategy pairing() {
    return PairingStrategies.byName(strategy, margin);
  }

  private RewardWeights weights() {
    return new RewardWeights(qualityWeight, agreementWeight, frequencyWeight);
  }

  private JudgeTemplate[] templates() {
    JudgeTemplate quality = qualityTemplate == null ? JudgeTemplates.quality()
        : new JudgeTemplate("custom-quality", qualityTemplate);
    JudgeTemplate agreement = agreementTemplate == null ? JudgeTemplates.agreement()
        : new JudgeTemplate("custom-agreement", agreementTemplate);
    Check.argument(agreement.uses("other"),
        "the agreement template must contain the placeholder {other}, found \"" + agreementTemplate + "\"");
    return new JudgeTemplate[] {quality, agreement};
  }

  private YesNoTokens tokens() {
    return yes == null ? YesNoTokens.defaults() : new YesNoTokens(yes, no);
  }

  private ResponseSampler sampler(LanguageModel lm) {
    return ResponseSampler.builder(lm)
        .config(generation())
        .samplesPerVerbalization(m)
        .batchSize(batchSize)
        // the prompts are rendered per instance by PairGroups (fields and all)
        .format((prompt, in) -> prompt)
        .build();
  }

  private SelfRewardScorer scorer(LanguageModel lm) {
    JudgeTemplate[] t = templates();
    return SelfRewardScorer.builder(YesNoJudge.of(lm, tokens(), YesNoJudge.DEFAULT_BATCH_SIZE,
            YesNoJudge.DEFAULT_MAX_CACHE_ENTRIES))
        .qualityTemplate(t[0]).agreementTemplate(t[1]).weights(weights())
        .similarity(Similarities.byName(similarity)).build();
  }

  /** What the counts of a run were. */
  public record Result(int groups, long responses, int pairs) {}

  /**
   * Samples, scores and pairs; writes {@code OUT} and {@code OUT.stats.json}.
   *
   * @param sc the Spark context
   * @return the counts
   */
  public Result run(JavaSparkContext sc) {
    Check.notNull(sc, "sc");
    Configuration conf = sc.hadoopConfiguration();
    List<InstructionTask> tasks = SparkFiles.readLocally(groups, conf, InstructionTasks::read);
    List<InstructionGroup> work = PairGroups.of(tasks);
    int parts = partitions > 0 ? partitions : sc.defaultParallelism();
    ResponseSampler layout = sampler(new NoModel());
    List<String> prompts = layout.prompts(work);
    List<String> texts = PartitionedBatches.run(sc, prompts, batchSize, parts,
        SparkFiles.child(partsDir(), "samples"), model, this::sample, new TextCodec(samplingHash()))
        .stream().map(SampleRow::text).toList();
    List<SampledGroup> sampled = layout.assemble(work, prompts, texts);

    List<GroupRow> groupRows = sampled.stream().map(GroupRow::of).toList();
    List<RewardRow> rewards = PartitionedBatches.run(sc, groupRows, scoreChunk, parts,
        SparkFiles.child(partsDir(), "rewards"), model, this::score, new RewardCodec(rewardHash()));

    List<List<ScoredResponse>> scored = new ArrayList<>();
    long responses = 0;
    for (int g = 0; g < sampled.size(); g++) {
      SampledGroup group = sampled.get(g);
      double[] r = rewards.get(g).rewards();
      List<ScoredResponse> s = new ArrayList<>();
      for (int k = 0; k < group.size(); k++) {
        SampledResponse resp = group.responses().get(k);
        s.add(new ScoredResponse(resp.prompt(), resp.text(), r[k]));
      }
      scored.add(s);
      responses += group.size();
    }
    List<PreferencePair> pairs = pairing().pairsOfGroups(scored);
    SparkFiles.write(out, conf, "driver", o -> {
      BufferedWriter w = new BufferedWriter(new OutputStreamWriter(o, StandardCharsets.UTF_8), 1 << 16);
      for (PreferencePair p : pairs) {
        w.write(PreferencePairsJsonl.toJson(p));
        w.write('\n');
      }
      w.flush();
    });
    Result result = new Result(work.size(), responses, pairs.size());
    byte[] stats = stats(result, parts, sc).getBytes(StandardCharsets.UTF_8);
    SparkFiles.write(out + ".stats.json", conf, "driver", o -> o.write(stats));
    return result;
  }

  /** {@code OUT.parts}: the partition files of both stages. */
  public String partsDir() {
    return out + ".parts";
  }

  private List<SampleRow> sample(LanguageModel lm, int call, List<String> batch) {
    List<String> texts = sampler(lm).generateCall(call, batch);
    List<SampleRow> rows = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      rows.add(new SampleRow(sha(batch.get(i)), texts.get(i)));
    }
    return rows;
  }

  private List<RewardRow> score(LanguageModel lm, int chunk, List<GroupRow> rows) {
    List<SampledGroup> groupsOfChunk = rows.stream().map(GroupRow::toGroup).toList();
    List<ScoredGroup> scored = scorer(lm).score(groupsOfChunk);
    List<RewardRow> out = new ArrayList<>(scored.size());
    for (int g = 0; g < scored.size(); g++) {
      double[] r = scored.get(g).rewards().stream().mapToDouble(b -> b.reward()).toArray();
      out.add(new RewardRow(rows.get(g).id(), rows.get(g).textsHash(), r));
    }
    return out;
  }

  private String samplingHash() {
    return sha(generation() + ",m=" + m + ",batchSize=" + batchSize);
  }

  private String rewardHash() {
    JudgeTemplate[] t = templates();
    return sha(weights() + "," + t[0].text() + "," + t[1].text() + "," + tokens() + "," + similarity);
  }

  static String sha(String text) {
    return Hashing.sha256().hashString(text, StandardCharsets.UTF_8).toString().substring(0, 16);
  }

  private String stats(Result r, int parts, JavaSparkContext sc) {
    ObjectNode root = JSON.createObjectNode();
    root.put("groups", r.groups());
    root.put("responses", r.responses());
    root.put("pairs", r.pairs());
    root.put("seed", seed);
    ObjectNode c = root.putObject("config");
    c.put("model", model.name());
    c.put("groups", groups);
    c.put("m", m);
    c.put("seed", seed);
    c.put("temperature", temperature);
    c.put("top_p", topP);
    c.put("max_new_tokens", maxNewTokens);
    ObjectNode w = c.putObject("weights");
    w.put("quality", qualityWeight);
    w.put("agreement", agreementWeight);
    w.put("frequency", frequencyWeight);
    c.put("similarity", similarity);
    c.put("quality_template", templates()[0].text());
    c.put("agreement_template", templates()[1].text());
    c.put("strategy", pairing().name());
    c.put("margin", margin);
    c.put("engine", "spark " + sc.version() + " (" + sc.master() + ", " + parts + " partitions)");
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stands in for the model where only the sampler's prompt layout is used (on the driver). */
  private static final class NoModel implements LanguageModel {
    @Override
    public List<org.consistency4j.lm.Generation> generate(List<String> prompts, GenerationConfig config) {
      throw new IllegalStateException("the driver does not generate");
    }

    @Override
    public String name() {
      return "layout";
    }
  }

  /** A sampled response group as it travels to an executor for scoring. */
  record GroupRow(String id, String instruction, String input, ArrayList<String[]> responses)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    static GroupRow of(SampledGroup g) {
      ArrayList<String[]> rows = new ArrayList<>();
      for (SampledResponse r : g.responses()) {
        rows.add(new String[] {Integer.toString(r.verbalization()), Integer.toString(r.sample()), r.prompt(), r.text()});
      }
      return new GroupRow(g.id(), g.instruction(), g.input(), rows);
    }

    SampledGroup toGroup() {
      List<SampledResponse> rs = new ArrayList<>();
      for (String[] r : responses) {
        rs.add(new SampledResponse(Integer.parseInt(r[0]), Integer.parseInt(r[1]), r[2], r[3]));
      }
      return new SampledGroup(id, instruction, input, rs);
    }

    String textsHash() {
      StringBuilder all = new StringBuilder();
      for (String[] r : responses) {
        all.append(r[2]).append('\u0000').append(r[3]).append('\u0000');
      }
      return sha(all.toString());
    }
  }

  /** The rewards of one group's responses, in order. */
  record RewardRow(String id, String textsHash, double[] rewards) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** Reads every line of a partition file as a JSON object. */
  private static List<JsonNode> readLines(String uri, Configuration conf) {
    List<JsonNode> lines = new ArrayList<>();
    try (InputStream in = SparkFiles.fs(uri, conf).open(SparkFiles.path(uri));
        java.io.BufferedReader r = new java.io.BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      long n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        lines.add(JsonLines.parseObject(line, uri, n));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + uri + ": " + e.getMessage(), e);
    }
    return lines;
  }

  private static void checkCount(String uri, int stored, int expected) {
    if (stored != expected) {
      throw new InvalidInputException(uri, 0, "holds " + stored + " lines, expected " + expected
          + " (the groups or settings changed); use a new output path");
    }
  }

  /** One sampled text and the fingerprint of its prompt. */
  record SampleRow(String promptHash, String text) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** Sampled texts: {@code {"prompt_sha256", "config_sha256", "text"}} per line. */
  private record TextCodec(String configHash) implements PartitionedBatches.Codec<String, SampleRow> {
    @Override
    public String toLine(SampleRow output) {
      ObjectNode n = JSON.createObjectNode();
      n.put("prompt_sha256", output.promptHash());
      n.put("config_sha256", configHash);
      n.put("text", output.text());
      return n.toString();
    }

    @Override
    public List<SampleRow> read(String uri, Configuration conf) {
      List<SampleRow> rows = new ArrayList<>();
      long line = 0;
      for (JsonNode n : readLines(uri, conf)) {
        line++;
        if (!configHash.equals(n.path("config_sha256").asText())) {
          throw new InvalidInputException(uri, line, "the stored samples were drawn with other sampling"
              + " settings or seed; use the same settings to resume, or a new output path");
        }
        JsonNode text = n.get("text");
        if (text == null || !text.isTextual()) {
          throw new InvalidInputException(uri, line, "field text: must be a string, found " + text);
        }
        rows.add(new SampleRow(n.path("prompt_sha256").asText(), text.asText()));
      }
      return rows;
    }

    @Override
    public void check(String uri, List<String> items, List<SampleRow> stored) {
      checkCount(uri, stored.size(), items.size());
      for (int i = 0; i < items.size(); i++) {
        if (!sha(items.get(i)).equals(stored.get(i).promptHash())) {
          throw new InvalidInputException(uri, i + 1, "the stored sample is not a response to prompt "
              + (i + 1) + " of this partition (the groups changed); use a new output path");
        }
      }
    }
  }

  /** Rewards: {@code {"group", "texts_sha256", "config_sha256", "rewards"}} per line. */
  private record RewardCodec(String configHash) implements PartitionedBatches.Codec<GroupRow, RewardRow> {
    @Override
    public String toLine(RewardRow output) {
      ObjectNode n = JSON.createObjectNode();
      n.put("group", output.id());
      n.put("texts_sha256", output.textsHash());
      n.put("config_sha256", configHash);
      ArrayNode a = n.putArray("rewards");
      for (double d : output.rewards()) {
        a.add(d);
      }
      return n.toString();
    }

    @Override
    public List<RewardRow> read(String uri, Configuration conf) {
      List<RewardRow> rows = new ArrayList<>();
      long line = 0;
      for (JsonNode n : readLines(uri, conf)) {
        line++;
        if (!configHash.equals(n.path("config_sha256").asText())) {
          throw new InvalidInputException(uri, line, "the stored rewards were computed with other reward"
              + " settings; use the same settings to resume, or a new output path");
        }
        double[] r = new double[n.path("rewards").size()];
        for (int i = 0; i < r.length; i++) {
          r[i] = n.path("rewards").get(i).asDouble();
        }
        rows.add(new RewardRow(n.path("group").asText(), n.path("texts_sha256").asText(), r));
      }
      return rows;
    }

    @Override
    public void check(String uri, List<GroupRow> items, List<RewardRow> stored) {
      checkCount(uri, stored.size(), items.size());
      for (int i = 0; i < items.size(); i++) {
        GroupRow g = items.get(i);
        RewardRow r = stored.get(i);
        if (!g.id().equals(r.id()) || !g.textsHash().equals(r.textsHash())
            || g.responses().size() != r.rewards().length) {
          throw new InvalidInputException(uri, i + 1, "the stored rewards of group " + r.id()
              + " are not those of group " + g.id() + "'s sampled responses (the groups or samples changed);"
              + " use a new output path");
        }
      }
    }
  }

  /** Builder of {@link SparkPairs}; setters are named after {@code consistency pairs}' options. */
  public static final class Builder {
    private final String groups;
    private final String out;
    private final ModelSource model;
    private int m = ResponseSampler.DEFAULT_SAMPLES;
    private long seed;
    private double temperature = 1.0;
    private double topP = 1.0;
    private int maxNewTokens = 64;
    private String strategy = "best-vs-rest";
    private double margin = PairingStrategies.DEFAULT_MARGIN;
    private double qualityWeight;
    private double agreementWeight;
    private double frequencyWeight = 1;
    private String qualityTemplate;
    private String agreementTemplate;
    private List<String> yes;
    private List<String> no;
    private String similarity = "exact";
    private int batchSize = ResponseSampler.DEFAULT_BATCH_SIZE;
    private int scoreChunk = 16;
    private int partitions;

    private Builder(String groups, String out, ModelSource model) {
      this.groups = groups;
      this.out = out;
      this.model = model;
    }

    /**
     * Responses sampled per wording and instance.
     *
     * @param value m
     * @return this builder
     */
    public Builder m(int value) {
      this.m = value;
      return this;
    }

    /**
     * The sampling seed.
     *
     * @param value the seed
     * @return this builder
     */
    public Builder seed(long value) {
      this.seed = value;
      return this;
    }

    /**
     * Sampling temperature.
     *
     * @param value the temperature
     * @return this builder
     */
    public Builder temperature(double value) {
      this.temperature = value;
      return this;
    }

    /**
     * Nucleus sampling mass.
     *
     * @param value top-p
     * @return this builder
     */
    public Builder topP(double value) {
      this.topP = value;
      return this;
    }

    /**
     * Most tokens per response.
     *
     * @param value the count
     * @return this builder
     */
    public Builder maxNewTokens(int value) {
      this.maxNewTokens = value;
      return this;
    }

    /**
     * The pairing strategy ({@link PairingStrategies#byName}) and its least reward difference.
     *
     * @param name best-vs-rest, best-vs-worst or all
     * @param leastDifference the margin
     * @return this builder
     */
    public Builder strategy(String name, double leastDifference) {
      this.strategy = name;
      this.margin = leastDifference;
      return this;
    }

    /**
     * The reward weights (quality judge, agreement judge, agreement frequency).
     *
     * @param quality the quality judge's weight
     * @param agreement the agreement judge's weight
     * @param frequency agreement frequency's weight
     * @return this builder
     */
    public Builder weights(double quality, double agreement, double frequency) {
      this.qualityWeight = quality;
      this.agreementWeight = agreement;
      this.frequencyWeight = frequency;
      return this;
    }

    /**
     * The quality judge's template, or null for the library's.
     *
     * @param value the template text
     * @return this builder
     */
    public Builder qualityTemplate(String value) {
      this.qualityTemplate = value;
      return this;
    }

    /**
     * The agreement judge's template, or null for the library's.
     *
     * @param value the template text
     * @return this builder
     */
    public Builder agreementTemplate(String value) {
      this.agreementTemplate = value;
      return this;
    }

    /**
     * The words that count as yes and no, or nulls for the defaults.
     *
     * @param yesWords yes
     * @param noWords no
     * @return this builder
     */
    public Builder yesNo(List<String> yesWords, List<String> noWords) {
      this.yes = yesWords;
      this.no = noWords;
      return this;
    }

    /**
     * When two responses agree for agreement frequency ({@link Similarities#byName}).
     *
     * @param value the similarity's name
     * @return this builder
     */
    public Builder similarity(String value) {
      this.similarity = value;
      return this;
    }

    /**
     * Prompts per sampling call (the unit of seeding: keep it to reproduce a run; the CLI uses 16).
     *
     * @param value the batch size
     * @return this builder
     */
    public Builder batchSize(int value) {
      this.batchSize = value;
      return this;
    }

    /**
     * Groups scored per judge call chunk on an executor.
     *
     * @param value the count
     * @return this builder
     */
    public Builder scoreChunk(int value) {
      this.scoreChunk = value;
      return this;
    }

    /**
     * The most partitions per stage; 0 (the default) uses the context's default parallelism.
     *
     * @param value the count
     * @return this builder
     */
    public Builder partitions(int value) {
      this.partitions = value;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return the pair generation
     */
    public SparkPairs build() {
      return new SparkPairs(this);
    }
  }
}
