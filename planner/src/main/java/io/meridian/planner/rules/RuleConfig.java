package io.meridian.planner.rules;

import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.core.RelFactories;
import org.apache.calcite.tools.RelBuilderFactory;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * An immutable rule configuration written without an annotation processor: what Calcite's
 * {@code @Value.Immutable} configs generate, for Meridian's rules. Each {@code with} method
 * returns a new instance.
 *
 * @param relBuilderFactory how the rule builds new nodes
 * @param description the rule's unique description
 * @param operandSupplier what the rule matches
 * @param factory creates the rule from this configuration
 */
public record RuleConfig(RelBuilderFactory relBuilderFactory, @Nullable String description,
    RelRule.OperandTransform operandSupplier, Function<RuleConfig, RelOptRule> factory)
    implements RelRule.Config {

  public RuleConfig {
    requireNonNull(relBuilderFactory, "relBuilderFactory");
    requireNonNull(operandSupplier, "operandSupplier");
    requireNonNull(factory, "factory");
  }

  /** Creates a configuration with the logical builder. */
  public static RuleConfig of(String description, RelRule.OperandTransform operands,
      Function<RuleConfig, RelOptRule> factory) {
    return new RuleConfig(RelFactories.LOGICAL_BUILDER, description, operands, factory);
  }

  @Override public RelOptRule toRule() {
    return factory.apply(this);
  }

  @Override public RuleConfig withRelBuilderFactory(RelBuilderFactory newFactory) {
    return new RuleConfig(newFactory, description, operandSupplier, factory);
  }

  @Override public RuleConfig withDescription(@Nullable String newDescription) {
    return new RuleConfig(relBuilderFactory, newDescription, operandSupplier, factory);
  }

  @Override public RuleConfig withOperandSupplier(RelRule.OperandTransform transform) {
    return new RuleConfig(relBuilderFactory, description, transform, factory);
  }
}
