/**
 * Evaluation ({@link org.consistency4j.spark.SparkEvaluation}) and stage-2 pair generation ({@link
 * org.consistency4j.spark.SparkPairs}) distributed on Apache Spark, with the same outputs as the
 * single-machine {@code consistency evaluate} and {@code pairs}; {@link
 * org.consistency4j.spark.SparkCli} is the {@code spark-submit} entry point. Models reach executors as
 * serializable {@link org.consistency4j.spark.ModelSource}s and are loaded once per executor JVM
 * ({@link org.consistency4j.spark.ExecutorModels}).
 */
package org.consistency4j.spark;
