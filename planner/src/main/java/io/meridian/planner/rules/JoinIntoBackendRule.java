package io.meridian.planner.rules;

import com.google.common.collect.ImmutableList;

import org.apache.calcite.adapter.jdbc.JdbcConvention;
import org.apache.calcite.adapter.jdbc.JdbcRules.JdbcJoin;
import org.apache.calcite.plan.Convention;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.rel.InvalidRelException;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.convert.ConverterRule;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexOver;
import org.apache.calcite.rex.RexSubQuery;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.rex.RexVisitorImpl;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.validate.SqlUserDefinedFunction;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Pushes a join into the backend that holds both of its inputs, where Calcite's own JDBC join
 * rule declines: semi- and anti-joins (from {@code EXISTS}, {@code IN}, {@code NOT EXISTS}
 * sub-queries; rendered as {@code EXISTS} in the backend's SQL) and join conditions with
 * arithmetic, ranges, {@code LIKE} or functions the backend's dialect supports (TPC-H q17's
 * {@code l_quantity < 0.2 * avg}, q19's OR of ranges). Declines quietly for conditions with
 * sub-queries, window functions or user-defined functions.
 */
public final class JoinIntoBackendRule extends ConverterRule {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(JoinIntoBackendRule.class);
  private JoinIntoBackendRule(Config config) {
    super(config);
  }

  /** Returns the rules for one backend convention (registered by each convention). */
  public static Collection<RelOptRule> rulesFor(JdbcConvention convention) {
    return ImmutableList.of(Config.INSTANCE
        .withConversion(Join.class, Convention.NONE, convention,
            "JoinIntoBackendRule(" + convention.getName() + ")")
        .withRuleFactory(JoinIntoBackendRule::new)
        .toRule(JoinIntoBackendRule.class));
  }

  @Override public boolean matches(RelOptRuleCall call) {
    Join join = call.rel(0);
    JoinRelType type = join.getJoinType();
    SqlDialect dialect = ((JdbcConvention) getOutConvention()).dialect;
    return type == JoinRelType.SEMI || type == JoinRelType.ANTI
        || dialect.supportsJoinType(type);
  }

  @Override public @Nullable RelNode convert(RelNode rel) {
    Join join = (Join) rel;
    SqlDialect dialect = ((JdbcConvention) getOutConvention()).dialect;
    if (!canRender(join.getCondition(), dialect)) {
      LOG.debug("not pushing join into {}: condition {} cannot be rendered", getOutConvention(),
          join.getCondition());
      return null;
    }
    List<RelNode> inputs = new ArrayList<>();
    for (RelNode input : join.getInputs()) {
      inputs.add(convert(input, input.getTraitSet().replace(getOutConvention())));
    }
    try {
      return new JdbcJoin(join.getCluster(), join.getTraitSet().replace(getOutConvention()),
          inputs.get(0), inputs.get(1), join.getCondition(), join.getVariablesSet(),
          join.getJoinType());
    } catch (InvalidRelException e) {
      LOG.debug("not pushing join into {}: {}", getOutConvention(), e.getMessage());
      return null;
    }
  }

  /** Whether the backend's SQL can express a condition. */
  static boolean canRender(RexNode condition, SqlDialect dialect) {
    if (RexUtil.containsCorrelation(condition)) {
      return false;
    }
    Boolean[] ok = {true};
    condition.accept(new RexVisitorImpl<Void>(true) {
      @Override public Void visitCall(RexCall call) {
        if (call instanceof RexOver || call.getOperator() instanceof SqlUserDefinedFunction) {
          ok[0] = false;
          return null;
        }
        return super.visitCall(call);
      }

      @Override public Void visitSubQuery(RexSubQuery subQuery) {
        ok[0] = false;
        return null;
      }
    });
    return ok[0];
  }
}
