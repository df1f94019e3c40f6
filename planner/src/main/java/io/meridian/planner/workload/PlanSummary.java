package io.meridian.planner.workload;

import io.meridian.adapter.jdbc.BackendConvention;
import io.meridian.adapter.jdbc.CatalogDataSource;
import io.meridian.planner.metadata.ObservedCardinalities;
import io.meridian.planner.rel.BackendToEnumerableConverter;
import io.meridian.planner.rel.EngineExecution;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;

import org.apache.calcite.adapter.enumerable.EnumerableLimit;
import org.apache.calcite.plan.Convention;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the planner decided for a statement, as the workload log records it: the placement
 * setting, the catalogs it reads, the tables it scans (where the plan names them; a statement
 * sent whole to one backend names none), its fragments (where each runs and how many rows the planner
 * expected) and the placed plan as text. Made once per planning and kept with the prepared
 * statement's signature ({@link #attach}), so that re-running a cached statement costs nothing
 * here; the server takes the summary of what a request prepared with {@link #takeLast}.
 */
public record PlanSummary(String placement, List<String> catalogs, List<String> tables,
    List<Fragment> fragments, boolean limited, String plan) {

  /**
   * One fragment: {@code engine} is the catalog whose backend runs it, or {@code duckdb} for
   * Meridian's embedded engine; {@code role} says how its rows move: {@code jdbc} (read into the
   * JVM), {@code engine} (the engine's result, read into the JVM) or {@code arrow} (shipped from
   * the backend into the engine as Arrow, not counted). {@code id} matches
   * {@link FragmentCounters#rows}. {@code feedbackKey} names a filtered scan whose observed
   * rows later estimates use ({@link ObservedCardinalities}), or is null.
   */
  public record Fragment(int id, String engine, String role, double estimatedRows,
      @Nullable String feedbackKey) {
  }

  private static final ThreadLocal<PlanSummary> CAPTURED = new ThreadLocal<>();
  private static final ThreadLocal<PlanSummary> LAST = new ThreadLocal<>();
  private static final Cache<Object, PlanSummary> BY_SIGNATURE =
      CacheBuilder.newBuilder().weakKeys().build();

  /** Summarizes a physical plan. */
  public static PlanSummary of(RelNode root, String placement) {
    RelMetadataQuery mq = root.getCluster().getMetadataQuery();
    Set<String> catalogs = new TreeSet<>();
    Set<String> tables = new TreeSet<>();
    List<Fragment> fragments = new ArrayList<>();
    collect(root, mq, catalogs, tables, fragments, false);
    return new PlanSummary(placement, List.copyOf(catalogs), List.copyOf(tables),
        List.copyOf(fragments), limits(root), RelOptUtil.toString(root));
  }

  /** Whether an operator may stop reading its input early (then counts are partial). */
  private static boolean limits(RelNode node) {
    if (node instanceof Sort && (((Sort) node).fetch != null || ((Sort) node).offset != null)
        || node instanceof EnumerableLimit) {
      return true;
    }
    return node.getInputs().stream().anyMatch(PlanSummary::limits);
  }

  private static void collect(RelNode node, RelMetadataQuery mq, Set<String> catalogs,
      Set<String> tables, List<Fragment> fragments, boolean engineInput) {
    String catalog = catalogOf(node.getConvention());
    if (catalog != null) {
      catalogs.add(catalog);
    }
    if (node instanceof TableScan) {
      tables.add(String.join(".", ((TableScan) node).getTable().getQualifiedName()));
    }
    if (node instanceof BackendToEnumerableConverter) {
      String engine = catalogOf(node.getInput(0).getConvention());
      fragments.add(new Fragment(node.getId(), engine == null ? "?" : engine,
          engineInput ? "arrow" : "jdbc", mq.getRowCount(node),
          ObservedCardinalities.key(node.getInput(0))));
    } else if (node instanceof EngineExecution) {
      fragments.add(new Fragment(node.getId(), ((EngineExecution) node).engine()
          .toLowerCase(Locale.ROOT), "engine", mq.getRowCount(node), null));
    }
    for (int i = 0; i < node.getInputs().size(); i++) {
      collect(node.getInput(i), mq, catalogs, tables, fragments,
          node instanceof EngineExecution && ((EngineExecution) node).input(i).source()
              == io.meridian.planner.engine.EngineInput.Source.BACKEND_ARROW);
    }
  }

  private static String catalogOf(Convention convention) {
    if (!(convention instanceof BackendConvention)) {
      return null;
    }
    try {
      javax.sql.DataSource ds = ((BackendConvention) convention).dataSource();
      return ds.isWrapperFor(CatalogDataSource.class)
          ? ds.unwrap(CatalogDataSource.class).catalog() : null;
    } catch (SQLException e) {
      return null;
    }
  }

  /** Keeps the summary of the plan being implemented on this thread (see {@link #attach}). */
  public static void capture(PlanSummary summary) {
    CAPTURED.set(summary);
  }

  /** Attaches the summary captured on this thread to the prepared statement's signature. */
  public static void attach(Object signature) {
    PlanSummary summary = CAPTURED.get();
    CAPTURED.remove();
    if (summary != null && signature != null) {
      BY_SIGNATURE.put(signature, summary);
    }
  }

  /** Forgets a summary captured on this thread but not attached (planning failed). */
  public static void discardCaptured() {
    CAPTURED.remove();
  }

  /**
   * Notes that this thread's statement was prepared with {@code signature} (planned now or
   * taken from the cache), for {@link #takeLast}.
   */
  public static void used(Object signature) {
    PlanSummary summary = BY_SIGNATURE.getIfPresent(signature);
    if (summary == null) {
      LAST.remove();
    } else {
      LAST.set(summary);
    }
  }

  /** Returns and forgets the summary of the statement last prepared on this thread, or null. */
  public static PlanSummary takeLast() {
    PlanSummary summary = LAST.get();
    LAST.remove();
    return summary;
  }
}
