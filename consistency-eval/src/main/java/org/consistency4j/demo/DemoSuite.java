package org.consistency4j.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.consistency4j.ConsistencyException;
import org.consistency4j.internal.Check;

/**
 * The demo's embedded instruction suite: eight synthetic tasks with short checkable answers
 * (sentiment of a templated review, maximum of a list, counting words, a capital lookup, first and
 * last word of a list, addition of two digits, parity), each with fourteen instruction wordings
 * written for this project ({@code suite.json} next to this class): the first is the original, the
 * first seven are training wordings, the next two validation wordings (never trained on) and the last
 * five are held out for evaluation. Instances are drawn
 * from seeded generators. Immutable and thread-safe.
 */
public final class DemoSuite {
  /** How every prompt is laid out: a wording, the input and the answer cue. */
  public static final String PROMPT_TEMPLATE = "{instruction}\ninput: {input}\nanswer:";

  /**
   * The quality-judge prompt (placeholders of {@link org.consistency4j.judge.JudgeTemplate}): the
   * original instruction and the input laid out as a task prompt, followed by the proposed answer
   * where the model's own answer would go; the yes/no verdict is asked at the position right after
   * the proposed answer. There the model has read the input with the circuits that answer the task
   * and sees the proposal as the current token, so the verdict is a comparison at one position.
   * Measured with a PyTorch reference of the demo's stage-1 model on the same judge data (seed 1,
   * 1,200 steps, lr 2e-3): with this layout the judging loss leaves chance (ln 2 / 2 per completion
   * token) after about 300 steps and the held-out judge accuracy was 0.69; with the proposed answer
   * first and the verdict at the "answer:" cue (the previous layout) it stays at chance for about
   * 600 steps (held-out 0.63), and with a separate verdict cue after the answer for longer still.
   */
  public static final String JUDGE_TEMPLATE = "{instruction}\ninput: {input}\nanswer: {response}";

  static final List<String> SUBJECTS = List.of("movie", "food", "service", "hotel", "book", "concert",
      "game", "show", "staff", "room", "music", "trip");
  static final List<String> POSITIVE = List.of("great", "wonderful", "excellent", "lovely", "amazing",
      "fantastic", "delightful", "superb", "pleasant", "brilliant");
  static final List<String> NEGATIVE = List.of("terrible", "awful", "boring", "dreadful", "horrible",
      "poor", "disappointing", "bad", "dull", "unpleasant");
  static final List<String> INTENSIFIERS = List.of("really", "truly", "quite", "very");
  static final List<String> NOUNS = List.of("apple", "cat", "dog", "tree", "car", "house", "bird",
      "fish", "book", "chair", "lamp", "cup", "hat", "boat", "star", "river");
  static final List<String[]> CAPITALS = List.of(
      new String[] {"france", "paris"}, new String[] {"germany", "berlin"},
      new String[] {"italy", "rome"}, new String[] {"spain", "madrid"},
      new String[] {"japan", "tokyo"}, new String[] {"china", "beijing"},
      new String[] {"egypt", "cairo"}, new String[] {"kenya", "nairobi"},
      new String[] {"peru", "lima"}, new String[] {"canada", "ottawa"},
      new String[] {"russia", "moscow"}, new String[] {"greece", "athens"},
      new String[] {"norway", "oslo"}, new String[] {"poland", "warsaw"},
      new String[] {"cuba", "havana"}, new String[] {"chile", "santiago"});

  /**
   * One task.
   *
   * @param name the task's name
   * @param wordings every wording, the original first
   * @param trainingWordings how many leading wordings are not held out for the final evaluation
   *     (training plus validation wordings)
   * @param validationWordings how many of those (the last ones) are validation wordings: never
   *     trained on, used to early-stop consistency alignment training
   */
  public record Task(String name, List<String> wordings, int trainingWordings,
      int validationWordings) {
    /** Validates and copies. */
    public Task {
      Check.notNull(name, "name");
      wordings = List.copyOf(wordings);
      Check.argument(trainingWordings >= 1 && trainingWordings < wordings.size(),
          "trainingWordings must be in [1, " + wordings.size() + "), found " + trainingWordings);
      Check.argument(validationWordings >= 0 && validationWordings < trainingWordings,
          "validationWordings must be in [0, " + trainingWordings + "), found "
              + validationWordings);
    }

    /** A task without validation wordings. */
    public Task(String name, List<String> wordings, int trainingWordings) {
      this(name, wordings, trainingWordings, 0);
    }

    /** The original wording (the baseline trains on it alone). */
    public String original() {
      return wordings.get(0);
    }

    /** The wordings the models train on (the original first). */
    public List<String> training() {
      return wordings.subList(0, trainingWordings - validationWordings);
    }

    /** The validation wordings: never trained on, used to early-stop CAT. */
    public List<String> validation() {
      return wordings.subList(trainingWordings - validationWordings, trainingWordings);
    }

    /** The held-out wordings, never seen in training or validation. */
    public List<String> heldOut() {
      return wordings.subList(trainingWordings, wordings.size());
    }
  }

  /**
   * One instance.
   *
   * @param input the task input
   * @param answer the one correct answer
   */
  public record Example(String input, String answer) {}

  private final List<Task> tasks;

  private DemoSuite(List<Task> tasks) {
    this.tasks = List.copyOf(tasks);
  }

  /** The embedded suite. */
  public static DemoSuite load() {
    try (InputStream in = DemoSuite.class.getResourceAsStream("suite.json")) {
      if (in == null) {
        throw new ConsistencyException("the demo suite resource suite.json is missing from the jar");
      }
      JsonNode root = new ObjectMapper().readTree(in);
      int training = root.path("training_wordings").asInt();
      int validation = root.path("validation_wordings").asInt(0);
      List<Task> tasks = new ArrayList<>();
      for (JsonNode t : root.path("tasks")) {
        List<String> wordings = new ArrayList<>();
        t.path("wordings").forEach(w -> wordings.add(w.asText()));
        tasks.add(new Task(t.path("name").asText(), wordings, training, validation));
      }
      return new DemoSuite(tasks);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the demo suite", e);
    }
  }

  /** The tasks, in a fixed order. */
  public List<Task> tasks() {
    return tasks;
  }

  /**
   * The task named {@code name}.
   *
   * @throws IllegalArgumentException for an unknown task name
   */
  public Task task(String name) {
    for (Task t : tasks) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException("task must be one of " + tasks.stream().map(Task::name)
        .toList() + ", found \"" + name + "\"");
  }

  /**
   * Draws one instance of {@code task}.
   *
   * @throws IllegalArgumentException for an unknown task name
   */
  public Example generate(String task, SplittableRandom rng) {
    switch (task) {
      case "sentiment" -> {
        boolean positive = rng.nextBoolean();
        String adjective = pick(positive ? POSITIVE : NEGATIVE, rng);
        String intensifier = rng.nextBoolean() ? pick(INTENSIFIERS, rng) + " " : "";
        return new Example("the " + pick(SUBJECTS, rng) + " was " + intensifier + adjective,
            positive ? "positive" : "negative");
      }
      case "maximum" -> {
        int n = 3 + rng.nextInt(3);
        List<String> xs = new ArrayList<>();
        int max = -1;
        for (int i = 0; i < n; i++) {
          int x = rng.nextInt(21);
          max = Math.max(max, x);
          xs.add(Integer.toString(x));
        }
        return new Example(String.join(" ", xs), Integer.toString(max));
      }
      case "count" -> {
        int n = 2 + rng.nextInt(6);
        return new Example(String.join(" ", words(n, rng)), Integer.toString(n));
      }
      case "capital" -> {
        String[] c = CAPITALS.get(rng.nextInt(CAPITALS.size()));
        return new Example(c[0], c[1]);
      }
      case "first_word", "last_word" -> {
        List<String> ws = words(3 + rng.nextInt(4), rng);
        return new Example(String.join(" ", ws),
            task.equals("first_word") ? ws.get(0) : ws.get(ws.size() - 1));
      }
      case "addition" -> {
        int a = rng.nextInt(10);
        int b = rng.nextInt(10);
        return new Example(a + " and " + b, Integer.toString(a + b));
      }
      case "parity" -> {
        int x = rng.nextInt(100);
        return new Example(Integer.toString(x), x % 2 == 0 ? "even" : "odd");
      }
      default -> throw new IllegalArgumentException("task must be one of the suite's tasks, found " + task);
    }
  }

  /**
   * A plausible wrong answer for {@code example} of {@code task}: the other label, a nearby number, or
   * another word of the input (for judging examples).
   */
  public String wrongAnswer(String task, Example example, SplittableRandom rng) {
    switch (task) {
      case "sentiment" -> {
        return example.answer().equals("positive") ? "negative" : "positive";
      }
      case "parity" -> {
        return example.answer().equals("even") ? "odd" : "even";
      }
      case "capital" -> {
        String wrong;
        do {
          wrong = CAPITALS.get(rng.nextInt(CAPITALS.size()))[1];
        } while (wrong.equals(example.answer()));
        return wrong;
      }
      case "first_word", "last_word" -> {
        String[] ws = example.input().split(" ");
        String wrong;
        do {
          wrong = rng.nextBoolean() ? ws[rng.nextInt(ws.length)] : pick(NOUNS, rng);
        } while (wrong.equals(example.answer()));
        return wrong;
      }
      default -> {
        int right = Integer.parseInt(example.answer());
        int wrong;
        do {
          wrong = Math.max(0, right + rng.nextInt(7) - 3);
        } while (wrong == right);
        return Integer.toString(wrong);
      }
    }
  }

  /** Every word that a prompt, answer or judge prompt of the suite can contain, lower-cased. */
  public List<String> vocabulary() {
    Set<String> words = new LinkedHashSet<>();
    List<String> texts = new ArrayList<>();
    for (Task t : tasks) {
      texts.addAll(t.wordings());
    }
    texts.add(PROMPT_TEMPLATE.replace("{instruction}", "").replace("{input}", ""));
    texts.add(JUDGE_TEMPLATE.replace("{instruction}", "").replace("{input}", "")
        .replace("{response}", ""));
    texts.addAll(SUBJECTS);
    texts.addAll(POSITIVE);
    texts.addAll(NEGATIVE);
    texts.addAll(INTENSIFIERS);
    texts.addAll(NOUNS);
    texts.addAll(List.of("the", "was", "and", "positive", "negative", "even", "odd", "yes", "no"));
    for (String[] c : CAPITALS) {
      texts.add(c[0]);
      texts.add(c[1]);
    }
    for (int i = 0; i < 100; i++) {
      texts.add(Integer.toString(i));
    }
    for (String text : texts) {
      for (String w : splitWords(text)) {
        words.add(w);
      }
    }
    return List.copyOf(words);
  }

  /**
   * Splits like the word-level tokenizer: lower-cased runs of letters, digits and underscores, and
   * runs of other non-space characters.
   */
  static List<String> splitWords(String text) {
    List<String> out = new ArrayList<>();
    var m = java.util.regex.Pattern.compile("\\w+|[^\\w\\s]+").matcher(text.toLowerCase(Locale.ROOT));
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  private static List<String> words(int n, SplittableRandom rng) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(pick(NOUNS, rng));
    }
    return out;
  }

  private static String pick(List<String> xs, SplittableRandom rng) {
    return xs.get(rng.nextInt(xs.size()));
  }
}
