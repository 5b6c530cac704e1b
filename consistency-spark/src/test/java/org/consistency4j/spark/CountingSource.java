package org.consistency4j.spark;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.consistency4j.lm.Continuation;
import org.consistency4j.lm.ContinuationScore;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.Capability;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.lm.TokenLogProb;
import org.consistency4j.lm.YesNoTokens;

/**
 * A test model source: the tiny local model, counting its calls (generate and the judges'), optionally failing the
 * {@code failAtCall}-th call of the first attempt of partition {@code failPartition} (a task killed
 * mid-partition). Counters are static: local mode runs the executors in the test's JVM.
 */
record CountingSource(LocalModelSource delegate, String tag, int failPartition, int failAtCall)
    implements ModelSource {
  static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();
  static final Map<String, AtomicInteger> FAILURES = new ConcurrentHashMap<>();
  private static final Map<String, AtomicInteger> CALLS_PER_ATTEMPT = new ConcurrentHashMap<>();

  static CountingSource counting(String tag) {
    return new CountingSource(LocalModelSource.of(TestSpark.tinyLlama()), tag, -1, 0);
  }

  static int calls(String tag) {
    return CALLS.getOrDefault(tag, new AtomicInteger()).get();
  }

  static int failures(String tag) {
    return FAILURES.getOrDefault(tag, new AtomicInteger()).get();
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public String cacheKey() {
    return "counting|" + tag + "|" + failPartition + "|" + failAtCall + "|" + delegate.cacheKey();
  }

  @Override
  public boolean threadSafe() {
    return false;
  }

  @Override
  public LanguageModel open() {
    LanguageModel model = delegate.open();
    return new LanguageModel() {
      @Override
      public List<Generation> generate(List<String> prompts, GenerationConfig config) {
        TaskContext task = TaskContext.get();
        if (task != null && task.partitionId() == failPartition && task.attemptNumber() == 0) {
          String attempt = tag + "|" + task.stageId() + "|" + task.partitionId() + "|" + task.attemptNumber();
          int call = CALLS_PER_ATTEMPT.computeIfAbsent(attempt, k -> new AtomicInteger()).incrementAndGet();
          if (call == failAtCall) {
            FAILURES.computeIfAbsent(tag, k -> new AtomicInteger()).incrementAndGet();
            throw new IllegalStateException("injected failure: partition " + failPartition + ", attempt 0, call "
                + call);
          }
        }
        count();
        return model.generate(prompts, config);
      }

      @Override
      public List<List<TokenLogProb>> nextTokenDistribution(List<String> prompts, int topK) {
        count();
        return model.nextTokenDistribution(prompts, topK);
      }

      @Override
      public List<Map<String, Double>> nextTokenLogProbs(List<String> prompts, Collection<String> tokens) {
        count();
        return model.nextTokenLogProbs(prompts, tokens);
      }

      @Override
      public double[] probabilityOfYes(List<String> prompts, YesNoTokens tokens) {
        count();
        return model.probabilityOfYes(prompts, tokens);
      }

      @Override
      public List<ContinuationScore> score(List<Continuation> requests) {
        count();
        return model.score(requests);
      }

      private void count() {
        CALLS.computeIfAbsent(tag, k -> new AtomicInteger()).incrementAndGet();
      }

      @Override
      public Set<Capability> capabilities() {
        return model.capabilities();
      }

      @Override
      public String name() {
        return model.name();
      }

      @Override
      public void close() {
        model.close();
      }
    };
  }
}
