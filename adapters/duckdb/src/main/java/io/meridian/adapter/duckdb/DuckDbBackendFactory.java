package io.meridian.adapter.duckdb;

import io.meridian.adapter.CatalogConfigException;
import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.StorageBackend;
import io.meridian.adapter.StorageBackendFactory;
import io.meridian.adapter.jdbc.CatalogDataSource;
import io.meridian.adapter.jdbc.ColumnStatistics;
import io.meridian.adapter.jdbc.ColumnStatisticsSource;
import io.meridian.adapter.jdbc.JdbcBackend;
import io.meridian.adapter.jdbc.RowCountSource;
import io.meridian.adapter.jdbc.RowCountSources;

import org.duckdb.DuckDBStruct;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Locale;

/**
 * Serves an embedded DuckDB database file as a catalog. Fields: {@code path} (the database
 * file; created if missing), {@code read-only} ({@code true}/{@code false}, default false).
 * The file's schemas become Meridian schemas; DuckDB's system schemas are hidden.
 */
public final class DuckDbBackendFactory implements StorageBackendFactory {
  /**
   * Row counts of base tables from {@code duckdb_tables()}; views (for example over Parquet
   * files, whose footers hold the count) are counted exactly, within ten seconds.
   */
  public static final RowCountSource ROW_COUNTS = RowCountSources.firstOf(
      RowCountSources.catalogQuery("SELECT estimated_size FROM duckdb_tables()"
          + " WHERE schema_name = ? AND table_name = ?"),
      (connection, schema, table) ->
          RowCountSources.exactCount(connection, schema, table, "\"", 10));

  /**
   * Column statistics from DuckDB's own: {@code stats(column)} of each column (approximate
   * distinct count, whether NULLs occur, min, max), one statement per table that reads a
   * single row.
   */
  public static final ColumnStatisticsSource COLUMN_STATISTICS =
      (connection, schema, table, columns) -> {
        if (columns.isEmpty()) {
          return Map.of();
        }
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < columns.size(); i++) {
          sql.append(i == 0 ? "" : ", ").append("stats(")
              .append(DuckDbSqlDialect.DEFAULT.quoteIdentifier(columns.get(i).name()))
              .append(')');
        }
        sql.append(" FROM ").append(DuckDbSqlDialect.DEFAULT.quoteIdentifier(schema))
            .append('.').append(DuckDbSqlDialect.DEFAULT.quoteIdentifier(table))
            .append(" LIMIT 1");
        Map<String, ColumnStatistics> result = new HashMap<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery(sql.toString())) {
          if (!rs.next()) {
            return Map.of();
          }
          for (int i = 0; i < columns.size(); i++) {
            Object value = rs.getObject(i + 1);
            if (value instanceof DuckDBStruct) {
              Map<String, Object> stats = ((DuckDBStruct) value).getMap();
              Object unique = stats.get("approx_unique");
              Object hasNull = stats.get("has_null");
              result.put(columns.get(i).name(), new ColumnStatistics(
                  unique instanceof Number ? ((Number) unique).doubleValue() : null,
                  Boolean.FALSE.equals(hasNull) ? Double.valueOf(0) : null,
                  stats.get("min") == null ? null : String.valueOf(stats.get("min")),
                  stats.get("max") == null ? null : String.valueOf(stats.get("max"))));
            }
          }
        }
        return result;
      };

  @Override public String type() {
    return "duckdb";
  }

  @Override public StorageBackend create(CatalogSpec spec) {
    String path = spec.require("path");
    boolean readOnly = booleanField(spec, "read-only");
    DuckDbDataSource duckdb = new DuckDbDataSource(path, readOnly, List.of());
    return new JdbcBackend(spec,
        new CatalogDataSource(spec.name(), spec.type(), duckdb, null),
        DuckDbSqlDialect.DEFAULT, databaseName(path), DuckDbBackendFactory::isUserSchema,
        ROW_COUNTS, COLUMN_STATISTICS, "SELECT 1",
        new io.meridian.adapter.jdbc.BackendDdl(DuckDbSqlDialect.DEFAULT));
  }

  /** Returns the name DuckDB gives the database of a file: the file name without extension. */
  static String databaseName(String path) {
    String file = Path.of(path).getFileName().toString();
    int dot = file.indexOf('.');
    return dot > 0 ? file.substring(0, dot) : file;
  }

  static boolean booleanField(CatalogSpec spec, String field) {
    String value = spec.optional(field).orElse("false").trim().toLowerCase(Locale.ROOT);
    switch (value) {
    case "true":
      return true;
    case "false":
      return false;
    default:
      throw new CatalogConfigException(spec.name(), field, "must be true or false");
    }
  }

  /** Whether a DuckDB schema is the user's (not one of DuckDB's own). */
  public static boolean isUserSchema(String schema) {
    String s = schema.toLowerCase(Locale.ROOT);
    return !(s.equals("information_schema") || s.equals("pg_catalog"));
  }
}
