package org.consistency4j.pairs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.internal.Check;

/**
 * The standard {@link PairingStrategy}s and the one mapping from their names ({@code best-vs-rest},
 * {@code best-vs-worst}, {@code all}) to objects.
 *
 * <p>Rules shared by all of them:
 *
 * <ul>
 *   <li><b>Ranking</b> ({@link #rank}): reward descending; ties broken by text in ascending {@link
 *       String#compareTo} order, then by position in the input. The first response is the best.
 *   <li><b>Margin</b>: a pair needs {@code reward(chosen) - reward(rejected) >= margin} (up to an
 *       absolute tolerance of 1e-12 for floating-point rounding, so 0.8 vs 0.7 meets 0.1) and a strictly
 *       higher chosen reward: equal rewards never pair, even with margin 0.
 *   <li><b>Identical texts</b> (equal after stripping whitespace, {@link PreferencePair#sameText})
 *       never form a pair.
 *   <li><b>Empty responses</b> (a model that answered nothing at all) never form a pair, since a
 *       {@link PreferencePair} needs text on both sides; they still count when the rewards of the
 *       group are computed.
 *   <li><b>Prompt</b>: a pair takes the <em>rejected</em> response's prompt. Responses of a group
 *       answer different verbalizations of one instruction; the pair says "under the wording where the
 *       model gave the worse answer, prefer the group's better answer", which is the consistency signal.
 *       When all responses answered one prompt, that is simply the prompt.
 *   <li><b>Duplicates</b>: a (prompt, chosen, rejected) triple that repeats within a group is kept
 *       once (its first occurrence).
 * </ul>
 */
public final class PairingStrategies {
  /** The default reward margin of the method (section 3). */
  public static final double DEFAULT_MARGIN = 0.1;

  static final double TOLERANCE = 1e-12;

  private static final List<String> NAMES = List.of("best-vs-rest", "best-vs-worst", "all");

  private PairingStrategies() {}

  /** The names {@link #byName} accepts: best-vs-rest, best-vs-worst, all. */
  public static List<String> names() {
    return NAMES;
  }

  /** {@link #bestVsRest(double)} with the default margin 0.1 (the method's default strategy). */
  public static PairingStrategy bestVsRest() {
    return bestVsRest(DEFAULT_MARGIN);
  }

  /**
   * The best response paired with every response whose reward is lower by at least {@code margin}.
   *
   * @param margin the reward margin, finite, {@code >= 0}
   */
  public static PairingStrategy bestVsRest(double margin) {
    Check.nonNegative(margin, "margin");
    return new Strategy("best-vs-rest", margin) {
      @Override
      void collect(List<ScoredResponse> ranked, Map<List<String>, PreferencePair> out) {
        ScoredResponse best = ranked.get(0);
        for (int j = 1; j < ranked.size(); j++) {
          add(best, ranked.get(j), margin, out);
        }
      }
    };
  }

  /**
   * The best response paired with the worst one whose text differs from it, if their rewards differ
   * by at least {@code margin}: at most one pair per group.
   *
   * @param margin the reward margin, finite, {@code >= 0}
   */
  public static PairingStrategy bestVsWorst(double margin) {
    Check.nonNegative(margin, "margin");
    return new Strategy("best-vs-worst", margin) {
      @Override
      void collect(List<ScoredResponse> ranked, Map<List<String>, PreferencePair> out) {
        ScoredResponse best = ranked.get(0);
        for (int j = ranked.size() - 1; j > 0; j--) {
          ScoredResponse worst = ranked.get(j);
          if (!PreferencePair.sameText(best.text(), worst.text())) {
            add(best, worst, margin, out);
            return;
          }
        }
      }
    };
  }

  /**
   * Every ordered pair (higher ranked, lower ranked) whose rewards differ by at least {@code margin},
   * in ranking order of the chosen response, then of the rejected one.
   *
   * @param margin the reward margin, finite, {@code >= 0}
   */
  public static PairingStrategy allPairs(double margin) {
    Check.nonNegative(margin, "margin");
    return new Strategy("all", margin) {
      @Override
      void collect(List<ScoredResponse> ranked, Map<List<String>, PreferencePair> out) {
        for (int i = 0; i < ranked.size(); i++) {
          for (int j = i + 1; j < ranked.size(); j++) {
            add(ranked.get(i), ranked.get(j), margin, out);
          }
        }
      }
    };
  }

  /**
   * The named strategy with the given margin.
   *
   * @param name one of {@link #names()}
   * @param margin the reward margin, finite, {@code >= 0}
   * @throws IllegalArgumentException for an unknown name or a bad margin
   */
  public static PairingStrategy byName(String name, double margin) {
    Check.notNull(name, "strategy");
    return switch (name) {
      case "best-vs-rest" -> bestVsRest(margin);
      case "best-vs-worst" -> bestVsWorst(margin);
      case "all" -> allPairs(margin);
      default ->
          throw new IllegalArgumentException(
              "strategy must be one of " + String.join(", ", NAMES) + ", found " + name);
    };
  }

  /**
   * The responses best first: reward descending, then text ascending, then input position. This order
   * is total, so the ranking is deterministic.
   *
   * @param group the responses, not null
   * @return a new list
   */
  public static List<ScoredResponse> rank(List<ScoredResponse> group) {
    Check.notNull(group, "group");
    List<Indexed> indexed = new ArrayList<>(group.size());
    for (int i = 0; i < group.size(); i++) {
      indexed.add(new Indexed(Check.notNull(group.get(i), "group[" + i + "]"), i));
    }
    indexed.sort(
        Comparator.comparingDouble((Indexed x) -> -x.response().reward())
            .thenComparing(x -> x.response().text())
            .thenComparingInt(Indexed::index));
    List<ScoredResponse> ranked = new ArrayList<>(indexed.size());
    for (Indexed x : indexed) {
      ranked.add(x.response());
    }
    return ranked;
  }

  private record Indexed(ScoredResponse response, int index) {}

  /** Shared ranking, margin test and de-duplication. */
  private abstract static class Strategy implements PairingStrategy {
    private final String name;
    private final double margin;

    Strategy(String name, double margin) {
      this.name = name;
      this.margin = margin;
    }

    abstract void collect(List<ScoredResponse> ranked, Map<List<String>, PreferencePair> out);

    @Override
    public final List<PreferencePair> pairs(List<ScoredResponse> group) {
      List<ScoredResponse> ranked = new ArrayList<>(rank(group));
      ranked.removeIf(r -> r.text().isEmpty());
      if (ranked.size() < 2) {
        return List.of();
      }
      Map<List<String>, PreferencePair> out = new LinkedHashMap<>();
      collect(ranked, out);
      return List.copyOf(out.values());
    }

    static void add(
        ScoredResponse chosen,
        ScoredResponse rejected,
        double margin,
        Map<List<String>, PreferencePair> out) {
      double gap = chosen.reward() - rejected.reward();
      if (gap > 0
          && gap >= margin - TOLERANCE
          && !PreferencePair.sameText(chosen.text(), rejected.text())) {
        out.putIfAbsent(
            List.of(rejected.prompt(), chosen.text(), rejected.text()),
            new PreferencePair(
                rejected.prompt(),
                chosen.text(),
                rejected.text(),
                chosen.reward(),
                rejected.reward()));
      }
    }

    @Override
    public String name() {
      return name + "(margin=" + margin + ")";
    }

    @Override
    public String toString() {
      return name();
    }
  }
}
