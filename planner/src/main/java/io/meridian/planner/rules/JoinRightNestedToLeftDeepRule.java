package io.meridian.planner.rules;

import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rel.rules.JoinCommuteRule;
import org.apache.calcite.plan.volcano.RelSubset;
import org.apache.calcite.plan.hep.HepRelVertex;

/**
 * Turns an inner join whose right input is a join and whose left input is not,
 * {@code A JOIN (B JOIN C)}, into {@code (B JOIN C) JOIN A} (with a projection restoring the
 * column order). Heuristic join ordering builds such trees when it puts the smaller side on the
 * right; left-deep trees are equivalent for every backend, and some (ClickHouse) cannot run a
 * join nested on the right of another.
 */
public final class JoinRightNestedToLeftDeepRule extends RelRule<RuleConfig> {
  /** The rule's configuration. */
  public static final RuleConfig CONFIG = RuleConfig.of("JoinRightNestedToLeftDeepRule",
      b -> b.operand(Join.class).anyInputs(), JoinRightNestedToLeftDeepRule::new);

  private JoinRightNestedToLeftDeepRule(RuleConfig config) {
    super(config);
  }

  @Override public void onMatch(RelOptRuleCall call) {
    Join join = call.rel(0);
    if (join.getJoinType() != JoinRelType.INNER || isJoin(join.getLeft())
        || !isJoin(join.getRight())) {
      return; // declining quietly: not a right-nested inner join
    }
    RelNode swapped = JoinCommuteRule.swap(join, false, call.builder());
    if (swapped != null) {
      call.transformTo(swapped);
    }
  }

  private static boolean isJoin(RelNode rel) {
    RelNode r = rel;
    if (r instanceof HepRelVertex) {
      r = ((HepRelVertex) r).getCurrentRel();
    } else if (r instanceof RelSubset) {
      RelNode original = ((RelSubset) r).getOriginal();
      r = original == null ? r : original;
    }
    return r instanceof Join;
  }
}
