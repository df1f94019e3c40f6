package io.meridian.adapter.duckdb;

import org.apache.calcite.config.NullCollation;
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

  public DuckDbSqlDialect(Context context) {
    super(context);
  }
}
