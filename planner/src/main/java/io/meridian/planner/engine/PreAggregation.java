package io.meridian.planner.engine;

import io.meridian.cost.EngineCoefficients;
import io.meridian.planner.rel.BackendToEnumerableConverter;
import io.meridian.planner.rel.EngineSql;

import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.jdbc.JdbcConvention;
import org.apache.calcite.adapter.jdbc.JdbcRules;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.rel.InvalidRelException;
import org.apache.calcite.rel.RelCollations;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.AggregateCall;
import org.apache.calcite.rel.core.Calc;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rel.logical.LogicalAggregate;
import org.apache.calcite.rel.logical.LogicalFilter;
import org.apache.calcite.rel.logical.LogicalJoin;
import org.apache.calcite.rel.logical.LogicalProject;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexProgram;
import org.apache.calcite.rex.RexShuttle;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlAggFunction;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.util.ImmutableBitSet;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Pre-aggregation below a join (eager aggregation): an aggregate over inner joins whose
 * aggregate functions read only one input's columns can first group that input, in its own
 * backend, by the columns the rest of the subplan uses of it (its join keys, the columns of
 * filters and of the grouping keys above), computing partial results; the aggregate above then
 * combines the partials ({@code SUM} of sums, {@code SUM0} of counts, {@code MIN} of minima,
 * {@code MAX} of maxima). Each group stands for rows that meet exactly the same rows of the
 * other inputs, so the result is the same; what moves out of the backend is one row per group
 * instead of one per row.
 *
 * <p>The DuckDB engine proposes it ({@link #best}) for the input where it pays most: the
 * values that no longer move and the input's rows its operators no longer take in, against the
 * backend's own per-row cost ({@code <backend>.row-cpu}) of grouping the input, only where the
 * statistics expect at most {@code preaggregate.max-fraction} of the input's rows as groups.
 * An input that semi-join reduction narrows is grouped only if it is read over JDBC, priced as
 * the reduction keeps it ({@link #reductionTargets}); the reduction narrows its rows before the
 * grouping ({@link EngineInput#grouping()}).
 */
public final class PreAggregation {
  private final Aggregate aggregate;
  private final int input;
  private final RelNode aggregated;
  private final Flat flat;
  private final int position;
  private final List<Integer> groupColumns;
  private final double rowsBefore;
  private final double rowsAfter;
  private final double rowsSaved;
  private final double cost;

  private PreAggregation(Aggregate aggregate, int input, RelNode aggregated, Flat flat,
      int position, List<Integer> groupColumns, double rowsBefore, double rowsAfter,
      double rowsSaved, double cost) {
    this.aggregate = aggregate;
    this.input = input;
    this.aggregated = aggregated;
    this.flat = flat;
    this.position = position;
    this.groupColumns = groupColumns;
    this.rowsBefore = rowsBefore;
    this.rowsAfter = rowsAfter;
    this.rowsSaved = rowsSaved;
    this.cost = cost;
  }

  /** Returns the aggregate whose input is pre-aggregated. */
  public Aggregate aggregate() {
    return aggregate;
  }

  /** Returns the engine input that is grouped in its backend. */
  public int input() {
    return input;
  }

  /** Returns the input as its backend groups it: a backend fragment ending in the grouping. */
  public RelNode aggregated() {
    return aggregated;
  }

  /** Returns the DuckDB engine's cost of the subplan with this pre-aggregation. */
  public double cost() {
    return cost;
  }

  /** Returns the rows the engine's operators no longer take in, by the estimates. */
  double rowsSaved() {
    return rowsSaved;
  }

  /**
   * Returns a reduction planned over the inputs as they were, over the grouped input's columns;
   * null if it names a column the grouping does not keep.
   */
  @Nullable KeyReduction follow(KeyReduction reduction) {
    int target = reduction.target() == input
        ? groupColumns.indexOf(reduction.targetColumn()) : reduction.targetColumn();
    int source = reduction.source() == input
        ? groupColumns.indexOf(reduction.sourceColumn()) : reduction.sourceColumn();
    if (target < 0 || source < 0) {
      return null;
    }
    return new KeyReduction(reduction.target(), target, reduction.source(), source,
        reduction.estimatedKeys(), reduction.targetDistinct(), reduction.maxKeys(),
        reduction.maxFraction(), reduction.batchKeys());
  }

  /**
   * Returns how the grouped input reaches the engine: its backend's statement for the rows
   * (the input's fragment, its grouping columns and the partials' arguments), which a
   * reduction may narrow, and the grouping of them; null if the statement cannot be written.
   */
  @Nullable EngineInput engineInput() {
    JdbcRules.JdbcAggregate grouping = (JdbcRules.JdbcAggregate) aggregated.getInput(0);
    RelNode project = grouping.getInput();
    SqlDialect dialect = ((JdbcConvention) project.getConvention()).dialect;
    String rows = EngineSql.write(project, dialect);
    if (rows == null) {
      return null;
    }
    EngineInput.Source source = EngineSubplan.transferOf(aggregated);
    int keys = groupColumns.size();
    List<String> rowNames = new ArrayList<>(project.getRowType().getFieldNames());
    List<String> names = new ArrayList<>(aggregated.getRowType().getFieldNames());
    if (source == EngineInput.Source.BACKEND_ARROW) {
      // Arrow columns are named as the engine's input table's.
      for (int j = 0; j < keys; j++) {
        rowNames.set(j, DuckDbEngine.columnName(input, j));
      }
      rows = DuckDbProcessingEngine.renamed(rows, rowNames, dialect);
      for (int j = 0; j < names.size(); j++) {
        names.set(j, DuckDbEngine.columnName(input, j));
      }
    }
    StringBuilder keyList = new StringBuilder();
    for (int j = 0; j < keys; j++) {
      keyList.append(j > 0 ? ", " : "").append(dialect.quoteIdentifier(rowNames.get(j)));
    }
    StringBuilder sql = new StringBuilder("SELECT ").append(keyList);
    for (int j = 0; j < grouping.getAggCallList().size(); j++) {
      AggregateCall call = grouping.getAggCallList().get(j);
      sql.append(", ").append(call.getAggregation().getName()).append('(')
          .append(call.getArgList().isEmpty() ? "*"
              : dialect.quoteIdentifier(rowNames.get(call.getArgList().get(0))))
          .append(") AS ").append(dialect.quoteIdentifier(names.get(keys + j)));
    }
    sql.append(" FROM (").append(EngineInput.ROWS).append(") AS m_grouped GROUP BY ")
        .append(keyList);
    return new EngineInput(source, rows, dialect, source == EngineInput.Source.BACKEND_ARROW
        ? aggregated.getRowType().getFieldNames() : names,
        EngineColumn.of(aggregated.getRowType().getFieldList()), false, aggregated.getId(), -1,
        sql.toString());
  }

  /** How EXPLAIN describes the decision. */
  public String describe(double costWithout) {
    return String.format(Locale.ROOT, "%s pre-aggregated in its backend by %d column(s)"
        + " (est. %.3g -> %.3g rows; duckdb without it %.3g)", DuckDbEngine.inputName(input),
        groupColumns.size(), rowsBefore, rowsAfter, costWithout);
  }

  /**
   * The cheapest pre-aggregation of one of the subplan's inputs for the DuckDB engine, if one
   * is cheaper than {@code costWithout}, the engine's cost without any; else null.
   */
  static @Nullable PreAggregation best(EngineSubplan subplan, EngineCoefficients coefficients,
      double costWithout) {
    if (!subplan.preAggregate()) {
      return null;
    }
    List<Aggregate> aggregates = new ArrayList<>();
    collectAggregates(subplan.top(), subplan.leafIndex(), aggregates);
    if (aggregates.isEmpty()) {
      return null;
    }
    Map<Integer, Double> reduced = reductionTargets(subplan, coefficients);
    PreAggregation best = null;
    for (Aggregate aggregate : aggregates) {
      if (!splittable(aggregate)) {
        continue;
      }
      Flat flat = Flat.of(aggregate.getInput(), subplan.leafIndex());
      if (flat == null || flat.leaves.size() < 2) {
        // No join below: an aggregate of one fragment is its backend's already, where it can.
        continue;
      }
      for (int p = 0; p < flat.leaves.size(); p++) {
        int input = subplan.leafIndex().get(flat.leaves.get(p));
        Double kept = reduced.get(input);
        if (kept != null
            && EngineSubplan.transferOf(flat.leaves.get(p)) != EngineInput.Source.BACKEND_JDBC) {
          continue;
        }
        PreAggregation candidate = candidate(subplan, coefficients, costWithout, aggregate,
            flat, p, kept == null ? 1 : kept);
        if (candidate != null && candidate.cost < costWithout
            && (best == null || candidate.cost < best.cost)) {
          best = candidate;
        }
      }
    }
    return best;
  }

  /**
   * The inputs that semi-join reduction will narrow, where it is on, with the share of their
   * rows the statistics expect it to keep. How many groups the kept rows form the statistics
   * cannot tell well (TPC-H q3's orders and their late-shipped lines: 6M lines in 1.5M orders
   * by the statistics, 177k lines in 159k orders after the reduction). Such an input is grouped
   * only if it is read over JDBC, where each value moved costs about eight times an Arrow
   * value, so that grouping pays even when it merges fewer rows than expected; its rows and
   * groups are then priced as the reduction keeps them.
   */
  private static Map<Integer, Double> reductionTargets(EngineSubplan subplan,
      EngineCoefficients coefficients) {
    if (!subplan.reduce()) {
      return Map.of();
    }
    List<EngineInput> inputs = new ArrayList<>();
    for (int i = 0; i < subplan.leaves().size(); i++) {
      RelNode leaf = subplan.leaves().get(i);
      inputs.add(new EngineInput(EngineSubplan.transferOf(leaf), "", null,
          leaf.getRowType().getFieldNames(), subplan.inputColumns().get(i), false, leaf.getId(),
          -1));
    }
    Map<Integer, Double> targets = new java.util.HashMap<>();
    for (KeyReduction r : SemiJoinReducer.plan(subplan.top(), subplan.leafIndex(),
        subplan.leaves(), inputs, coefficients)) {
      targets.merge(r.target(), Math.min(1, r.estimatedKeys() / r.targetDistinct()), Math::min);
    }
    return targets;
  }

  private static void collectAggregates(RelNode node, Map<RelNode, Integer> leafIndex,
      List<Aggregate> aggregates) {
    if (leafIndex.containsKey(node)) {
      return;
    }
    if (node instanceof Aggregate) {
      aggregates.add((Aggregate) node);
    }
    for (RelNode input : node.getInputs()) {
      collectAggregates(input, leafIndex, aggregates);
    }
  }

  /** Whether every aggregate function of {@code aggregate} can be split into partials. */
  private static boolean splittable(Aggregate aggregate) {
    if (aggregate.getGroupType() != Aggregate.Group.SIMPLE) {
      return false;
    }
    for (AggregateCall call : aggregate.getAggCallList()) {
      if (call.isDistinct() || call.getArgList().size() > 1
          || !call.getCollation().getFieldCollations().isEmpty() || !call.rexList.isEmpty()
          || combining(call) == null) {
        return false;
      }
    }
    return true;
  }

  /** The function that combines the partial results of {@code call}, or null if none does. */
  private static @Nullable SqlAggFunction combining(AggregateCall call) {
    switch (call.getAggregation().getKind()) {
    case SUM:
      return SqlStdOperatorTable.SUM;
    case SUM0:
    case COUNT:
      return SqlStdOperatorTable.SUM0;
    case MIN:
      return SqlStdOperatorTable.MIN;
    case MAX:
      return SqlStdOperatorTable.MAX;
    default:
      return null;
    }
  }

  /** The pre-aggregation of the input at {@code position} of {@code flat}, or null. */
  private static @Nullable PreAggregation candidate(EngineSubplan subplan,
      EngineCoefficients coefficients, double costWithout, Aggregate aggregate, Flat flat,
      int position, double kept) {
    RelNode leaf = flat.leaves.get(position);
    int input = subplan.leafIndex().get(leaf);
    EngineInput.Source source = EngineSubplan.transferOf(leaf);
    if (source == EngineInput.Source.JVM) {
      return null;
    }
    RelNode fragment = DuckDbProcessingEngine.fragment(leaf);
    String rowCpuKey =
        EngineSubplan.backendRowCpuKey(((JdbcConvention) fragment.getConvention()).dialect);
    if (rowCpuKey == null) {
      return null;
    }
    int offset = flat.offsets[position];
    int width = leaf.getRowType().getFieldCount();
    ImmutableBitSet own = ImmutableBitSet.range(offset, offset + width);
    // The partials' arguments must come from this input alone. A filtered call's argument is
    // null where its filter does not hold (COUNT(*)'s is 1 where it does).
    RexBuilder rexBuilder = leaf.getCluster().getRexBuilder();
    List<@Nullable RexNode> arguments = new ArrayList<>();
    for (AggregateCall call : aggregate.getAggCallList()) {
      RexNode argument = call.getArgList().isEmpty() ? null
          : flat.exprs.get(call.getArgList().get(0));
      if (call.filterArg >= 0) {
        RexNode value = argument == null ? rexBuilder.makeExactLiteral(BigDecimal.ONE)
            : argument;
        argument = rexBuilder.makeCall(SqlStdOperatorTable.CASE,
            flat.exprs.get(call.filterArg), value, rexBuilder.makeNullLiteral(
                rexBuilder.getTypeFactory().createTypeWithNullability(value.getType(), true)));
      }
      if (argument != null && !own.contains(RelOptUtil.InputFinder.bits(argument))) {
        return null;
      }
      arguments.add(argument);
    }
    // Grouped by every column of the input that the rest of the aggregate's input uses.
    ImmutableBitSet.Builder used = ImmutableBitSet.builder();
    flat.conditions.forEach(c -> used.addAll(RelOptUtil.InputFinder.bits(c)));
    aggregate.getGroupSet().forEach(g ->
        used.addAll(RelOptUtil.InputFinder.bits(flat.exprs.get(g))));
    List<Integer> groupColumns = new ArrayList<>();
    for (int column : used.build().intersect(own)) {
      groupColumns.add(column - offset);
    }
    if (groupColumns.isEmpty()) {
      // A cross join: one group would stand for an empty input too.
      return null;
    }
    RelOptCluster cluster = leaf.getCluster();
    List<RexNode> projects = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int column : groupColumns) {
      projects.add(rexBuilder.makeInputRef(fragment, column));
      names.add(fragment.getRowType().getFieldNames().get(column));
    }
    for (RexNode argument : arguments) {
      if (argument != null) {
        projects.add(RexUtil.shift(argument, -offset));
        names.add("m_argument_" + (projects.size() - groupColumns.size() - 1));
      }
    }
    RelNode aggregated;
    RelMetadataQuery mq = subplan.metadata();
    double groups;
    try {
      JdbcRules.JdbcProject project = new JdbcRules.JdbcProject(cluster,
          cluster.traitSetOf(fragment.getConvention()), fragment, projects,
          RexUtil.createStructType(cluster.getTypeFactory(), projects, names, null));
      Double distinct = mq.getDistinctRowCount(project,
          ImmutableBitSet.range(groupColumns.size()), null);
      if (distinct == null) {
        return null;
      }
      List<AggregateCall> partials = new ArrayList<>();
      int argument = groupColumns.size();
      for (int j = 0; j < aggregate.getAggCallList().size(); j++) {
        AggregateCall call = aggregate.getAggCallList().get(j);
        List<Integer> args = arguments.get(j) == null ? List.of() : List.of(argument++);
        // A SUM0's partial is a SUM: its combination ignores a group's null.
        SqlAggFunction partial = call.getAggregation().getKind() == SqlKind.SUM0
            ? SqlStdOperatorTable.SUM : call.getAggregation();
        partials.add(AggregateCall.create(partial, false, false, false,
            List.of(), args, -1, null, RelCollations.EMPTY, groupColumns.size(), project,
            null, "m_partial_" + j));
      }
      aggregated = new BackendToEnumerableConverter(cluster,
          cluster.traitSetOf(EnumerableConvention.INSTANCE),
          new JdbcRules.JdbcAggregate(cluster, cluster.traitSetOf(fragment.getConvention()),
              project, ImmutableBitSet.range(groupColumns.size()), null, partials));
      if (EngineColumn.of(aggregated.getRowType().getFieldList()) == null) {
        return null;
      }
      groups = distinct;
    } catch (InvalidRelException | RuntimeException e) {
      return null;
    }
    double rows = EngineSubplan.rows(mq, leaf) * kept;
    // The reduction's keys are grouping columns: it keeps whole groups.
    groups = Math.max(1, Math.min(groups * kept, rows));
    if (groups > coefficients.get("preaggregate.max-fraction") * rows) {
      return null;
    }
    // Only the input's own rows are counted as saved: the operators above it shrink too, but
    // their estimates (joins of fragments whose keys' distinct counts the planner does not
    // see) are too coarse to price that by.
    double rowsSaved = rows - groups;
    double perValue = source == EngineInput.Source.BACKEND_JDBC
        ? coefficients.get("transfer.jdbc-arrow.value") : coefficients.get("transfer.arrow.value");
    int groupedWidth = aggregated.getRowType().getFieldCount();
    double saved = (rows * width - groups * groupedWidth) * perValue
        + rowsSaved * coefficients.get("duckdb-engine.row-cpu");
    double cost = costWithout - saved + rows * coefficients.get(rowCpuKey);
    return new PreAggregation(aggregate, input, aggregated, flat, position,
        List.copyOf(groupColumns), rows, groups, rowsSaved, cost);
  }

  /**
   * Returns the aggregate, rewritten over the grouped input, as a logical plan over scans of the
   * engine's inputs ({@code scan} makes input {@code i}'s scan from its row type): the inputs
   * joined, the conditions of the joins and filters applied to them, the grouping keys and the
   * partial results projected, and the partials combined.
   */
  RelNode logical(ScanFactory scan) {
    RelOptCluster cluster = aggregate.getCluster();
    RexBuilder rexBuilder = cluster.getRexBuilder();
    int[] offsets = new int[flat.leaves.size()];
    RelNode joined = null;
    int width = 0;
    for (int q = 0; q < flat.leaves.size(); q++) {
      RelNode leaf = flat.leaves.get(q);
      int leafInput = q == position ? input : flat.inputs.get(q);
      RelNode next = scan.scan(q == position ? aggregated : leaf, leafInput);
      offsets[q] = width;
      width += next.getRowType().getFieldCount();
      joined = joined == null ? next : LogicalJoin.create(joined, next, List.of(),
          rexBuilder.makeLiteral(true), Set.of(), JoinRelType.INNER);
    }
    RelNode rows = joined;
    RexShuttle remap = new RexShuttle() {
      @Override public RexNode visitInputRef(RexInputRef ref) {
        int q = flat.positionOf(ref.getIndex());
        int column = ref.getIndex() - flat.offsets[q];
        if (q == position) {
          column = groupColumns.indexOf(column);
          if (column < 0) {
            throw new IllegalStateException("a column the grouping does not keep");
          }
        }
        return new RexInputRef(offsets[q] + column, ref.getType());
      }
    };
    if (!flat.conditions.isEmpty()) {
      rows = LogicalFilter.create(rows, RexUtil.composeConjunction(rexBuilder,
          flat.conditions.stream().map(c -> c.accept(remap)).toList()));
    }
    List<RexNode> projects = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<String> aggregateNames = aggregate.getRowType().getFieldNames();
    int g = 0;
    for (int key : aggregate.getGroupSet()) {
      projects.add(flat.exprs.get(key).accept(remap));
      names.add(aggregateNames.get(g++));
    }
    int partials = offsets[position] + groupColumns.size();
    for (int j = 0; j < aggregate.getAggCallList().size(); j++) {
      projects.add(new RexInputRef(partials + j,
          aggregated.getRowType().getFieldList().get(groupColumns.size() + j).getType()));
      names.add("m_partial_" + j);
    }
    RelNode project = LogicalProject.create(rows, List.of(), projects, names, Set.of());
    int keys = aggregate.getGroupCount();
    List<AggregateCall> combined = new ArrayList<>();
    for (int j = 0; j < aggregate.getAggCallList().size(); j++) {
      AggregateCall call = aggregate.getAggCallList().get(j);
      combined.add(AggregateCall.create(combining(call), false, false, false, List.of(),
          List.of(keys + j), -1, null, RelCollations.EMPTY, keys, project, call.getType(),
          call.getName()));
    }
    return LogicalAggregate.create(project, List.of(), ImmutableBitSet.range(keys), null,
        combined);
  }

  /** Makes the logical scan of an engine input. */
  @FunctionalInterface
  interface ScanFactory {
    RelNode scan(RelNode leaf, int input);
  }

  /**
   * An aggregate's input flattened: its leaves (the engine's inputs) side by side, the
   * conditions of its joins and filters, and its columns as expressions over the leaves'
   * columns. Only inner joins, projections, filters and orders may lie between the aggregate
   * and the leaves.
   */
  private static final class Flat {
    final List<RelNode> leaves = new ArrayList<>();
    final List<Integer> inputs = new ArrayList<>();
    int[] offsets = new int[0];
    final List<RexNode> conditions = new ArrayList<>();
    List<RexNode> exprs = new ArrayList<>();

    int positionOf(int column) {
      for (int q = offsets.length - 1; q >= 0; q--) {
        if (column >= offsets[q]) {
          return q;
        }
      }
      throw new IllegalStateException("column " + column);
    }

    static @Nullable Flat of(RelNode node, Map<RelNode, Integer> leafIndex) {
      Flat flat = new Flat();
      List<RexNode> exprs = flat.visit(node, leafIndex);
      if (exprs == null) {
        return null;
      }
      flat.exprs = exprs;
      flat.offsets = new int[flat.leaves.size()];
      int width = 0;
      for (int q = 0; q < flat.leaves.size(); q++) {
        flat.offsets[q] = width;
        width += flat.leaves.get(q).getRowType().getFieldCount();
      }
      return flat;
    }

    /** The node's columns over the leaves seen so far, or null for an operator not allowed. */
    private @Nullable List<RexNode> visit(RelNode node, Map<RelNode, Integer> leafIndex) {
      Integer input = leafIndex.get(node);
      if (input != null) {
        int offset = leaves.stream().mapToInt(l -> l.getRowType().getFieldCount()).sum();
        leaves.add(node);
        inputs.add(input);
        List<RexNode> columns = new ArrayList<>();
        node.getRowType().getFieldList().forEach(f ->
            columns.add(new RexInputRef(offset + f.getIndex(), f.getType())));
        return columns;
      }
      if (node instanceof Join) {
        Join join = (Join) node;
        if (join.getJoinType() != JoinRelType.INNER) {
          return null;
        }
        List<RexNode> left = visit(join.getLeft(), leafIndex);
        List<RexNode> right = left == null ? null : visit(join.getRight(), leafIndex);
        if (right == null) {
          return null;
        }
        List<RexNode> columns = new ArrayList<>(left);
        columns.addAll(right);
        condition(join.getCondition(), columns);
        return columns;
      }
      if (node instanceof Calc) {
        List<RexNode> columns = visit(node.getInput(0), leafIndex);
        if (columns == null) {
          return null;
        }
        RexProgram program = ((Calc) node).getProgram();
        if (program.getCondition() != null) {
          condition(program.expandLocalRef(program.getCondition()), columns);
        }
        return program.getProjectList().stream()
            .map(p -> substitute(program.expandLocalRef(p), columns)).toList();
      }
      if (node instanceof Project) {
        List<RexNode> columns = visit(node.getInput(0), leafIndex);
        return columns == null ? null : ((Project) node).getProjects().stream()
            .map(p -> substitute(p, columns)).toList();
      }
      if (node instanceof Filter) {
        List<RexNode> columns = visit(node.getInput(0), leafIndex);
        if (columns != null) {
          condition(((Filter) node).getCondition(), columns);
        }
        return columns;
      }
      if (node instanceof Sort && ((Sort) node).fetch == null && ((Sort) node).offset == null) {
        return visit(node.getInput(0), leafIndex);
      }
      return null;
    }

    private void condition(RexNode condition, List<RexNode> columns) {
      if (!condition.isAlwaysTrue()) {
        conditions.add(substitute(condition, columns));
      }
    }

    private static RexNode substitute(RexNode e, List<RexNode> columns) {
      return e.accept(new RexShuttle() {
        @Override public RexNode visitInputRef(RexInputRef ref) {
          return columns.get(ref.getIndex());
        }
      });
    }
  }
}
