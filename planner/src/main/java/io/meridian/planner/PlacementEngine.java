package io.meridian.planner;

import io.meridian.adapter.duckdb.DuckDbDataSource;
import io.meridian.adapter.duckdb.DuckDbSqlDialect;
import io.meridian.adapter.jdbc.BackendConvention;
import io.meridian.cost.EngineCoefficients;
import io.meridian.planner.engine.DuckDbEngine;
import io.meridian.planner.engine.EngineColumn;
import io.meridian.planner.engine.EngineInput;
import io.meridian.planner.engine.KeyReduction;
import io.meridian.planner.rel.BackendStatement;
import io.meridian.planner.rel.BackendToEnumerableConverter;
import io.meridian.planner.rel.EngineExecution;
import io.meridian.planner.rel.EngineSql;

import com.google.common.collect.ImmutableList;

import org.apache.calcite.adapter.enumerable.EnumerableBatchNestedLoopJoin;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
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
import org.apache.calcite.rel.core.SetOp;
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
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.rex.RexCorrelVariable;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexOver;
import org.apache.calcite.rex.RexSubQuery;
import org.apache.calcite.rex.RexVisitorImpl;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The last planning phase: decides where the part of a plan that no single backend can run
 * goes. After cost-based planning, everything a backend can run is inside a backend fragment;
 * what remains (joins, aggregates, sorts over fragments of different backends) would run in
 * the JVM. For each maximal such subplan, this phase compares by the cost model the JVM against
 * the embedded DuckDB engine (the fragments' rows shipped as Arrow, the subplan run as one
 * DuckDB statement), and moves it to DuckDB when that is cheaper, DuckDB accepts the statement,
 * and the session's {@link Placement} allows it.
 *
 * <p>A subplan DuckDB cannot take whole (a function it lacks, a correlated or parameterised
 * expression, a type that cannot travel as Arrow) is split: its top stays in the JVM and its
 * inputs are considered again.
 */
public final class PlacementEngine {
  private static final Logger LOG = LoggerFactory.getLogger(PlacementEngine.class);
  private final Placement placement;
  private final double jvmRow;
  private final double engineRow;
  private final double engineFixed;
  private final double arrowValue;
  private final double jdbcValue;
  private final double jdbcArrowValue;
  private final boolean reduce;
  private final EngineCoefficients coefficients;

  private PlacementEngine(Placement placement, boolean reduce,
      EngineCoefficients coefficients) {
    this.placement = placement;
    this.reduce = reduce;
    this.coefficients = coefficients;
    this.jvmRow = coefficients.get("enumerable.row-cpu");
    this.engineRow = coefficients.get("duckdb-engine.row-cpu");
    this.engineFixed = coefficients.get("duckdb-engine.fixed");
    this.arrowValue = coefficients.get("transfer.arrow.value");
    this.jdbcValue = coefficients.get("transfer.jdbc.value");
    this.jdbcArrowValue = coefficients.get("transfer.jdbc-arrow.value");
  }

  /**
   * How a leaf's rows reach the engine: from its backend as Arrow (a DuckDB-based backend),
   * from its backend over JDBC, or from the JVM (a leaf that is not one backend fragment the
   * engine can send, such as a statement sent whole). Costing and {@link #backendInput} both
   * classify by this.
   */
  private static EngineInput.Source transferOf(RelNode leaf) {
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
   * Returns the plan with subplans moved to the engines chosen for them.
   *
   * @param reduce whether the engine's inputs may be narrowed by each other's join keys
   *     ({@link SemiJoinReducer}); the {@code reduction} connection property turns it off
   */
  public static RelNode place(RelNode plan, Placement placement, boolean reduce,
      EngineCoefficients coefficients) {
    if (placement == Placement.JVM) {
      return plan;
    }
    return new PlacementEngine(placement, reduce, coefficients).visit(plan);
  }

  private RelNode visit(RelNode node) {
    if (isEngineOperator(node)) {
      RelNode placed = tryEngine(node);
      if (placed != null) {
        return placed;
      }
    }
    List<RelNode> inputs = new ArrayList<>();
    boolean changed = false;
    for (RelNode input : node.getInputs()) {
      RelNode visited = visit(input);
      inputs.add(visited);
      changed |= visited != input;
    }
    return changed ? node.copy(node.getTraitSet(), inputs) : node;
  }

  /** The subplan rooted at {@code top} in DuckDB, or null if it stays in the JVM. */
  private @Nullable RelNode tryEngine(RelNode top) {
    List<RelNode> leaves = new ArrayList<>();
    boolean[] work = new boolean[1];
    collectLeaves(top, leaves, work);
    if (!work[0] || leaves.isEmpty()) {
      return null;
    }
    List<List<EngineColumn>> inputColumns = new ArrayList<>();
    for (RelNode leaf : leaves) {
      List<EngineColumn> columns = EngineColumn.of(leaf.getRowType().getFieldList());
      if (columns == null) {
        LOG.debug("stays in the JVM: an input's type cannot be shipped: {}", leaf.getRowType());
        return null;
      }
      inputColumns.add(columns);
    }
    List<EngineColumn> outputColumns = EngineColumn.of(top.getRowType().getFieldList());
    if (outputColumns == null) {
      return null;
    }
    RelMetadataQuery mq = top.getCluster().getMetadataQuery();
    // Both ways pay for the rows the operators take in, and for reading the inputs' values
    // (rows times columns): into the JVM through JDBC, into the engine as Arrow (from a
    // DuckDB-based backend, or from the JVM) or from a JDBC result straight into Arrow.
    double rowsIn = rowsIn(top, mq);
    double jvm = rowsIn * jvmRow;
    double engine = engineFixed + rowsIn * engineRow;
    for (RelNode leaf : leaves) {
      double values = rows(mq, leaf) * leaf.getRowType().getFieldCount();
      switch (transferOf(leaf)) {
      case BACKEND_ARROW:
        jvm += values * jdbcValue;
        engine += values * arrowValue;
        break;
      case BACKEND_JDBC:
        jvm += values * jdbcValue;
        engine += values * jdbcArrowValue;
        break;
      default:
        engine += values * arrowValue;
      }
    }
    String decision;
    if (placement == Placement.DUCKDB) {
      decision = String.format(Locale.ROOT, "forced (placement=duckdb; cost duckdb %.3g,"
          + " jvm %.3g)", engine, jvm);
    } else if (engine < jvm) {
      decision = String.format(Locale.ROOT, "cost duckdb %.3g < jvm %.3g", engine, jvm);
    } else {
      LOG.debug("stays in the JVM by cost: duckdb {} >= jvm {}", engine, jvm);
      return null;
    }
    Map<RelNode, Integer> leafIndex = new IdentityHashMap<>();
    for (int i = 0; i < leaves.size(); i++) {
      leafIndex.put(leaves.get(i), i);
    }
    // The orders the JVM plan above may rely on (a merge join's input). Where there are
    // several (the output of a merge join is ordered by either side's keys, which are equal),
    // the first is the ORDER BY.
    List<RelCollation> collations =
        top.getTraitSet().getTraits(RelCollationTraitDef.INSTANCE);
    RelCollation collation = collations == null || collations.isEmpty()
        ? RelCollations.EMPTY : collations.get(0);
    String sql;
    try {
      RelNode logical = toLogical(top, leafIndex, false);
      if (!collation.getFieldCollations().isEmpty()
          && !(logical instanceof Sort && ((Sort) logical).getCollation().equals(collation))) {
        // The JVM plan above relies on this order (a merge join): DuckDB must deliver it.
        logical = LogicalSort.create(logical, collation, null, null);
      }
      sql = EngineSql.write(logical, DuckDbSqlDialect.DEFAULT);
      if (sql == null) {
        // Only the JVM binds parameters (portable() keeps them out; this is the backstop).
        return null;
      }
      int columns = DuckDbEngine.shared().check(sql, inputColumns);
      if (columns != outputColumns.size()) {
        LOG.debug("stays in the JVM: DuckDB returns {} columns, the plan {}", columns,
            outputColumns.size());
        return null;
      }
    } catch (SQLException | RuntimeException | AssertionError e) {
      LOG.debug("stays in the JVM: DuckDB cannot take the subplan: {}", e.getMessage());
      return null;
    }
    List<EngineInput> specs = new ArrayList<>();
    List<RelNode> inputs = new ArrayList<>();
    for (int i = 0; i < leaves.size(); i++) {
      RelNode leaf = leaves.get(i);
      EngineInput spec = backendInput(leaf, i, inputColumns.get(i));
      if (spec == null) {
        RelNode visited = visit(leaf);
        spec = new EngineInput(EngineInput.Source.JVM, "", null,
            leaf.getRowType().getFieldNames(), inputColumns.get(i), false, visited.getId(), -1);
        leaf = visited;
      }
      specs.add(spec);
      inputs.add(leaf);
    }
    List<KeyReduction> reductions = reduce
        ? SemiJoinReducer.plan(top, leafIndex, leaves, specs, coefficients) : List.of();
    readOnce(leaves, specs, reductions);
    DuckDbEngine.Plan plan = new DuckDbEngine.Plan(sql, specs, reductions,
        readOrder(specs, reductions), outputColumns);
    return new EngineExecution(top.getCluster(),
        top.getCluster().traitSetOf(EnumerableConvention.INSTANCE)
            .replaceIfs(RelCollationTraitDef.INSTANCE,
                () -> collations == null ? List.of() : collations),
        top.getRowType(), "duckdb", plan, inputs, rows(mq, top), rowsIn, decision);
  }

  /**
   * How a fragment reaches the engine when the engine can send its statement itself: as Arrow
   * from a DuckDB-based backend (a DuckDB file, Parquet files), over JDBC from another; or null
   * if the fragment is not one statement the engine can send (its rows then come from the
   * JVM). An order the fragment was given only for the JVM's merge joins is dropped.
   */
  private static @Nullable EngineInput backendInput(RelNode leaf, int input,
      List<EngineColumn> columns) {
    EngineInput.Source source = transferOf(leaf);
    if (source == EngineInput.Source.JVM) {
      return null;
    }
    BackendConvention convention = (BackendConvention) leaf.getInput(0).getConvention();
    try {
      RelNode fragment = leaf.getInput(0);
      if (fragment instanceof Sort && ((Sort) fragment).fetch == null
          && ((Sort) fragment).offset == null) {
        fragment = fragment.getInput(0);
      }
      String fragmentSql = EngineSql.write(fragment, convention.dialect);
      if (fragmentSql == null) {
        return null;
      }
      List<String> names = leaf.getRowType().getFieldNames();
      if (source == EngineInput.Source.BACKEND_JDBC) {
        return new EngineInput(EngineInput.Source.BACKEND_JDBC, fragmentSql, convention.dialect,
            names, columns, false, leaf.getId(), -1);
      }
      StringBuilder sql = new StringBuilder("SELECT * FROM (")
          .append(fragmentSql).append(") AS m_fragment(");
      for (int j = 0; j < names.size(); j++) {
        sql.append(j > 0 ? ", " : "")
            .append(convention.dialect.quoteIdentifier(DuckDbEngine.columnName(input, j)));
      }
      return new EngineInput(EngineInput.Source.BACKEND_ARROW, sql.append(')').toString(),
          convention.dialect, names, columns, false, leaf.getId(), -1);
    } catch (RuntimeException | AssertionError e) {
      LOG.debug("input {} is read in the JVM: {}", input, e.getMessage());
      return null;
    }
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

  private static double rows(RelMetadataQuery mq, RelNode rel) {
    Double rows = mq.getRowCount(rel);
    return rows == null ? 1 : rows;
  }

  /**
   * The rows the operators of the subplan rooted at {@code node} take in, summed over the
   * operators: what either engine processes (the subplan ends where {@link #collectLeaves}
   * ends it).
   */
  static double rowsIn(RelNode node, RelMetadataQuery mq) {
    double in = 0;
    for (RelNode input : node.getInputs()) {
      in += rows(mq, input);
      if (isEngineOperator(input)) {
        in += rowsIn(input, mq);
      }
    }
    return in;
  }

  private static void collectLeaves(RelNode node, List<RelNode> leaves, boolean[] work) {
    if (!isEngineOperator(node)) {
      leaves.add(node);
      return;
    }
    if (node instanceof Join || node instanceof Aggregate || node instanceof SetOp) {
      work[0] = true;
    }
    for (RelNode input : node.getInputs()) {
      collectLeaves(input, leaves, work);
    }
  }

  /** Whether DuckDB may run this operator of a JVM plan (given its inputs). */
  static boolean isEngineOperator(RelNode node) {
    if (node.getConvention() != EnumerableConvention.INSTANCE) {
      return false;
    }
    if (node instanceof Join) {
      Join join = (Join) node;
      return !(node instanceof EnumerableBatchNestedLoopJoin)
          && join.getVariablesSet().isEmpty() && portable(join.getCondition());
    }
    if (node instanceof Calc) {
      return ((Calc) node).getProgram().getExprList().stream().allMatch(PlacementEngine::portable);
    }
    if (node instanceof Project) {
      return ((Project) node).getProjects().stream().allMatch(PlacementEngine::portable);
    }
    if (node instanceof Filter) {
      return portable(((Filter) node).getCondition());
    }
    return node instanceof Aggregate || node instanceof Sort || node instanceof EnumerableLimit
        || node instanceof Union || node instanceof Intersect || node instanceof Minus
        || node instanceof Values;
  }

  /** An expression the engine's SQL can carry: no correlation, parameter, sub-query, window. */
  private static boolean portable(RexNode rex) {
    try {
      rex.accept(new RexVisitorImpl<Void>(true) {
        @Override public Void visitCorrelVariable(RexCorrelVariable v) {
          throw new IllegalStateException();
        }

        @Override public Void visitDynamicParam(RexDynamicParam p) {
          throw new IllegalStateException();
        }

        @Override public Void visitSubQuery(RexSubQuery s) {
          throw new IllegalStateException();
        }

        @Override public Void visitOver(RexOver over) {
          throw new IllegalStateException();
        }
      });
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  /** A logical copy of the subplan whose leaves are scans of the engine's inputs. */
  private static RelNode toLogical(RelNode node, Map<RelNode, Integer> leafIndex,
      boolean underJoin) {
    Integer leaf = leafIndex.get(node);
    RelOptCluster cluster = node.getCluster();
    if (leaf != null) {
      RelDataType rowType = inputRowType(cluster.getTypeFactory(), node.getRowType(), leaf);
      return LogicalTableScan.create(cluster, RelOptTableImpl.create(null, rowType,
          ImmutableList.of(DuckDbEngine.inputName(leaf)), Expressions.constant(null)),
          ImmutableList.of());
    }
    List<RelNode> inputs = new ArrayList<>();
    for (RelNode input : node.getInputs()) {
      inputs.add(toLogical(input, leafIndex, node instanceof Join));
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
