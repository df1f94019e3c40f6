package io.meridian.adapter.postgres;

import io.meridian.adapter.jdbc.IntegerDivision;

import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.dialect.PostgresqlSqlDialect;

/** The SQL Meridian sends to PostgreSQL: Calcite's PostgreSQL dialect, completed. */
public class PostgresDialect extends PostgresqlSqlDialect {
  /** The shared instance. */
  public static final PostgresDialect DEFAULT = new PostgresDialect(DEFAULT_CONTEXT);

  public PostgresDialect(Context context) {
    super(context);
  }

  @Override public void unparseCall(SqlWriter writer, SqlCall call, int leftPrec,
      int rightPrec) {
    if (IntegerDivision.isIntegerDivision(call)) {
      // PostgreSQL's "/" of two integers truncates toward zero, as the planner means.
      IntegerDivision.unparse(writer, call, leftPrec, rightPrec, "/");
      return;
    }
    super.unparseCall(writer, call, leftPrec, rightPrec);
  }
}
