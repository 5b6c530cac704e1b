package org.consistency4j.spark;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.LanguageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of one JVM (an executor, or the driver in local mode), opened on first use and kept for
 * the JVM's life under {@link ModelSource#cacheKey()}: a model is loaded once per executor, not once
 * per task or partition. A thread-safe source has one shared instance; any other source has one
 * instance per concurrently running task, each lent to one task at a time. Models are opened one at a
 * time per JVM.
 *
 * <p>Thread-safe.
 */
public final class ExecutorModels {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
  private static final Map<String, Pool> POOLS = new ConcurrentHashMap<>();
  /**
   * Models are opened one at a time per JVM: the first open also initialises the native libraries
   * (ONNX Runtime, the DJL tokenizers), and neither documents concurrent initialisation as safe; opening
   * is rare (once per task slot), so the lock costs nothing that matters.
   */
  private static final Object OPENING = new Object();

  private ExecutorModels() {}

  /** A model lent to one task; {@link #close()} gives it back (it stays open in the cache). */
  public static final class Lease implements AutoCloseable {
    private final Pool pool;
    private final LanguageModel model;
    private boolean returned;

    private Lease(Pool pool, LanguageModel model) {
      this.pool = pool;
      this.model = model;
    }

    /**
     * The lent model.
     *
     * @return the model (do not close it)
     */
    public LanguageModel model() {
      return model;
    }

    /** Returns the model to the cache. Idempotent. */
    @Override
    public void close() {
      if (!returned) {
        returned = true;
        pool.giveBack(model);
      }
    }
  }

  /**
   * Lends the model of {@code source}, opening it if this JVM has none free.
   *
   * @param source the model's description
   * @return the lease; close it when the task is done with the model
   */
  public static Lease borrow(ModelSource source) {
    Check.notNull(source, "source");
    Pool pool = POOLS.computeIfAbsent(source.cacheKey(), k -> new Pool(source));
    return new Lease(pool, pool.take());
  }

  /**
   * How many instances of {@code source} this JVM has opened (and not closed).
   *
   * @param source the model's description
   * @return the count
   */
  public static int opened(ModelSource source) {
    Pool pool = POOLS.get(source.cacheKey());
    return pool == null ? 0 : pool.opened();
  }

  /**
   * Closes every cached model of this JVM: for the end of a local-mode run, where the executors are
   * the driver's own JVM. Models lent at the time are closed too; do not call it while a job runs.
   */
  public static void closeAll() {
    List<Pool> pools = new ArrayList<>(POOLS.values());
    POOLS.clear();
    for (Pool p : pools) {
      p.closeAll();
    }
  }

  private static final class Pool {
    private final ModelSource source;
    private final Deque<LanguageModel> idle = new ArrayDeque<>();
    private final List<LanguageModel> all = new ArrayList<>();

    Pool(ModelSource source) {
      this.source = source;
    }

    LanguageModel take() {
      synchronized (this) {
        if (source.threadSafe() && !all.isEmpty()) {
          return all.get(0);
        }
        if (!idle.isEmpty()) {
          return idle.pop();
        }
      }
      // Opening takes seconds: outside the pool's lock, so that other tasks can take idle instances.
      LanguageModel model;
      synchronized (OPENING) {
        LOG.info("opening model {} in this JVM", source.name());
        model = source.open();
      }
      synchronized (this) {
        if (source.threadSafe() && !all.isEmpty()) {
          model.close();
          return all.get(0);
        }
        all.add(model);
      }
      return model;
    }

    synchronized void giveBack(LanguageModel model) {
      if (!source.threadSafe() && all.contains(model)) {
        idle.push(model);
      }
    }

    synchronized int opened() {
      return all.size();
    }

    synchronized void closeAll() {
      for (LanguageModel m : all) {
        try {
          m.close();
        } catch (RuntimeException e) {
          LOG.warn("closing model {}: {}", source.name(), e.getMessage());
        }
      }
      all.clear();
      idle.clear();
    }
  }
}
