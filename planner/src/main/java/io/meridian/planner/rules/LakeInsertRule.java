package io.meridian.planner.rules;

import io.meridian.adapter.LakeWritableTable;
import io.meridian.planner.rel.EnumerableLakeInsert;

import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.plan.Convention;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.convert.ConverterRule;
import org.apache.calcite.rel.core.TableModify;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Plans an {@code INSERT} into a lake table ({@link LakeWritableTable}) as an
 * {@link EnumerableLakeInsert}, whatever the rows come from. {@code UPDATE} and {@code DELETE}
 * of lake tables are not planned (no rule matches them: the statement is refused).
 */
public final class LakeInsertRule extends ConverterRule {
  /** The rule. */
  public static final LakeInsertRule INSTANCE = Config.INSTANCE
      .withConversion(TableModify.class, Convention.NONE, EnumerableConvention.INSTANCE,
          "LakeInsertRule")
      .withRuleFactory(LakeInsertRule::new)
      .toRule(LakeInsertRule.class);

  private LakeInsertRule(Config config) {
    super(config);
  }

  @Override public boolean matches(RelOptRuleCall call) {
    TableModify modify = call.rel(0);
    return modify.getOperation() == TableModify.Operation.INSERT
        && modify.getTable().unwrap(LakeWritableTable.class) != null;
  }

  @Override public @Nullable RelNode convert(RelNode rel) {
    TableModify modify = (TableModify) rel;
    RelNode input = convert(modify.getInput(),
        modify.getInput().getTraitSet().replace(EnumerableConvention.INSTANCE));
    return new EnumerableLakeInsert(modify.getCluster(),
        modify.getTraitSet().replace(EnumerableConvention.INSTANCE), modify.getTable(),
        modify.getCatalogReader(), input);
  }
}
