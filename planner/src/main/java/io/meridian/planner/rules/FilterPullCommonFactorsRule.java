package io.meridian.planner.rules;

import org.apache.calcite.plan.RelOptPredicateList;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rel.core.RelFactories;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexSimplify;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.util.ImmutableBitSet;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pulls the factors common to every branch of an OR out of it, in filters and join conditions:
 * {@code (a AND b) OR (a AND c)} becomes {@code a AND (b OR c)}. Where {@code a} is an equality
 * between two join inputs (TPC-H q19: {@code p_partkey = l_partkey} in each of three
 * branches), the join becomes an equi-join instead of a nested loop.
 *
 * <p>It also adds what every branch implies about one column: {@code (n1.n_name = 'FRANCE' AND
 * n2.n_name = 'GERMANY') OR (n1.n_name = 'GERMANY' AND n2.n_name = 'FRANCE')} (TPC-H q7)
 * implies {@code n1.n_name IN ('FRANCE', 'GERMANY')} and the same of {@code n2.n_name}; the OR
 * stays, and the implied predicates, each on one input, are pushed to the backends that hold
 * the columns. A predicate the input already guarantees is not added again.
 */
public final class FilterPullCommonFactorsRule
    extends RelRule<RuleConfig> {

  private FilterPullCommonFactorsRule(RuleConfig config) {
    super(config);
  }

  @Override public void onMatch(RelOptRuleCall call) {
    org.apache.calcite.rel.RelNode rel = call.rel(0);
    RexBuilder rexBuilder = rel.getCluster().getRexBuilder();
    if (rel instanceof Filter) {
      Filter filter = (Filter) rel;
      RexNode pulled = pull(rexBuilder, filter.getCondition());
      if (pulled == null) {
        pulled = implied(rexBuilder, filter.getCondition(),
            call.getMetadataQuery().getPulledUpPredicates(filter.getInput()));
      }
      if (pulled != null) {
        call.transformTo(filter.copy(filter.getTraitSet(), filter.getInput(), pulled));
      }
    } else if (rel instanceof Join) {
      Join join = (Join) rel;
      RexNode pulled = pull(rexBuilder, join.getCondition());
      if (pulled == null && join.getJoinType() == JoinRelType.INNER) {
        pulled = implied(rexBuilder, join.getCondition(),
            call.getMetadataQuery().getPulledUpPredicates(join));
      }
      if (pulled != null) {
        call.transformTo(join.copy(join.getTraitSet(), pulled, join.getLeft(), join.getRight(),
            join.getJoinType(), join.isSemiJoinDone()));
      }
    }
  }

  /** Returns the condition with common factors pulled out, or null if nothing changes. */
  private static RexNode pull(RexBuilder rexBuilder, RexNode condition) {
    if (!containsOr(condition)) {
      return null; // declining quietly: nothing to factor
    }
    RexNode pulled = RexUtil.pullFactors(rexBuilder, condition);
    return pulled.equals(condition) ? null : pulled;
  }

  /**
   * Returns the condition with the single-column predicates its ORs imply added, or null if
   * there are none that {@code known} (what the input guarantees) does not already hold.
   */
  private static @Nullable RexNode implied(RexBuilder rexBuilder, RexNode condition,
      RelOptPredicateList known) {
    List<RexNode> conjuncts = RelOptUtil.conjunctions(condition);
    if (conjuncts.stream().noneMatch(c -> c.getKind() == SqlKind.OR)) {
      return null;
    }
    RexSimplify simplify = new RexSimplify(rexBuilder, RelOptPredicateList.EMPTY,
        RexUtil.EXECUTOR);
    RexSimplify withKnown = new RexSimplify(rexBuilder, known, RexUtil.EXECUTOR);
    List<RexNode> added = new ArrayList<>();
    for (RexNode conjunct : conjuncts) {
      if (conjunct.getKind() != SqlKind.OR) {
        continue;
      }
      List<Map<Integer, List<RexNode>>> branches = new ArrayList<>();
      for (RexNode branch : RelOptUtil.disjunctions(conjunct)) {
        branches.add(singleColumnPredicates(branch));
      }
      for (Integer column : branches.get(0).keySet()) {
        List<RexNode> alternatives = new ArrayList<>();
        for (Map<Integer, List<RexNode>> branch : branches) {
          List<RexNode> predicates = branch.get(column);
          if (predicates == null) {
            alternatives = null;
            break;
          }
          alternatives.add(RexUtil.composeConjunction(rexBuilder, predicates));
        }
        if (alternatives == null) {
          continue;
        }
        RexNode derived = simplify.simplifyUnknownAsFalse(
            RexUtil.composeDisjunction(rexBuilder, alternatives));
        if (derived.isAlwaysTrue() || conjuncts.contains(derived) || added.contains(derived)
            || known.pulledUpPredicates.contains(derived)
            || withKnown.simplifyUnknownAsFalse(derived).isAlwaysTrue()) {
          continue;
        }
        added.add(derived);
      }
    }
    if (added.isEmpty()) {
      return null;
    }
    List<RexNode> all = new ArrayList<>(conjuncts);
    all.addAll(added);
    return RexUtil.composeConjunction(rexBuilder, all);
  }

  /** The conjuncts of a branch that each read one column (and nothing else), by column. */
  private static Map<Integer, List<RexNode>> singleColumnPredicates(RexNode branch) {
    Map<Integer, List<RexNode>> byColumn = new LinkedHashMap<>();
    for (RexNode conjunct : RelOptUtil.conjunctions(branch)) {
      ImmutableBitSet columns = RelOptUtil.InputFinder.bits(conjunct);
      if (columns.cardinality() == 1 && RexUtil.isDeterministic(conjunct)
          && !RexUtil.containsCorrelation(conjunct)
          && RexUtil.SubQueryFinder.find(conjunct) == null) {
        byColumn.computeIfAbsent(columns.nth(0), k -> new ArrayList<>()).add(conjunct);
      }
    }
    return byColumn;
  }

  private static boolean containsOr(RexNode node) {
    if (node.getKind() == SqlKind.OR) {
      return true;
    }
    if (node.getKind() == SqlKind.AND) {
      for (RexNode operand : ((org.apache.calcite.rex.RexCall) node).getOperands()) {
        if (containsOr(operand)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Matches filters. */
  public static final RuleConfig FILTER = RuleConfig.of("FilterPullCommonFactorsRule:filter",
      b -> b.operand(Filter.class).anyInputs(), FilterPullCommonFactorsRule::new);

  /** Matches joins. */
  public static final RuleConfig JOIN = RuleConfig.of("FilterPullCommonFactorsRule:join",
      b -> b.operand(Join.class).anyInputs(), FilterPullCommonFactorsRule::new);
}
