package io.meridian.planner.engine;

import io.meridian.adapter.duckdb.DuckDbSqlDialect;
import io.meridian.adapter.jdbc.BackendConvention;
import io.meridian.cost.EngineCoefficients;
import io.meridian.planner.rel.EngineExecution;
import io.meridian.planner.rel.EngineSql;

import com.google.common.collect.ImmutableList;

import org.apache.calcite.adapter.enumerable.EnumerableLimit;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.prepare.RelOptTableImpl;
import org.apache.calcite.rel.RelCollation;
import org.apache.calcite.rel.RelCollationTraitDef;
import org.apache.calcite.rel.RelCollations;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.Calc;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Intersect;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.Minus;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rel.core.Union;
import org.apache.calcite.rel.core.Values;
import org.apache.calcite.rel.logical.LogicalAggregate;
import org.apache.calcite.rel.logical.LogicalCalc;
import org.apache.calcite.rel.logical.LogicalFilter;
import org.apache.calcite.rel.logical.LogicalIntersect;
import org.apache.calcite.rel.logical.LogicalJoin;
import org.apache.calcite.rel.logical.LogicalMinus;
import org.apache.calcite.rel.logical.LogicalProject;
import org.apache.calcite.rel.logical.LogicalSort;
import org.apache.calcite.rel.logical.LogicalTableScan;
import org.apache.calcite.rel.logical.LogicalUnion;
import org.apache.calcite.rel.logical.LogicalValues;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.sql.SqlDialect;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The embedded DuckDB engine as a place for subplans: the subplan is written as one DuckDB
 * statement over its inputs ({@code m_in_0}, {@code m_in_1}, ...; Calcite's SQL writer in
 * DuckDB's dialect), prepared against empty tables of the inputs' types (so a function DuckDB
 * lacks keeps the subplan out), and becomes one {@link EngineExecution}; the backends' fragments
 * are shipped as Arrow ({@link DuckDbEngine} runs it), narrowed by each other's join keys where
 * that pays ({@link SemiJoinReducer}).
 */
public final class DuckDbProcessingEngine implements ProcessingEngine {
  private static final Logger LOG = LoggerFactory.getLogger(DuckDbProcessingEngine.class);

  /** The engine's name. */
  public static final String NAME = "duckdb";

  @Override public String name() {
    return NAME;
  }

  /**
   * {@code duckdb-engine.fixed} per statement, {@code duckdb-engine.row-cpu} per row the
   * operators take in, and per value read: {@code transfer.arrow.value} from a DuckDB-based
   * backend or from the JVM, {@code transfer.jdbc-arrow.value} from a JDBC result straight into
   * Arrow; or, where it is cheaper, the cost with one input pre-aggregated in its backend
   * ({@link PreAggregation}).
   */
  @Override public double cost(EngineSubplan subplan, EngineCoefficients coefficients) {
    double cost = costAsPlanned(subplan, coefficients);
    PreAggregation pre = PreAggregation.best(subplan, coefficients, cost);
    return pre == null ? cost : pre.cost();
  }

  /** The cost of the subplan with its inputs as they are. */
  private static double costAsPlanned(EngineSubplan subplan, EngineCoefficients coefficients) {
    double cost = coefficients.get("duckdb-engine.fixed")
        + subplan.rowsIn() * coefficients.get("duckdb-engine.row-cpu");
    for (int i = 0; i < subplan.leaves().size(); i++) {
      double values = subplan.values(i);
      cost += values * (EngineSubplan.transferOf(subplan.leaves().get(i))
          == EngineInput.Source.BACKEND_JDBC
          ? coefficients.get("transfer.jdbc-arrow.value")
          : coefficients.get("transfer.arrow.value"));
    }
    return cost;
  }

  @Override public @Nullable RelNode place(EngineSubplan subplan,
      EngineCoefficients coefficients, String decision, UnaryOperator<RelNode> placeInputs) {
    double costAsPlanned = costAsPlanned(subplan, coefficients);
    PreAggregation pre = PreAggregation.best(subplan, coefficients, costAsPlanned);
    if (pre != null) {
      RelNode placed = place(subplan, pre, coefficients,
          decision + "; " + pre.describe(costAsPlanned), placeInputs);
      if (placed != null) {
        return placed;
      }
    }
    return place(subplan, null, coefficients, decision, placeInputs);
  }

  private static @Nullable RelNode place(EngineSubplan subplan, @Nullable PreAggregation pre,
      EngineCoefficients coefficients, String decision, UnaryOperator<RelNode> placeInputs) {
    RelNode top = subplan.top();
    List<RelNode> leaves = subplan.leaves();
    Map<RelNode, Integer> leafIndex = subplan.leafIndex();
    List<List<EngineColumn>> inputColumns = new ArrayList<>(subplan.inputColumns());
    if (pre != null) {
      inputColumns.set(pre.input(),
          EngineColumn.of(pre.aggregated().getRowType().getFieldList()));
    }
    List<EngineColumn> outputColumns = subplan.outputColumns();
    String sql;
    try {
      sql = EngineSql.write(logicalInOrder(top, leafIndex, pre), DuckDbSqlDialect.DEFAULT);
      if (sql == null) {
        // Only the JVM binds parameters (the PlacementEngine keeps them out; this is the
        // backstop).
        return null;
      }
      int columns = DuckDbEngine.shared().check(sql, inputColumns);
      if (columns != outputColumns.size()) {
        LOG.debug("DuckDB declines: it returns {} columns, the plan {}", columns,
            outputColumns.size());
        return null;
      }
    } catch (SQLException | RuntimeException | AssertionError e) {
      LOG.debug("DuckDB declines the subplan{}: {}", pre == null ? "" : " pre-aggregated",
          e.getMessage());
      return null;
    }
    List<EngineInput> specs = new ArrayList<>();
    List<RelNode> inputs = new ArrayList<>();
    for (int i = 0; i < leaves.size(); i++) {
      RelNode leaf = leaves.get(i);
      EngineInput spec = backendInput(leaf, i, subplan.inputColumns().get(i));
      if (spec == null) {
        RelNode visited = placeInputs.apply(leaf);
        spec = new EngineInput(EngineInput.Source.JVM, "", null,
            leaf.getRowType().getFieldNames(), inputColumns.get(i), false, visited.getId(), -1);
        leaf = visited;
      }
      specs.add(spec);
      inputs.add(leaf);
    }
    // Reductions are planned over the inputs as planned, then follow the grouped input's
    // columns (a join key is always one of its grouping columns).
    List<KeyReduction> reductions = subplan.reduce()
        ? SemiJoinReducer.plan(top, leafIndex, leaves, specs, coefficients) : List.of();
    if (pre != null) {
      int i = pre.input();
      EngineInput grouped = pre.engineInput();
      if (grouped == null) {
        return null;
      }
      specs.set(i, grouped);
      inputs.set(i, pre.aggregated());
      reductions = reductions.stream().map(r -> pre.follow(r)).filter(r -> r != null).toList();
    }
    readOnce(inputs, specs, reductions);
    DuckDbEngine.Plan plan = new DuckDbEngine.Plan(sql, specs, reductions,
        readOrder(specs, reductions), outputColumns);
    return subplan.execution(NAME, DuckDbEngine.class, plan, inputs, decision,
        pre == null ? subplan.rowsIn() : subplan.rowsIn() - pre.rowsSaved());
  }

  /**
   * A logical copy of the subplan over scans of the inputs ({@link #toLogical}), sorted as the
   * JVM plan above it may rely on (a merge join's input): where the subplan's output has
   * several orders (a merge join's output is ordered by either side's keys, which are equal),
   * the first is the ORDER BY.
   */
  static RelNode logicalInOrder(RelNode top, Map<RelNode, Integer> leafIndex) {
    return logicalInOrder(top, leafIndex, null);
  }

  private static RelNode logicalInOrder(RelNode top, Map<RelNode, Integer> leafIndex,
      @Nullable PreAggregation pre) {
    List<RelCollation> collations =
        top.getTraitSet().getTraits(RelCollationTraitDef.INSTANCE);
    RelCollation collation = collations == null || collations.isEmpty()
        ? RelCollations.EMPTY : collations.get(0);
    RelNode logical = toLogical(top, leafIndex, false, pre);
    if (!collation.getFieldCollations().isEmpty()
        && !(logical instanceof Sort && ((Sort) logical).getCollation().equals(collation))) {
      logical = LogicalSort.create(logical, collation, null, null);
    }
    return logical;
  }

  /**
   * How a fragment reaches the engine when the engine can send its statement itself: as Arrow
   * from a DuckDB-based backend (a DuckDB file, Parquet files), over JDBC from another; or null
   * if the fragment is not one statement the engine can send (its rows then come from the
   * JVM). An order the fragment was given only for the JVM's merge joins is dropped.
   */
  static @Nullable EngineInput backendInput(RelNode leaf, int input,
      List<EngineColumn> columns) {
    EngineInput.Source source = EngineSubplan.transferOf(leaf);
    if (source == EngineInput.Source.JVM) {
      return null;
    }
    BackendConvention convention = (BackendConvention) leaf.getInput(0).getConvention();
    try {
      String fragmentSql = fragmentSql(leaf, convention.dialect);
      if (fragmentSql == null) {
        return null;
      }
      List<String> names = leaf.getRowType().getFieldNames();
      if (source == EngineInput.Source.BACKEND_JDBC) {
        return new EngineInput(EngineInput.Source.BACKEND_JDBC, fragmentSql, convention.dialect,
            names, columns, false, leaf.getId(), -1);
      }
      List<String> shipped = new ArrayList<>();
      for (int j = 0; j < names.size(); j++) {
        shipped.add(DuckDbEngine.columnName(input, j));
      }
      return new EngineInput(EngineInput.Source.BACKEND_ARROW,
          renamed(fragmentSql, shipped, convention.dialect), convention.dialect, names, columns,
          false, leaf.getId(), -1);
    } catch (RuntimeException | AssertionError e) {
      LOG.debug("input {} is read in the JVM: {}", input, e.getMessage());
      return null;
    }
  }

  /**
   * The SQL of the backend fragment under {@code leaf} in {@code dialect}, without an order it
   * was given only for the JVM's merge joins; null if it cannot be written.
   */
  static @Nullable String fragmentSql(RelNode leaf, SqlDialect dialect) {
    return EngineSql.write(fragment(leaf), dialect);
  }

  /**
   * The backend fragment under {@code leaf}, without an order it was given only for the JVM's
   * merge joins.
   */
  static RelNode fragment(RelNode leaf) {
    RelNode fragment = leaf.getInput(0);
    return fragment instanceof Sort && ((Sort) fragment).fetch == null
        && ((Sort) fragment).offset == null ? fragment.getInput(0) : fragment;
  }

  /**
   * A DuckDB-based backend's statement whose columns are renamed to {@code names} (as the
   * engine's input table names them, so that its Arrow result registers as that table).
   */
  static String renamed(String sql, List<String> names, SqlDialect dialect) {
    StringBuilder renamed = new StringBuilder("SELECT * FROM (").append(sql)
        .append(") AS m_fragment(");
    for (int j = 0; j < names.size(); j++) {
      renamed.append(j > 0 ? ", " : "").append(dialect.quoteIdentifier(names.get(j)));
    }
    return renamed.append(')').toString();
  }

  /**
   * Reads identical fragments once (a decorrelated sub-query repeats its outer query's
   * tables): a later one takes the rows of the first, where both run the same statement
   * narrowed by the same reductions by identical inputs.
   */
  private static void readOnce(List<RelNode> leaves, List<EngineInput> specs,
      List<KeyReduction> reductions) {
    Map<Integer, String> signatures = new HashMap<>();
    Map<String, Integer> first = new HashMap<>();
    for (int i = 0; i < leaves.size(); i++) {
      if (!specs.get(i).fromBackend()) {
        continue;
      }
      Integer same = first.putIfAbsent(signature(i, leaves, specs, reductions, signatures), i);
      if (same != null) {
        specs.set(i, specs.get(i).sameAs(same));
      }
    }
  }

  /** What determines input {@code i}'s rows: its fragment, and what narrows it, recursively. */
  private static String signature(int i, List<RelNode> leaves, List<EngineInput> specs,
      List<KeyReduction> reductions, Map<Integer, String> signatures) {
    String known = signatures.get(i);
    if (known != null) {
      return known;
    }
    StringBuilder signature = new StringBuilder();
    if (specs.get(i).fromBackend()) {
      signature.append(RelOptUtil.toString(leaves.get(i)));
    } else {
      signature.append("jvm input ").append(i);
    }
    // Reductions form no cycle, so this ends.
    reductions.stream().filter(r -> r.target() == i)
        .map(r -> "[" + r.targetColumn() + " IN " + r.sourceColumn() + " of "
            + signature(r.source(), leaves, specs, reductions, signatures) + "]")
        .sorted().forEach(signature::append);
    signatures.put(i, signature.toString());
    return signature.toString();
  }

  /** The order to read the inputs in: a reduction's source, and a repeated input's first, first. */
  private static List<Integer> readOrder(List<EngineInput> specs,
      List<KeyReduction> reductions) {
    List<Integer> order = new ArrayList<>();
    boolean[] placed = new boolean[specs.size()];
    while (order.size() < specs.size()) {
      for (int i = 0; i < specs.size(); i++) {
        int input = i;
        boolean ready = !placed[i]
            && (specs.get(i).sameAs() < 0 || placed[specs.get(i).sameAs()])
            && reductions.stream().noneMatch(r -> r.target() == input && !placed[r.source()]);
        if (ready) {
          placed[i] = true;
          order.add(i);
        }
      }
    }
    return order;
  }

  /** A logical copy of the subplan whose leaves are scans of the engine's inputs. */
  static RelNode toLogical(RelNode node, Map<RelNode, Integer> leafIndex,
      boolean underJoin, @Nullable PreAggregation pre) {
    Integer leaf = leafIndex.get(node);
    RelOptCluster cluster = node.getCluster();
    if (leaf != null) {
      return inputScan(node, leaf);
    }
    if (pre != null && node == pre.aggregate()) {
      return pre.logical(DuckDbProcessingEngine::inputScan);
    }
    List<RelNode> inputs = new ArrayList<>();
    for (RelNode input : node.getInputs()) {
      inputs.add(toLogical(input, leafIndex, node instanceof Join, pre));
    }
    if (node instanceof Join) {
      Join join = (Join) node;
      return LogicalJoin.create(inputs.get(0), inputs.get(1), ImmutableList.of(),
          join.getCondition(), Set.of(), join.getJoinType());
    }
    if (node instanceof Calc) {
      return LogicalCalc.create(inputs.get(0), ((Calc) node).getProgram());
    }
    if (node instanceof Project) {
      Project project = (Project) node;
      return LogicalProject.create(inputs.get(0), ImmutableList.of(), project.getProjects(),
          project.getRowType());
    }
    if (node instanceof Filter) {
      return LogicalFilter.create(inputs.get(0), ((Filter) node).getCondition());
    }
    if (node instanceof Aggregate) {
      Aggregate aggregate = (Aggregate) node;
      return LogicalAggregate.create(inputs.get(0), ImmutableList.of(),
          aggregate.getGroupSet(), aggregate.getGroupSets(), aggregate.getAggCallList());
    }
    if (node instanceof Sort) {
      Sort sort = (Sort) node;
      if (underJoin && sort.offset == null && sort.fetch == null) {
        // An order that only fed the JVM's merge join; DuckDB plans its own join.
        return inputs.get(0);
      }
      return LogicalSort.create(inputs.get(0), sort.getCollation(), sort.offset, sort.fetch);
    }
    if (node instanceof EnumerableLimit) {
      EnumerableLimit limit = (EnumerableLimit) node;
      return LogicalSort.create(inputs.get(0), RelCollations.EMPTY, limit.offset, limit.fetch);
    }
    if (node instanceof Union) {
      return LogicalUnion.create(inputs, ((Union) node).all);
    }
    if (node instanceof Intersect) {
      return LogicalIntersect.create(inputs, ((Intersect) node).all);
    }
    if (node instanceof Minus) {
      return LogicalMinus.create(inputs, ((Minus) node).all);
    }
    if (node instanceof Values) {
      Values values = (Values) node;
      return LogicalValues.create(cluster, values.getRowType(), values.getTuples());
    }
    throw new IllegalStateException("not an engine operator: " + node);
  }

  /** The scan of engine input {@code input}, whose rows are those of {@code leaf}. */
  private static RelNode inputScan(RelNode leaf, int input) {
    RelOptCluster cluster = leaf.getCluster();
    RelDataType rowType = inputRowType(cluster.getTypeFactory(), leaf.getRowType(), input);
    return LogicalTableScan.create(cluster, RelOptTableImpl.create(null, rowType,
        ImmutableList.of(DuckDbEngine.inputName(input)), Expressions.constant(null)),
        ImmutableList.of());
  }

  /** An input's row type with its columns named as shipped. */
  private static RelDataType inputRowType(RelDataTypeFactory typeFactory, RelDataType rowType,
      int input) {
    RelDataTypeFactory.Builder builder = typeFactory.builder();
    List<RelDataTypeField> fields = rowType.getFieldList();
    for (int j = 0; j < fields.size(); j++) {
      builder.add(DuckDbEngine.columnName(input, j), fields.get(j).getType());
    }
    return builder.build();
  }
}
