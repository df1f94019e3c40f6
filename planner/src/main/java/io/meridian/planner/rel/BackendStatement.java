package io.meridian.planner.rel;

import org.apache.calcite.adapter.jdbc.JdbcConvention;
import org.apache.calcite.adapter.jdbc.JdbcImplementor;
import org.apache.calcite.adapter.jdbc.JdbcRel;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.AbstractRelNode;
import org.apache.calcite.rel.RelWriter;
import org.apache.calcite.rel.rel2sql.SqlImplementor;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.parser.SqlParserPos;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A whole statement that runs in one backend as written (translated into the backend's
 * dialect, not generated from a plan): the leaf under a {@link BackendToEnumerableConverter}.
 * {@code EXPLAIN} shows the SQL sent.
 */
public final class BackendStatement extends AbstractRelNode implements JdbcRel {
  private final SqlNode statement;
  private final String sql;

  public BackendStatement(RelOptCluster cluster, RelTraitSet traits, RelDataType rowType,
      SqlNode statement) {
    super(cluster, traits);
    this.rowType = requireNonNull(rowType, "rowType");
    this.statement = requireNonNull(statement, "statement");
    this.sql = statement.toSqlString(((JdbcConvention) traits.getConvention()).dialect)
        .getSql();
  }

  /** Returns the statement in the backend's dialect. */
  public String sql() {
    return sql;
  }

  @Override protected RelDataType deriveRowType() {
    return rowType;
  }

  @Override public RelWriter explainTerms(RelWriter pw) {
    return super.explainTerms(pw).item("sql", sql.replace('\n', ' '));
  }

  @Override public JdbcImplementor.Result implement(JdbcImplementor implementor) {
    // Never asked: BackendToEnumerableConverter sends sql() itself.
    throw new UnsupportedOperationException("a backend statement is sent as written");
  }

  /**
   * An empty VALUES of a statement's row type, in the backend's convention: Calcite generates
   * the code that reads a result of that row type for it.
   */
  static final class StandIn extends org.apache.calcite.rel.core.Values implements JdbcRel {
    StandIn(RelOptCluster cluster, RelTraitSet traits, RelDataType rowType) {
      super(cluster, rowType, com.google.common.collect.ImmutableList.of(), traits);
    }

    @Override public JdbcImplementor.Result implement(JdbcImplementor implementor) {
      return implementor.implement(this);
    }
  }
}
