package io.meridian.planner.rules;

import com.google.common.collect.ImmutableList;

import io.meridian.adapter.jdbc.BackendConvention;
import io.meridian.planner.rel.EnumerableBackendInsert;

import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.jdbc.JdbcConvention;
import org.apache.calcite.plan.Convention;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.convert.ConverterRule;
import org.apache.calcite.rel.core.TableModify;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.Collection;
import javax.sql.DataSource;

/**
 * Plans an {@code INSERT} into a backend table whose rows come from anywhere as an
 * {@link EnumerableBackendInsert}. The backend's own {@code INSERT ... SELECT}
 * ({@link TableModifyIntoBackendRule}) is cheaper and wins whenever the backend holds the source.
 */
public final class BackendInsertRule extends ConverterRule {
  private final BackendConvention target;

  private BackendInsertRule(Config config, BackendConvention target) {
    super(config);
    this.target = target;
  }

  /** Returns the rule for one backend convention. */
  public static Collection<RelOptRule> rulesFor(JdbcConvention convention) {
    if (!(convention instanceof BackendConvention)) {
      return ImmutableList.of();
    }
    BackendConvention target = (BackendConvention) convention;
    return ImmutableList.of(Config.INSTANCE
        .withConversion(TableModify.class, Convention.NONE, EnumerableConvention.INSTANCE,
            "BackendInsertRule(" + convention.getName() + ")")
        .withRuleFactory(config -> new BackendInsertRule(config, target))
        .toRule(BackendInsertRule.class));
  }

  @Override public boolean matches(RelOptRuleCall call) {
    TableModify modify = call.rel(0);
    return modify.getOperation() == TableModify.Operation.INSERT
        && modify.getTable().unwrap(DataSource.class) == target.dataSource();
  }

  @Override public @Nullable RelNode convert(RelNode rel) {
    TableModify modify = (TableModify) rel;
    RelNode input = convert(modify.getInput(),
        modify.getInput().getTraitSet().replace(EnumerableConvention.INSTANCE));
    return new EnumerableBackendInsert(modify.getCluster(),
        modify.getTraitSet().replace(EnumerableConvention.INSTANCE), modify.getTable(),
        modify.getCatalogReader(), input, target);
  }
}
