package io.meridian.planner.workload;

import io.meridian.adapter.jdbc.BackendConvention;
import io.meridian.adapter.jdbc.CatalogDataSource;
import io.meridian.planner.metadata.ObservedCardinalities;
import io.meridian.planner.engine.EngineInput;
import io.meridian.planner.rel.BackendStatement;
import io.meridian.planner.rel.BackendToEnumerableConverter;
import io.meridian.planner.rel.EnumerableRowCounter;
import io.meridian.planner.rel.EngineExecution;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;

import org.apache.calcite.adapter.enumerable.EnumerableBatchNestedLoopJoin;
import org.apache.calcite.adapter.enumerable.EnumerableCorrelate;
import org.apache.calcite.adapter.enumerable.EnumerableLimit;
import org.apache.calcite.adapter.enumerable.EnumerableRel;
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
    List<Fragment> fragments, boolean limited, String plan, double jvmRows,
    List<Edge> jvmEdges) {

  /**
   * Rows that enter one of the JVM's operators: from a fragment, or from another JVM operator
   * through an {@link EnumerableRowCounter} ({@code id} is the fragment's or the counter's, as
   * {@link FragmentCounters#rows} knows it), with the planner's estimate.
   */
  public record Edge(int id, double estimatedRows) {
  }

  /**
   * Adds a row counter between every two JVM operators of a query's plan, so that the rows the
   * JVM takes in are counted, not estimated (calibration weighs the JVM's time against them).
   * Inputs that depend on an outer row (a correlation's, a nested-loop batch's right side)
   * are left as they are.
   */
  public static RelNode withRowCounters(RelNode node) {
    if (node instanceof BackendToEnumerableConverter || !(node instanceof EnumerableRel)) {
      return node;
    }
    List<RelNode> inputs = new ArrayList<>();
    boolean changed = false;
    for (int i = 0; i < node.getInputs().size(); i++) {
      RelNode input = node.getInput(i);
      RelNode counted = withRowCounters(input);
      boolean correlated = i > 0 && (node instanceof EnumerableCorrelate
          || node instanceof EnumerableBatchNestedLoopJoin);
      if (!(node instanceof EngineExecution) && !correlated && isJvmOperator(counted)) {
        counted = new EnumerableRowCounter(counted.getCluster(), counted.getTraitSet(), counted);
      }
      inputs.add(counted);
      changed |= counted != input;
    }
    return changed ? node.copy(node.getTraitSet(), inputs) : node;
  }

  private static boolean isJvmOperator(RelNode node) {
    return node instanceof EnumerableRel && !(node instanceof BackendToEnumerableConverter)
        && !(node instanceof EngineExecution) && !(node instanceof EnumerableRowCounter);
  }

  /**
   * One fragment: {@code engine} is the catalog whose backend runs it, or {@code duckdb} for
   * Meridian's embedded engine; {@code role} says how its rows move: {@code jdbc} (read into the
   * JVM), {@code engine} (the engine's result, read into the JVM), {@code arrow} (shipped from
   * the backend into the engine as Arrow) or {@code inside} (run inside the statement of an
   * engine that is its own backend: its rows do not move). {@code id} matches
   * {@link FragmentCounters#rows}. {@code feedbackKey} names a filtered scan whose observed
   * rows later estimates use ({@link ObservedCardinalities}), or is null.
   *
   * <p>For calibration: {@code parent} is the id of the engine fragment that reads this one
   * (-1: the JVM reads it); {@code backendType} the backend's type ({@code postgres}, ...;
   * {@code duckdb-engine} for the engine); {@code scannedRows} the rows of the tables the
   * fragment scans (NaN when it is a statement sent whole, whose plan the backend makes);
   * {@code rowsIn} the rows the engine's operators take in (engine fragments; else 0);
   * {@code estimatedBytes} its estimated rows times their estimated width; {@code columns}
   * the columns of its rows. For the WorkloadAnalyzer: {@code tables} the tables a backend
   * fragment scans, comma-separated (empty for the engine, and a statement sent whole).
   */
  public record Fragment(int id, String engine, String role, double estimatedRows,
      @Nullable String feedbackKey, int parent, String backendType, double scannedRows,
      double rowsIn, double estimatedBytes, int columns, String tables) {
  }

  /**
   * Where the statement's result was produced, for metrics: the backend type ({@code postgres},
   * {@code duckdb}, ...) when the statement ran as one fragment of one backend,
   * {@code duckdb-engine} when Meridian's DuckDB engine produced it, {@code jvm} when the JVM's
   * operators combined fragments (or computed it alone).
   */
  public String resultEngine() {
    Fragment top = null;
    for (Fragment f : fragments) {
      if (f.parent() == -1) {
        if (top != null) {
          return "jvm";
        }
        top = f;
      }
    }
    return top != null && jvmEdges.isEmpty() ? top.backendType() : "jvm";
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
    collect(root, mq, catalogs, tables, fragments, "jdbc", -1);
    List<Edge> edges = new ArrayList<>();
    jvmEdges(root, mq, edges);
    return new PlanSummary(placement, List.copyOf(catalogs), List.copyOf(tables),
        List.copyOf(fragments), limits(root), RelOptUtil.toString(root),
        rows(mq, root) + edges.stream().mapToDouble(Edge::estimatedRows).sum(),
        List.copyOf(edges));
  }

  /**
   * The inputs of the JVM's operators under {@code node} (what {@code enumerable.row-cpu}
   * multiplies is the sum of their rows): of every operator outside backend fragments and the
   * engine, including the JVM plans that feed the engine.
   */
  private static void jvmEdges(RelNode node, RelMetadataQuery mq, List<Edge> edges) {
    if (node instanceof BackendToEnumerableConverter) {
      return;
    }
    for (int i = 0; i < node.getInputs().size(); i++) {
      RelNode input = node.getInput(i);
      if (node instanceof EngineExecution) {
        if (((EngineExecution) node).input(i).source() == EngineInput.Source.JVM) {
          jvmEdges(input, mq, edges);
        }
      } else if (!(node instanceof EnumerableRowCounter)) {
        edges.add(new Edge(input.getId(), rows(mq, input)));
        jvmEdges(input, mq, edges);
      } else {
        jvmEdges(input, mq, edges);
      }
    }
  }

  private static double rows(RelMetadataQuery mq, RelNode node) {
    Double rows = mq.getRowCount(node);
    return rows == null ? 0 : rows;
  }

  private static double bytes(RelMetadataQuery mq, RelNode node) {
    Double width = mq.getAverageRowSize(node);
    return width == null ? Double.NaN : width * rows(mq, node);
  }

  /**
   * The tables a backend fragment scans, qualified, sorted and joined with commas (none for a
   * statement sent whole, whose plan its backend makes).
   */
  private static String scannedTables(RelNode fragment) {
    Set<String> tables = new TreeSet<>();
    new org.apache.calcite.rel.RelVisitor() {
      @Override public void visit(RelNode node, int ordinal, @Nullable RelNode parent) {
        if (node instanceof TableScan) {
          tables.add(String.join(".", ((TableScan) node).getTable().getQualifiedName()));
        }
        super.visit(node, ordinal, parent);
      }
    }.go(fragment);
    return String.join(",", tables);
  }

  /** The rows of the tables a backend fragment scans; NaN for a statement sent whole. */
  private static double scannedRows(RelNode node, RelMetadataQuery mq) {
    if (node instanceof BackendStatement) {
      return Double.NaN;
    }
    if (node instanceof TableScan) {
      return rows(mq, node);
    }
    double scanned = 0;
    for (RelNode input : node.getInputs()) {
      scanned += scannedRows(input, mq);
    }
    // A limit over a scan stops it early (at most about as many rows as it returns).
    return node instanceof Sort && ((Sort) node).fetch != null
        ? Math.min(scanned, rows(mq, node)) : scanned;
  }

  /**
   * Whether an operator may stop reading its input early (then counts are partial). A limit
   * inside a backend fragment does not: the fragment's count is what its backend returned.
   */
  private static boolean limits(RelNode node) {
    if (node instanceof BackendToEnumerableConverter) {
      return false;
    }
    if (node instanceof Sort && (((Sort) node).fetch != null || ((Sort) node).offset != null)
        || node instanceof EnumerableLimit) {
      return true;
    }
    return node.getInputs().stream().anyMatch(PlanSummary::limits);
  }

  private static void collect(RelNode node, RelMetadataQuery mq, Set<String> catalogs,
      Set<String> tables, List<Fragment> fragments, String role, int parent) {
    CatalogDataSource source = dataSourceOf(node.getConvention());
    if (source != null) {
      catalogs.add(source.catalog());
    }
    if (node instanceof TableScan) {
      tables.add(String.join(".", ((TableScan) node).getTable().getQualifiedName()));
    }
    if (node instanceof BackendToEnumerableConverter) {
      CatalogDataSource backend = dataSourceOf(node.getInput(0).getConvention());
      // A statement sent whole is planned by its backend: Meridian has no estimate of it (the
      // metadata's 1 is a placeholder), so none is recorded.
      fragments.add(new Fragment(node.getId(), backend == null ? "?" : backend.catalog(),
          role, node.getInput(0) instanceof BackendStatement ? Double.NaN : rows(mq, node),
          ObservedCardinalities.key(node.getInput(0)), parent,
          backend == null ? "?" : backend.type(), scannedRows(node.getInput(0), mq), 0,
          bytes(mq, node), node.getRowType().getFieldCount(), scannedTables(node.getInput(0))));
    } else if (node instanceof EngineExecution) {
      EngineExecution engine = (EngineExecution) node;
      fragments.add(new Fragment(node.getId(), engine.engine().toLowerCase(Locale.ROOT),
          "engine", rows(mq, node), null, parent,
          engine.engine().toLowerCase(Locale.ROOT) + "-engine", 0, engine.rowsIn(),
          bytes(mq, node), node.getRowType().getFieldCount(), ""));
    }
    for (int i = 0; i < node.getInputs().size(); i++) {
      String inputRole = "jdbc";
      int inputParent = parent;
      if (node instanceof EngineExecution) {
        EngineExecution engine = (EngineExecution) node;
        if (engine.engine().equals("duckdb")) {
          inputParent = node.getId();
          if (engine.input(i).source() == EngineInput.Source.BACKEND_ARROW) {
            inputRole = "arrow";
          }
        } else if (engine.input(i).fromBackend()) {
          // An engine that is a backend runs its own fragments inside its statement: their
          // rows never move. What it is sent, the JVM reads.
          inputRole = "inside";
        }
      }
      collect(node.getInput(i), mq, catalogs, tables, fragments, inputRole, inputParent);
    }
  }

  /** The catalog behind a backend convention, or null (not a backend, or unnamed). */
  private static @Nullable CatalogDataSource dataSourceOf(Convention convention) {
    if (!(convention instanceof BackendConvention)) {
      return null;
    }
    try {
      javax.sql.DataSource ds = ((BackendConvention) convention).dataSource();
      return ds.isWrapperFor(CatalogDataSource.class)
          ? ds.unwrap(CatalogDataSource.class) : null;
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
