package io.meridian.adapter.jdbc;

import org.apache.calcite.adapter.jdbc.JdbcConvention;
import org.apache.calcite.adapter.jdbc.JdbcRules;
import org.apache.calcite.rel.rules.CoreRules;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.sql.SqlDialect;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The processing place of one JDBC catalog: Calcite's {@link JdbcConvention} (one instance per
 * catalog, never shared), plus the rules the planner contributes for every backend (for
 * example pushing semi-joins down). Adapters know nothing of the planner; the planner registers
 * its rule providers here once.
 */
public final class BackendConvention extends JdbcConvention {
  private static final List<Function<JdbcConvention, Collection<RelOptRule>>> PROVIDERS =
      new CopyOnWriteArrayList<>();
  private static final List<Class<? extends RelOptRule>> REPLACED = new CopyOnWriteArrayList<>();

  private final javax.sql.DataSource dataSource;

  public BackendConvention(SqlDialect dialect, Expression expression, String name,
      javax.sql.DataSource dataSource) {
    super(dialect, expression, name);
    this.dataSource = java.util.Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * Returns the data source of this catalog; a table belongs to this place exactly when it
   * unwraps to the same data source.
   */
  public javax.sql.DataSource dataSource() {
    return dataSource;
  }

  /** Adds rules that every backend convention registers, created per convention. */
  public static void addRuleProvider(Function<JdbcConvention, Collection<RelOptRule>> provider) {
    if (!PROVIDERS.contains(provider)) {
      PROVIDERS.add(provider);
    }
  }

  /** Leaves out one of Calcite's JDBC rules, which a provider replaces with its own. */
  public static void replaceCalciteRule(Class<? extends RelOptRule> ruleClass) {
    if (!REPLACED.contains(ruleClass)) {
      REPLACED.add(ruleClass);
    }
  }

  @Override public void register(RelOptPlanner planner) {
    rules().forEach(planner::addRule);
  }

  /** Returns every rule this convention contributes: Calcite's JDBC rules and the providers'. */
  public List<RelOptRule> rules() {
    List<RelOptRule> rules = new java.util.ArrayList<>();
    for (RelOptRule rule : JdbcRules.rules(this)) {
      if (!REPLACED.contains(rule.getClass())) {
        rules.add(rule);
      }
    }
    rules.add(CoreRules.FILTER_SET_OP_TRANSPOSE);
    rules.add(CoreRules.PROJECT_REMOVE);
    for (Function<JdbcConvention, Collection<RelOptRule>> provider : PROVIDERS) {
      rules.addAll(provider.apply(this));
    }
    return rules;
  }
}
