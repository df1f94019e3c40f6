package io.meridian.planner.engine;

import io.meridian.cost.EngineCoefficients;
import io.meridian.planner.rel.BackendToEnumerableConverter;

import org.apache.calcite.adapter.enumerable.EnumerableLimit;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.Calc;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.util.ImmutableBitSet;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Plans the semi-join reductions (dynamic filters) of a subplan placed on the DuckDB engine:
 * for each equi-join of the subplan between two inputs that backends run, the input with the
 * fewer join keys may be read first and the other's statement sent with {@code key IN (those
 * keys)}, so that its backend returns only rows the join can match ({@link KeyReduction}).
 *
 * <p>A reduction is correct when the target's rows that it removes could not have met the
 * source's rows: the join is inner or semi (or the target is the side an outer or anti join
 * does not preserve), the key reaches the join unchanged from the target (through projections,
 * filters, other joins and aggregates grouping by it, never through a limit or a set
 * operation), and the source's keys reaching the join are a subset of the values of the
 * source's column (anything but a set operation). It is proposed when the statistics expect
 * it to pay (the rows it saves moving cost more than sending the keys), and done at run time
 * only if the keys actually collected are few enough ({@link KeyReduction#worthSending}).
 */
final class SemiJoinReducer {
  /**
   * Estimated key counts are often off by this much; the check at run time has the last word.
   */
  private static final double ESTIMATE_SLACK = 4;

  private final Map<RelNode, Integer> leafIndex;
  private final List<EngineInput> inputs;
  private final List<RelNode> leaves;
  private final RelMetadataQuery mq;
  private final long maxKeys;
  private final long maxArrowKeys;
  private final double maxFraction;
  private final int batchKeys;
  private final double jdbcValue;
  private final double keyLiteral;
  private final double arrowValue;

  private SemiJoinReducer(Map<RelNode, Integer> leafIndex, List<RelNode> leaves,
      List<EngineInput> inputs, RelMetadataQuery mq, EngineCoefficients coefficients) {
    this.leafIndex = leafIndex;
    this.leaves = leaves;
    this.inputs = inputs;
    this.mq = mq;
    this.maxKeys = (long) coefficients.get("semijoin.max-keys");
    this.maxArrowKeys = (long) coefficients.get("semijoin.max-keys-arrow");
    this.maxFraction = coefficients.get("semijoin.max-fraction");
    this.batchKeys = (int) coefficients.get("semijoin.batch-keys");
    this.jdbcValue = coefficients.get("transfer.jdbc-arrow.value");
    this.keyLiteral = coefficients.get("semijoin.key-literal");
    this.arrowValue = coefficients.get("transfer.arrow.value");
  }

  /**
   * Returns the reductions for the subplan rooted at {@code top}: at most one per target column
   * (the one the statistics expect to keep the fewest rows), none forming a cycle. Several
   * reductions of one input each remove rows the join cannot use, so together they may too.
   *
   * @param leafIndex the subplan's leaves (the engine's inputs) and their numbers
   */
  static List<KeyReduction> plan(RelNode top, Map<RelNode, Integer> leafIndex,
      List<RelNode> leaves, List<EngineInput> inputs, EngineCoefficients coefficients) {
    SemiJoinReducer reducer = new SemiJoinReducer(leafIndex, leaves, inputs,
        top.getCluster().getMetadataQuery(), coefficients);
    List<int[]> edges = new ArrayList<>();
    reducer.collect(top, edges);
    List<KeyReduction> candidates = new ArrayList<>();
    for (int[] target : reducer.targets(edges)) {
      for (int[] source : sources(edges, target)) {
        reducer.consider(target, source, candidates);
      }
    }
    candidates.sort(Comparator.comparingDouble(r -> r.estimatedKeys() / r.targetDistinct()));
    List<KeyReduction> chosen = new ArrayList<>();
    for (KeyReduction candidate : candidates) {
      boolean targeted = chosen.stream().anyMatch(r -> r.target() == candidate.target()
          && r.targetColumn() == candidate.targetColumn());
      if (!targeted && !reaches(chosen, candidate.target(), candidate.source())) {
        chosen.add(candidate);
      }
    }
    return chosen;
  }

  /** Whether reading {@code to} depends, through chosen reductions, on reading {@code from}. */
  private static boolean reaches(List<KeyReduction> chosen, int from, int to) {
    if (from == to) {
      return true;
    }
    for (KeyReduction r : chosen) {
      if (r.source() == from && reaches(chosen, r.target(), to)) {
        return true;
      }
    }
    return false;
  }

  /** The distinct targets (input, column) of the edges that a backend can narrow. */
  private List<int[]> targets(List<int[]> edges) {
    List<int[]> targets = new ArrayList<>();
    for (int[] e : edges) {
      boolean seen = targets.stream().anyMatch(t -> t[0] == e[0] && t[1] == e[1]);
      if (!seen && inputs.get(e[0]).fromBackend()) {
        targets.add(new int[] {e[0], e[1]});
      }
    }
    return targets;
  }

  /**
   * The (input, column) pairs whose keys may narrow {@code target}: those an edge names, and,
   * transitively, those that may narrow them (a row of the target whose key no such source
   * holds meets only rows that are themselves useless).
   */
  private static List<int[]> sources(List<int[]> edges, int[] target) {
    List<int[]> found = new ArrayList<>();
    java.util.ArrayDeque<int[]> pending = new java.util.ArrayDeque<>();
    pending.add(target);
    while (!pending.isEmpty()) {
      int[] t = pending.poll();
      for (int[] e : edges) {
        if (e[0] != t[0] || e[1] != t[1] || e[2] == target[0]) {
          continue;
        }
        int[] source = {e[2], e[3]};
        if (found.stream().noneMatch(f -> f[0] == source[0] && f[1] == source[1])) {
          found.add(source);
          pending.add(source);
        }
      }
    }
    return found;
  }

  /**
   * Collects the edges {target input, target column, source input, source column} of the
   * subplan's equi-joins: the target's rows whose key the source does not hold are useless.
   */
  private void collect(RelNode node, List<int[]> edges) {
    if (leafIndex.containsKey(node)) {
      return;
    }
    if (node instanceof Join) {
      Join join = (Join) node;
      int leftCount = join.getLeft().getRowType().getFieldCount();
      JoinRelType type = join.getJoinType();
      boolean leftTarget = type == JoinRelType.INNER || type == JoinRelType.SEMI
          || type == JoinRelType.RIGHT;
      boolean rightTarget = type == JoinRelType.INNER || type == JoinRelType.SEMI
          || type == JoinRelType.LEFT || type == JoinRelType.ANTI;
      for (RexNode conjunct : RelOptUtil.conjunctions(join.getCondition())) {
        if (conjunct.getKind() != SqlKind.EQUALS) {
          continue;
        }
        List<RexNode> operands = ((RexCall) conjunct).getOperands();
        if (!(operands.get(0) instanceof RexInputRef)
            || !(operands.get(1) instanceof RexInputRef)) {
          continue;
        }
        int a = ((RexInputRef) operands.get(0)).getIndex();
        int b = ((RexInputRef) operands.get(1)).getIndex();
        if ((a < leftCount) == (b < leftCount)) {
          continue;
        }
        int left = Math.min(a, b);
        int right = Math.max(a, b) - leftCount;
        if (leftTarget) {
          edge(trace(join.getLeft(), left, true), trace(join.getRight(), right, false), edges);
        }
        if (rightTarget) {
          edge(trace(join.getRight(), right, true), trace(join.getLeft(), left, false), edges);
        }
      }
    }
    for (RelNode input : node.getInputs()) {
      collect(input, edges);
    }
  }

  private static void edge(int @Nullable [] target, int @Nullable [] source,
      List<int[]> edges) {
    if (target != null && source != null && target[0] != source[0]) {
      edges.add(new int[] {target[0], target[1], source[0], source[1]});
    }
  }

  /** Adds the reduction of {@code target} by {@code source} if it is possible and pays. */
  private void consider(int[] target, int[] source, List<KeyReduction> candidates) {
    EngineInput in = inputs.get(target[0]);
    EngineColumn targetColumn = in.columns().get(target[1]);
    EngineColumn sourceColumn = inputs.get(source[0]).columns().get(source[1]);
    if (!KeyReduction.compatible(sourceColumn, targetColumn)) {
      return;
    }
    RelNode targetLeaf = leaves.get(target[0]);
    RelNode sourceLeaf = leaves.get(source[0]);
    double targetRows = rows(targetLeaf);
    double targetDistinct = distinct(targetLeaf, target[1], targetRows);
    double keys = distinct(sourceLeaf, source[1], rows(sourceLeaf));
    long limit = in.source() == EngineInput.Source.BACKEND_ARROW ? maxArrowKeys : maxKeys;
    if (keys > limit * ESTIMATE_SLACK || keys > maxFraction * targetDistinct) {
      return;
    }
    double kept = targetRows * Math.min(1, keys / targetDistinct);
    boolean arrow = in.source() == EngineInput.Source.BACKEND_ARROW;
    double perValue = arrow ? arrowValue : jdbcValue;
    // A key sent as Arrow costs about what a value moved over JDBC does; one written into a
    // statement as a literal, which the backend parses, costs semijoin.key-literal.
    if ((targetRows - kept) * in.columns().size() * perValue
        <= keys * (arrow ? jdbcValue : keyLiteral)) {
      return;
    }
    candidates.add(new KeyReduction(target[0], target[1], source[0], source[1], keys,
        targetDistinct, limit, maxFraction, batchKeys));
  }

  private double rows(RelNode rel) {
    Double rows = mq.getRowCount(rel);
    return rows == null ? 1 : Math.max(1, rows);
  }

  private double distinct(RelNode rel, int column, double rows) {
    // A fragment's converter keeps its columns; the statistics are the fragment's.
    RelNode fragment = rel instanceof BackendToEnumerableConverter ? rel.getInput(0) : rel;
    Double distinct = mq.getDistinctRowCount(fragment, ImmutableBitSet.of(column), null);
    return distinct == null ? rows : Math.max(1, Math.min(distinct, rows));
  }

  /**
   * Follows column {@code column} of {@code node} down to the engine input it comes from
   * unchanged: returns {input, column}, or null. For a target ({@code target}), no operator on
   * the way may drop rows by position (a limit).
   */
  private int @Nullable [] trace(RelNode node, int column, boolean target) {
    Integer leaf = leafIndex.get(node);
    if (leaf != null) {
      return new int[] {leaf, column};
    }
    if (node instanceof Project) {
      RexNode e = ((Project) node).getProjects().get(column);
      return e instanceof RexInputRef
          ? trace(node.getInput(0), ((RexInputRef) e).getIndex(), target) : null;
    }
    if (node instanceof Calc) {
      Calc calc = (Calc) node;
      RexNode e = calc.getProgram().expandLocalRef(calc.getProgram().getProjectList()
          .get(column));
      return e instanceof RexInputRef
          ? trace(node.getInput(0), ((RexInputRef) e).getIndex(), target) : null;
    }
    if (node instanceof Filter) {
      return trace(node.getInput(0), column, target);
    }
    if (node instanceof Sort || node instanceof EnumerableLimit) {
      boolean limits = node instanceof EnumerableLimit
          || ((Sort) node).fetch != null || ((Sort) node).offset != null;
      return limits && target ? null : trace(node.getInput(0), column, target);
    }
    if (node instanceof Join) {
      Join join = (Join) node;
      int leftCount = join.getLeft().getRowType().getFieldCount();
      return column < leftCount ? trace(join.getLeft(), column, target)
          : trace(join.getRight(), column - leftCount, target);
    }
    if (node instanceof Aggregate) {
      Aggregate aggregate = (Aggregate) node;
      if (aggregate.getGroupType() != Aggregate.Group.SIMPLE
          || column >= aggregate.getGroupCount()) {
        return null;
      }
      return trace(node.getInput(0), aggregate.getGroupSet().nth(column), target);
    }
    return null;
  }
}
