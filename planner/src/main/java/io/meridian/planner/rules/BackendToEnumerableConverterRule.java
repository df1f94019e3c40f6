package io.meridian.planner.rules;

import com.google.common.collect.ImmutableList;

import io.meridian.planner.rel.BackendToEnumerableConverter;

import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.jdbc.JdbcConvention;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.convert.ConverterRule;

import java.util.Collection;

/**
 * Converts a backend fragment into the JVM's enumerable convention with a
 * {@link BackendToEnumerableConverter}, whose cost is the cost of moving its rows. Replaces
 * Calcite's {@code JdbcToEnumerableConverterRule}.
 */
public final class BackendToEnumerableConverterRule extends ConverterRule {
  private BackendToEnumerableConverterRule(Config config) {
    super(config);
  }

  /** Returns the rule for one backend convention. */
  public static Collection<RelOptRule> rulesFor(JdbcConvention convention) {
    return ImmutableList.of(Config.INSTANCE
        .withConversion(RelNode.class, convention, EnumerableConvention.INSTANCE,
            "BackendToEnumerableConverterRule(" + convention.getName() + ")")
        .withRuleFactory(BackendToEnumerableConverterRule::new)
        .toRule(BackendToEnumerableConverterRule.class));
  }

  @Override public RelNode convert(RelNode rel) {
    RelTraitSet traits = rel.getTraitSet().replace(getOutTrait());
    return new BackendToEnumerableConverter(rel.getCluster(), traits, rel);
  }
}
