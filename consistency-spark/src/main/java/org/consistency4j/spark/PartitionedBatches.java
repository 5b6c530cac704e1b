package org.consistency4j.spark;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.SerializableConfiguration;
import org.consistency4j.ConsistencyException;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.LanguageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a list of work items, cut into consecutive batches of {@code batchSize} as the single-machine
 * code cuts them, as Spark tasks: partition {@code p} holds a contiguous range of whole batches, so a
 * batch (and hence its seed, which depends on the batch index only) is the same whatever the number of
 * partitions.
 *
 * <p>Fault tolerance and resume: a partition's outputs are written to one file, {@code
 * DIR/part-FIRST-LAST.jsonl} (FIRST and LAST the batch indices), atomically (temporary file, then
 * rename) once the whole partition is done. A task that dies mid-partition writes nothing; Spark
 * retries it (up to {@code spark.task.maxFailures}) and the retry generates the partition again from
 * the start, so no output is duplicated or lost. A partition whose file already exists (an earlier,
 * interrupted run into the same directory) is read back and checked against its items instead of
 * being generated: a rerun skips every finished partition. Changing the batch size or the number of
 * partitions changes the file names; files of another layout are ignored.
 */
final class PartitionedBatches {
  private static final Logger LOG = LoggerFactory.getLogger(PartitionedBatches.class);

  private PartitionedBatches() {}

  /** Generates the outputs of one batch with a model. */
  @FunctionalInterface
  interface BatchRunner<I, O> extends Serializable {
    /**
     * @param model the executor's model
     * @param batch the batch's index in the whole list
     * @param items the batch's items
     * @return one output per item, in order
     */
    List<O> run(LanguageModel model, int batch, List<I> items);
  }

  /** Writes, reads back and checks the outputs of a partition file. */
  interface Codec<I, O> extends Serializable {
    /** One JSONL line (no newline) of an output. */
    String toLine(O output);

    /** Every output of a partition file. */
    List<O> read(String uri, Configuration conf);

    /**
     * Checks that the outputs read from {@code uri} are the outputs of {@code items}, in order.
     *
     * @throws org.consistency4j.InvalidInputException naming the file if not
     */
    void check(String uri, List<I> items, List<O> stored);
  }

  /** The work of one partition: the batches from {@code firstBatch} on. */
  record Slice<I extends Serializable>(int firstBatch, int lastBatch, ArrayList<I> items) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * Runs every item and gathers the outputs on the driver, in item order.
   *
   * @param partitions the most partitions, {@code >= 1} (fewer when there are fewer batches)
   * @param dir the directory of the partition files (any Hadoop-compatible URI)
   */
  static <I extends Serializable, O extends Serializable> List<O> run(
      JavaSparkContext sc, List<I> items, int batchSize, int partitions, String dir,
      ModelSource model, BatchRunner<I, O> runner, Codec<I, O> codec) {
    Check.positive(batchSize, "batchSize");
    Check.positive(partitions, "partitions");
    int batches = (items.size() + batchSize - 1) / batchSize;
    if (batches == 0) {
      return List.of();
    }
    int parts = Math.min(partitions, batches);
    List<Slice<I>> slices = new ArrayList<>(parts);
    for (int p = 0; p < parts; p++) {
      int first = (int) ((long) batches * p / parts);
      int last = (int) ((long) batches * (p + 1) / parts) - 1;
      int from = first * batchSize;
      int to = Math.min(items.size(), (last + 1) * batchSize);
      slices.add(new Slice<>(first, last, new ArrayList<>(items.subList(from, to))));
    }
    Configuration conf = sc.hadoopConfiguration();
    SparkFiles.mkdirs(dir, conf);
    SerializableConfiguration shipped = new SerializableConfiguration(conf);
    LOG.info("{} items in {} batches of {} over {} partitions into {}", items.size(), batches, batchSize,
        parts, dir);
    // One slice per partition: parallelize puts element i into partition i when counts are equal.
    List<O> out;
    try {
      out = sc.parallelize(slices, parts)
          .flatMap(slice -> runSlice(slice, batchSize, dir, shipped.value(), model, runner, codec))
          .collect();
    } catch (Exception e) { // SparkException is checked, though Scala does not declare it
      throw unwrap(e);
    }
    if (out.size() != items.size()) {
      throw new ConsistencyException(
          "gathered " + out.size() + " outputs for " + items.size() + " items from " + dir);
    }
    return out;
  }

  /**
   * The library's own exception behind a failed Spark job (bad stored files, bad settings), so that
   * callers see the same errors as on one machine; any other failure unchanged.
   */
  static RuntimeException unwrap(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConsistencyException c) {
        return c;
      }
    }
    return e instanceof RuntimeException r ? r : new ConsistencyException("Spark job failed: " + e.getMessage(), e);
  }

  /** The file of a partition. */
  static String partFile(String dir, int firstBatch, int lastBatch) {
    return SparkFiles.child(dir, String.format(Locale.ROOT, "part-%06d-%06d.jsonl", firstBatch, lastBatch));
  }

  private static <I extends Serializable, O extends Serializable> Iterator<O> runSlice(
      Slice<I> slice, int batchSize, String dir, Configuration conf, ModelSource source,
      BatchRunner<I, O> runner, Codec<I, O> codec) {
    String file = partFile(dir, slice.firstBatch(), slice.lastBatch());
    if (SparkFiles.exists(file, conf)) {
      List<O> stored = codec.read(file, conf);
      codec.check(file, slice.items(), stored);
      LOG.info("{}: finished in an earlier run, {} outputs read back", file, stored.size());
      return stored.iterator();
    }
    List<O> outputs = new ArrayList<>(slice.items().size());
    try (ExecutorModels.Lease lease = ExecutorModels.borrow(source)) {
      for (int b = slice.firstBatch(), start = 0; start < slice.items().size(); b++, start += batchSize) {
        List<I> batch = slice.items().subList(start, Math.min(slice.items().size(), start + batchSize));
        List<O> done = runner.run(lease.model(), b, batch);
        if (done.size() != batch.size()) {
          throw new ConsistencyException(
              "batch " + b + " gave " + done.size() + " outputs for " + batch.size() + " items");
        }
        outputs.addAll(done);
      }
    }
    TaskContext task = TaskContext.get();
    String tag = task == null ? "driver" : task.stageId() + "-" + task.partitionId() + "-" + task.attemptNumber();
    SparkFiles.write(file, conf, tag, out -> {
      BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
      for (O o : outputs) {
        w.write(codec.toLine(o));
        w.write('\n');
      }
      w.flush();
    });
    return outputs.iterator();
  }
}
