package io.meridian.planner.rel;

import com.google.common.collect.ImmutableList;

import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.adapter.jdbc.JdbcImplementor;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.parser.SqlParserPos;

/**
 * Writes a backend fragment as SQL: Calcite's JDBC SQL writer, with semi- and anti-joins
 * written as {@code SELECT * FROM (left) AS l WHERE [NOT] EXISTS (SELECT 1 FROM (right) AS r
 * WHERE condition)}.
 *
 * <p>Calcite's writer puts the left input's select list straight into the outer query and
 * substitutes its unqualified expressions into the {@code EXISTS} condition, so
 * {@code FROM t1 WHERE EXISTS (SELECT 1 FROM t1 AS x WHERE x.b < t1.b)} came out as
 * {@code ... WHERE "b" = "t2"."b"}: ambiguous when the sub-query has two tables with a
 * {@code b}, and silently bound to the inner table when it has one. Here each side is a
 * sub-query with an alias of its own and the condition names both aliases.
 */
final class BackendSqlImplementor extends JdbcImplementor {
  private static final SqlParserPos POS = SqlParserPos.ZERO;

  BackendSqlImplementor(SqlDialect dialect, JavaTypeFactory typeFactory) {
    super(dialect, typeFactory);
  }

  @Override protected Result visitAntiOrSemiJoin(Join join) {
    Result left = visitInput(join, 0);
    Result right = visitInput(join, 1);
    SqlNode condition = joinContext(left.qualifiedContext(), right.qualifiedContext())
        .toSql(null, join.getCondition());
    SqlSelect exists = new SqlSelect(POS, null,
        SqlNodeList.of(SqlLiteral.createExactNumeric("1", POS)), right.asFrom(), condition,
        null, null, null, null, null, null, null, null);
    SqlNode where = SqlStdOperatorTable.EXISTS.createCall(POS, exists);
    if (join.getJoinType() == JoinRelType.ANTI) {
      where = SqlStdOperatorTable.NOT.createCall(POS, where);
    }
    SqlSelect select = new SqlSelect(POS, null, SqlNodeList.SINGLETON_STAR, left.asFrom(),
        where, null, null, null, null, null, null, null, null);
    return result(select, ImmutableList.of(Clause.FROM, Clause.WHERE), join, null);
  }
}
