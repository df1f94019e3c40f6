package io.meridian.planner.rules;

import com.google.common.collect.ImmutableList;

import io.meridian.adapter.jdbc.BackendConvention;

import org.apache.calcite.adapter.jdbc.JdbcConvention;
import org.apache.calcite.adapter.jdbc.JdbcRules.JdbcTableModify;
import org.apache.calcite.plan.Convention;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.convert.ConverterRule;
import org.apache.calcite.rel.core.TableModify;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.Collection;
import javax.sql.DataSource;

/**
 * Sends an {@code INSERT}, {@code UPDATE} or {@code DELETE} to the backend that holds the target
 * table, as one statement. Replaces Calcite's {@code JdbcTableModificationRule}, which offers
 * every JDBC convention the write whatever backend the table lives in (so a write to
 * PostgreSQL whose source rows come from DuckDB could be planned as SQL sent to DuckDB).
 */
public final class TableModifyIntoBackendRule extends ConverterRule {
  private TableModifyIntoBackendRule(Config config) {
    super(config);
  }

  /** Returns the rule for one backend convention. */
  public static Collection<RelOptRule> rulesFor(JdbcConvention convention) {
    return ImmutableList.of(Config.INSTANCE
        .withConversion(TableModify.class, Convention.NONE, convention,
            "TableModifyIntoBackendRule(" + convention.getName() + ")")
        .withRuleFactory(TableModifyIntoBackendRule::new)
        .toRule(TableModifyIntoBackendRule.class));
  }

  @Override public boolean matches(RelOptRuleCall call) {
    TableModify modify = call.rel(0);
    DataSource target = modify.getTable().unwrap(DataSource.class);
    return getOutConvention() instanceof BackendConvention && target != null
        && target == ((BackendConvention) getOutConvention()).dataSource();
  }

  @Override public @Nullable RelNode convert(RelNode rel) {
    TableModify modify = (TableModify) rel;
    RelTraitSet traits = modify.getTraitSet().replace(getOutConvention());
    return new JdbcTableModify(modify.getCluster(), traits, modify.getTable(),
        modify.getCatalogReader(), convert(modify.getInput(), traits), modify.getOperation(),
        modify.getUpdateColumnList(), modify.getSourceExpressionList(), modify.isFlattened());
  }
}
