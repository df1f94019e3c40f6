package io.meridian.planner.rules;

import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.RelFactories;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlKind;

/**
 * Pulls the factors common to every branch of an OR out of it, in filters and join conditions:
 * {@code (a AND b) OR (a AND c)} becomes {@code a AND (b OR c)}. Where {@code a} is an equality
 * between two join inputs (TPC-H q19: {@code p_partkey = l_partkey} in each of three
 * branches), the join becomes an equi-join instead of a nested loop.
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
      if (pulled != null) {
        call.transformTo(filter.copy(filter.getTraitSet(), filter.getInput(), pulled));
      }
    } else if (rel instanceof Join) {
      Join join = (Join) rel;
      RexNode pulled = pull(rexBuilder, join.getCondition());
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
