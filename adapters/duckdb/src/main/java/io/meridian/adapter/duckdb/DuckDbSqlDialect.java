package io.meridian.adapter.duckdb;

import io.meridian.adapter.jdbc.IntegerDivision;

import org.apache.calcite.config.NullCollation;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.dialect.PostgresqlSqlDialect;

/**
 * The SQL Meridian sends to DuckDB. DuckDB's grammar follows PostgreSQL's closely, and Calcite's
 * own {@code DuckDBSqlDialect} renders casts with a character set that DuckDB rejects, so this
 * dialect starts from PostgreSQL's and is corrected where DuckDB differs.
 */
public class DuckDbSqlDialect extends PostgresqlSqlDialect {
  /** The shared instance. */
  public static final DuckDbSqlDialect DEFAULT =
      new DuckDbSqlDialect(PostgresqlSqlDialect.DEFAULT_CONTEXT
          .withDatabaseProduct(DatabaseProduct.DUCKDB)
          // DuckDB sorts NULLs last in both directions, unlike PostgreSQL.
          .withNullCollation(NullCollation.LAST));

  /** Returns an identifier quoted for DuckDB ({@code "a""b"}). */
  public static String quote(String identifier) {
    return DEFAULT.quoteIdentifier(identifier);
  }

  /** Returns a DuckDB string literal ({@code 'it''s'}), for paths and messages in SQL. */
  public static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  public DuckDbSqlDialect(Context context) {
    super(context);
  }

  @Override public void unparseCall(SqlWriter writer, SqlCall call, int leftPrec,
      int rightPrec) {
    if (IntegerDivision.isIntegerDivision(call)) {
      // DuckDB's "/" of integers returns a DOUBLE; "//" truncates toward zero.
      IntegerDivision.unparse(writer, call, leftPrec, rightPrec, "//");
      return;
    }
    super.unparseCall(writer, call, leftPrec, rightPrec);
  }
}
