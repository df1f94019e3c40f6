package io.meridian.planner.metadata;

import io.meridian.adapter.ThreadScoped;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;

import org.apache.calcite.plan.hep.HepRelVertex;
import org.apache.calcite.plan.volcano.RelSubset;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rel.core.TableScan;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Row counts observed by running statements, which later estimates use instead of the
 * statistics' guess: the observed-cardinality feedback of the workload log. Keyed by a filtered
 * scan's table and predicate ({@link #key}), the shape whose selectivity statistics misjudge
 * most (correlated columns, skew), and the same in the logical plan (join ordering) and the
 * physical one (a backend's fragment). One per server (its {@code MeridianDriver}), bounded;
 * current on the thread that plans a statement ({@link #enter}); the workload log records each
 * observation and loads the latest ones when the server starts.
 */
public final class ObservedCardinalities {
  private static final ThreadScoped<ObservedCardinalities> CURRENT = new ThreadScoped<>();
  /** An observation this far from the previous estimate (either way) makes plans again. */
  static final double SIGNIFICANT_Q_ERROR = 2;

  private final Cache<String, Double> observed =
      CacheBuilder.newBuilder().maximumSize(10_000).build();
  /** Bumped when an observation changes an estimate, so that cached plans are made again. */
  private final AtomicLong generation = new AtomicLong();

  /** Makes these observations the ones estimates use on this thread, until the scope closes. */
  public ThreadScoped.Scope enter() {
    return CURRENT.enter(this);
  }

  /**
   * The feedback key of a node: {@code catalog.schema.table|predicate} for a filter directly
   * over a table scan (through projections and sorts); for a filter over a grouping of such a
   * scan or of a table (a {@code HAVING}, whose selectivity no statistics tell: TPC-H q18's
   * orders whose lines sum past 300), the grouping's input, projections, keys and functions
   * and the filter's condition; else null.
   */
  public static @Nullable String key(RelNode node) {
    RelNode n = strip(node);
    // Projections and sorts without a limit keep the rows of what they read.
    while (n instanceof Project
        || n instanceof Sort && ((Sort) n).fetch == null && ((Sort) n).offset == null) {
      n = strip(n.getInput(0));
    }
    if (!(n instanceof Filter)) {
      return null;
    }
    Filter filter = (Filter) n;
    RelNode input = strip(filter.getInput());
    if (input instanceof Aggregate) {
      String grouped = groupingKey((Aggregate) input);
      return grouped == null ? null : grouped + "|having " + filter.getCondition();
    }
    if (!(input instanceof TableScan)) {
      return null;
    }
    return String.join(".", input.getTable().getQualifiedName()) + "|" + filter.getCondition();
  }

  /**
   * What a grouping of a table (or of a filtered one), through projections, computes, or null
   * for a grouping of anything else.
   */
  private static @Nullable String groupingKey(Aggregate aggregate) {
    StringBuilder projections = new StringBuilder();
    RelNode n = strip(aggregate.getInput());
    while (n instanceof Project) {
      projections.insert(0, "|project " + ((Project) n).getProjects());
      n = strip(n.getInput(0));
    }
    String source = n instanceof TableScan
        ? String.join(".", n.getTable().getQualifiedName()) : key(n);
    return source == null ? null : source + projections + "|group " + aggregate.getGroupSet()
        + " " + aggregate.getAggCallList();
  }

  private static RelNode strip(RelNode node) {
    if (node instanceof HepRelVertex) {
      return ((HepRelVertex) node).getCurrentRel();
    }
    if (node instanceof RelSubset) {
      RelSubset subset = (RelSubset) node;
      RelNode original = subset.getOriginal();
      return original != null ? original : subset.getBest() != null ? subset.getBest() : node;
    }
    return node;
  }

  /** Returns the observed rows of a filtered scan from the current observations, or null. */
  public static @Nullable Double of(Filter filter) {
    ObservedCardinalities current = CURRENT.get();
    if (current == null) {
      return null;
    }
    String key = key(filter);
    return key == null ? null : current.observed.getIfPresent(key);
  }

  /** Records what a statement observed for a key (the fragment's estimate for comparison). */
  public void record(String key, long actualRows, double estimatedRows) {
    double actual = Math.max(1, actualRows);
    Double previous = observed.getIfPresent(key);
    double before = previous != null ? previous : Math.max(1, estimatedRows);
    observed.put(key, actual);
    if (Math.max(before / actual, actual / before) >= SIGNIFICANT_Q_ERROR) {
      generation.incrementAndGet();
    }
  }

  /** Loads observations (e.g. the workload log's latest, at start). */
  public void load(Map<String, Long> observations) {
    observations.forEach((k, v) -> observed.put(k, (double) Math.max(1, v)));
    if (!observations.isEmpty()) {
      generation.incrementAndGet();
    }
  }

  /** Changes whenever an observation changed an estimate; part of a cached plan's key. */
  public long generation() {
    return generation.get();
  }
}
