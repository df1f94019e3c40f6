package io.meridian.planner.rel;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;

import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.adapter.jdbc.JdbcImplementor;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexShuttle;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlJoin;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.parser.SqlParserPos;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes a backend fragment as SQL: Calcite's JDBC SQL writer, with semi- and anti-joins
 * written as {@code SELECT * FROM (SELECT ...) AS l WHERE [NOT] EXISTS (SELECT 1 FROM
 * (SELECT ...) AS r WHERE condition)}, each side a sub-query with its columns named.
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

  private int semiJoins;

  BackendSqlImplementor(SqlDialect dialect, JavaTypeFactory typeFactory) {
    super(dialect, typeFactory);
  }

  @Override protected Result visitAntiOrSemiJoin(Join join) {
    int n = ++semiJoins;
    String leftAlias = "m_semi_l" + n;
    String rightAlias = "m_semi_r" + n;
    SqlNode left = subQuery(visitInput(join, 0), join.getLeft(), leftAlias);
    // EXISTS ignores duplicates: a DISTINCT (an aggregate without functions, which
    // decorrelation puts on the sub-query side) is left out, so that the backend does not
    // aggregate the whole sub-query before probing it (TPC-H q4 on PostgreSQL: 8x faster).
    RelNode rightRel = join.getRight();
    RexNode joinCondition = join.getCondition();
    SqlNode right;
    if (rightRel instanceof Aggregate && ((Aggregate) rightRel).getAggCallList().isEmpty()
        && ((Aggregate) rightRel).getGroupType() == Aggregate.Group.SIMPLE) {
      Aggregate distinct = (Aggregate) rightRel;
      int leftCount = join.getLeft().getRowType().getFieldCount();
      List<Integer> keys = distinct.getGroupSet().asList();
      joinCondition = joinCondition.accept(new RexShuttle() {
        @Override public RexNode visitInputRef(RexInputRef ref) {
          int i = ref.getIndex();
          return i < leftCount ? ref
              : new RexInputRef(leftCount + keys.get(i - leftCount), ref.getType());
        }
      });
      rightRel = distinct.getInput();
      right = subQuery(visitInput(distinct, 0), rightRel, rightAlias);
    } else {
      right = subQuery(visitInput(join, 1), rightRel, rightAlias);
    }
    Context context = joinContext(
        aliasContext(ImmutableMap.of(leftAlias, join.getLeft().getRowType()), true),
        aliasContext(ImmutableMap.of(rightAlias, rightRel.getRowType()), true));
    SqlNode condition = context.toSql(null, joinCondition);
    SqlSelect exists = new SqlSelect(POS, null,
        SqlNodeList.of(SqlLiteral.createExactNumeric("1", POS)), right, condition,
        null, null, null, null, null, null, null, null);
    SqlNode where = SqlStdOperatorTable.EXISTS.createCall(POS, exists);
    if (join.getJoinType() == JoinRelType.ANTI) {
      where = SqlStdOperatorTable.NOT.createCall(POS, where);
    }
    SqlSelect select = new SqlSelect(POS, null, SqlNodeList.SINGLETON_STAR, left,
        where, null, null, null, null, null, null, null, null);
    return result(select, ImmutableList.of(Clause.FROM, Clause.WHERE), join, null);
  }

  /**
   * Returns an input as {@code (SELECT columns FROM ...) AS alias} whose columns are named
   * exactly as the input's fields (a {@code SELECT *} over a join could repeat a name).
   */
  private static SqlNode subQuery(Result result, RelNode input, String alias) {
    SqlSelect select = result.asSelect();
    SqlNodeList list = select.getSelectList();
    if (list == null || list.size() == 1 && list.get(0) instanceof SqlIdentifier
        && ((SqlIdentifier) list.get(0)).isStar()) {
      // Over a join, name each column through its side's alias; over one relation the
      // field names are its column names (the result's own alias is not in this FROM).
      boolean join = select.getFrom() instanceof SqlJoin;
      Context context = result.qualifiedContext();
      List<SqlNode> items = new ArrayList<>();
      List<RelDataTypeField> fields = input.getRowType().getFieldList();
      for (int i = 0; i < fields.size(); i++) {
        SqlIdentifier name = new SqlIdentifier(fields.get(i).getName(), POS);
        items.add(SqlStdOperatorTable.AS.createCall(POS, join ? context.field(i) : name, name));
      }
      select.setSelectList(new SqlNodeList(items, POS));
    }
    return SqlStdOperatorTable.AS.createCall(POS, select, new SqlIdentifier(alias, POS));
  }
}
