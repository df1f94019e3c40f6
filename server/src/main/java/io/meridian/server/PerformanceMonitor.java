package io.meridian.server;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The platform's performance monitor: what the server has run, as counters and latency
 * histograms (all statements, and by the engine that produced each result) served at
 * {@code GET /metrics} in Prometheus' text format. Latency is the time to the first frame of a
 * statement's result (or its update count); rows are every row sent to clients, in every
 * frame.
 */
public final class PerformanceMonitor {
  /** Upper bounds of the latency buckets, in seconds. */
  private static final double[] BUCKETS =
      {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  /** A latency histogram. */
  private static final class Histogram {
    final LongAdder[] buckets = new LongAdder[BUCKETS.length];
    final LongAdder count = new LongAdder();
    final LongAdder nanos = new LongAdder();

    Histogram() {
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }

    void add(long elapsedNanos) {
      count.increment();
      nanos.add(elapsedNanos);
      double seconds = elapsedNanos / 1e9;
      for (int i = 0; i < BUCKETS.length; i++) {
        if (seconds <= BUCKETS[i]) {
          buckets[i].increment();
        }
      }
    }

    /** Writes the histogram's lines; {@code labels} is empty or ends with a comma. */
    void write(StringBuilder out, String name, String labels) {
      for (int i = 0; i < BUCKETS.length; i++) {
        out.append(name).append("_bucket{").append(labels).append("le=\"")
            .append(String.format(Locale.ROOT, "%s", BUCKETS[i])).append("\"} ")
            .append(buckets[i].sum()).append('\n');
      }
      String plain = labels.isEmpty() ? "" : "{" + labels.substring(0, labels.length() - 1)
          + "}";
      out.append(name).append("_bucket{").append(labels).append("le=\"+Inf\"} ")
          .append(count.sum()).append('\n')
          .append(name).append("_sum").append(plain).append(' ')
          .append(String.format(Locale.ROOT, "%.6f", nanos.sum() / 1e9)).append('\n')
          .append(name).append("_count").append(plain).append(' ').append(count.sum())
          .append('\n');
    }
  }

  private final Histogram all = new Histogram();
  private final Map<String, Histogram> byEngine = new ConcurrentHashMap<>();
  private final LongAdder rows = new LongAdder();
  private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
  private final AtomicInteger active = new AtomicInteger();

  /** Marks a statement as started; returns its start time for {@link #finished}. */
  long started() {
    active.incrementAndGet();
    return System.nanoTime();
  }

  /**
   * Records a statement's end: its latency from {@code start}, the engine that produced its
   * result (null when unknown: it failed before, or it had no plan), and on failure its SQL
   * state (null when it succeeded).
   */
  void finished(long start, String failedSqlState, String engine) {
    active.decrementAndGet();
    long elapsed = System.nanoTime() - start;
    all.add(elapsed);
    if (engine != null) {
      byEngine.computeIfAbsent(engine, e -> new Histogram()).add(elapsed);
    }
    if (failedSqlState != null) {
      String sqlClass = failedSqlState.length() >= 2 ? failedSqlState.substring(0, 2) : "HY";
      failures.computeIfAbsent(sqlClass, k -> new LongAdder()).increment();
    }
  }

  /** Records rows sent to a client. */
  void rowsSent(long n) {
    rows.add(n);
  }

  /** Returns the metrics in Prometheus' text exposition format (version 0.0.4). */
  String prometheus(Map<String, Boolean> catalogs) {
    StringBuilder out = new StringBuilder();
    out.append("# HELP meridian_statements_total Statements executed.\n")
        .append("# TYPE meridian_statements_total counter\n")
        .append("meridian_statements_total ").append(all.count.sum()).append('\n');
    out.append("# HELP meridian_statement_errors_total Statements that failed, by SQL state"
        + " class.\n# TYPE meridian_statement_errors_total counter\n");
    new TreeMap<>(failures).forEach((sqlClass, n) -> out.append(
        "meridian_statement_errors_total{sql_state_class=\"").append(sqlClass).append("\"} ")
        .append(n.sum()).append('\n'));
    out.append("# HELP meridian_statement_seconds Time to a statement's first result frame.\n")
        .append("# TYPE meridian_statement_seconds histogram\n");
    all.write(out, "meridian_statement_seconds", "");
    out.append("# HELP meridian_engine_statement_seconds Time to the first result frame, by the"
        + " engine that produced the result (a backend type, duckdb-engine, jvm).\n")
        .append("# TYPE meridian_engine_statement_seconds histogram\n");
    new TreeMap<>(byEngine).forEach((engine, histogram) -> histogram.write(out,
        "meridian_engine_statement_seconds", "engine=\"" + engine.replace("\"", "\\\"")
            + "\","));
    out.append("# HELP meridian_rows_sent_total Rows sent to clients.\n")
        .append("# TYPE meridian_rows_sent_total counter\n")
        .append("meridian_rows_sent_total ").append(rows.sum()).append('\n');
    out.append("# HELP meridian_active_statements Statements executing now.\n")
        .append("# TYPE meridian_active_statements gauge\n")
        .append("meridian_active_statements ").append(active.get()).append('\n');
    out.append("# HELP meridian_catalog_available Whether a catalog's backend answered its"
        + " last probe.\n# TYPE meridian_catalog_available gauge\n");
    new TreeMap<>(catalogs).forEach((catalog, up) -> out.append(
        "meridian_catalog_available{catalog=\"").append(catalog.replace("\"", "\\\""))
        .append("\"} ").append(up ? 1 : 0).append('\n'));
    return out.toString();
  }
}
