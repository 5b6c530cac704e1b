/**
 * Evaluation reports: the {@link org.consistency4j.report.EvaluationReport} value (config, seed,
 * version, per-task metrics with intervals, per-group values, paired comparisons) and {@link
 * org.consistency4j.report.Reports}, which writes it as JSON (machine-readable, readable back),
 * Markdown and a self-contained HTML page with inline SVG charts. Files are written atomically.
 */
package org.consistency4j.report;
