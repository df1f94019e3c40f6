package io.meridian.planner.engine;

import io.meridian.adapter.duckdb.DuckDbDataSource;
import io.meridian.adapter.duckdb.DuckDbSqlDialect;
import io.meridian.adapter.jdbc.BackendConvention;
import io.meridian.planner.rel.BackendStatement;
import io.meridian.planner.rel.BackendToEnumerableConverter;
import io.meridian.planner.rel.EngineExecution;

import com.google.common.collect.ImmutableList;

import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.rel.RelCollation;
import org.apache.calcite.rel.RelCollationTraitDef;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.dialect.ClickHouseSqlDialect;
import org.apache.calcite.sql.dialect.PostgresqlSqlDialect;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.sql.SQLException;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A maximal subplan of operators that no single backend runs, as the {@code PlacementEngine}
 * offers it to the {@link ProcessingEngine}s: its top operator, its leaves (backend fragments,
 * or parts that stay in the JVM) with the columns each would ship, and the rows its operators
 * take in.
 */
public final class EngineSubplan {
  private final RelNode top;
  private final ImmutableList<RelNode> leaves;
  private final ImmutableList<List<EngineColumn>> inputColumns;
  private final ImmutableList<EngineColumn> outputColumns;
  private final double rowsIn;
  private final boolean reduce;
  private final boolean preAggregate;
  private final Map<RelNode, Integer> leafIndex = new IdentityHashMap<>();

  public EngineSubplan(RelNode top, List<RelNode> leaves, List<List<EngineColumn>> inputColumns,
      List<EngineColumn> outputColumns, double rowsIn, boolean reduce, boolean preAggregate) {
    this.top = top;
    this.reduce = reduce;
    this.preAggregate = preAggregate;
    this.leaves = ImmutableList.copyOf(leaves);
    this.inputColumns = ImmutableList.copyOf(inputColumns);
    this.outputColumns = ImmutableList.copyOf(outputColumns);
    this.rowsIn = rowsIn;
    for (int i = 0; i < leaves.size(); i++) {
      leafIndex.put(leaves.get(i), i);
    }
  }

  /** Returns the subplan's top operator (its output is the subplan's). */
  public RelNode top() {
    return top;
  }

  /** Returns the subplan's inputs, in the order of {@link #inputColumns()}. */
  public ImmutableList<RelNode> leaves() {
    return leaves;
  }

  /** Returns the position of each leaf (by identity). */
  public Map<RelNode, Integer> leafIndex() {
    return leafIndex;
  }

  /** Returns the columns of each input as they would be shipped. */
  public ImmutableList<List<EngineColumn>> inputColumns() {
    return inputColumns;
  }

  /** Returns the columns of the subplan's output. */
  public ImmutableList<EngineColumn> outputColumns() {
    return outputColumns;
  }

  /** Returns the rows the subplan's operators take in, summed over the operators. */
  public double rowsIn() {
    return rowsIn;
  }

  /**
   * Returns whether an engine's inputs may be narrowed by each other's join keys (semi-join
   * reduction; the {@code reduction} connection property turns it off).
   */
  public boolean reduce() {
    return reduce;
  }

  /**
   * Returns whether an engine may group an input in its backend before the subplan's joins
   * ({@link PreAggregation}; the {@code preaggregation} connection property turns it off).
   */
  public boolean preAggregate() {
    return preAggregate;
  }

  /** Returns the metadata query of the subplan's cluster. */
  public RelMetadataQuery metadata() {
    return top.getCluster().getMetadataQuery();
  }

  /**
   * Returns the subplan placed in an engine: one operator of the enumerable convention with the
   * subplan's row type and the orders of its top (the JVM plan above may rely on them), whose
   * {@code runtime} runs {@code plan} over {@code inputs}.
   */
  public EngineExecution execution(String engine, Class<?> runtime, DuckDbEngine.Plan plan,
      List<RelNode> inputs, String decision) {
    return execution(engine, runtime, plan, inputs, decision, rowsIn);
  }

  /**
   * Returns the subplan placed in an engine, as {@link #execution(String, Class,
   * DuckDbEngine.Plan, List, String)} does, whose operators take in {@code rowsIn} rows (an
   * input the engine reads grouped).
   */
  public EngineExecution execution(String engine, Class<?> runtime, DuckDbEngine.Plan plan,
      List<RelNode> inputs, String decision, double rowsIn) {
    List<RelCollation> collations = top.getTraitSet().getTraits(RelCollationTraitDef.INSTANCE);
    return new EngineExecution(top.getCluster(),
        top.getCluster().traitSetOf(EnumerableConvention.INSTANCE)
            .replaceIfs(RelCollationTraitDef.INSTANCE,
                () -> collations == null ? List.of() : collations),
        top.getRowType(), engine, runtime, plan, inputs, rows(metadata(), top), rowsIn,
        decision);
  }

  /** Returns the estimated rows of a node (1 when the planner has no estimate). */
  public static double rows(RelMetadataQuery mq, RelNode rel) {
    Double rows = mq.getRowCount(rel);
    return rows == null ? 1 : rows;
  }

  /** Returns the estimated values (rows times columns) of leaf {@code i}. */
  public double values(int i) {
    RelNode leaf = leaves.get(i);
    return rows(metadata(), leaf) * leaf.getRowType().getFieldCount();
  }

  /**
   * Returns how a leaf's rows can leave their backend: as Arrow (a DuckDB-based backend: a
   * DuckDB file, Parquet files), over JDBC (another backend), or not from a backend at all
   * (a leaf that is not one backend fragment an engine can send, such as a statement sent
   * whole; its rows come from the JVM).
   */
  public static EngineInput.Source transferOf(RelNode leaf) {
    if (!(leaf instanceof BackendToEnumerableConverter)
        || !(leaf.getInput(0).getConvention() instanceof BackendConvention)
        || leaf.getInput(0) instanceof BackendStatement) {
      return EngineInput.Source.JVM;
    }
    try {
      return ((BackendConvention) leaf.getInput(0).getConvention()).dataSource()
          .isWrapperFor(DuckDbDataSource.class)
          ? EngineInput.Source.BACKEND_ARROW : EngineInput.Source.BACKEND_JDBC;
    } catch (SQLException e) {
      return EngineInput.Source.BACKEND_JDBC;
    }
  }

  /**
   * Returns the key of a backend's own per-row cost ({@code <backend>.row-cpu}), or null for a
   * backend the cost model does not price.
   */
  public static @Nullable String backendRowCpuKey(SqlDialect dialect) {
    if (dialect instanceof DuckDbSqlDialect) {
      return "duckdb.row-cpu";
    }
    if (dialect instanceof PostgresqlSqlDialect) {
      return "postgres.row-cpu";
    }
    if (dialect instanceof ClickHouseSqlDialect) {
      return "clickhouse.row-cpu";
    }
    return null;
  }
}
