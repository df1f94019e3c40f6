package io.meridian.adapter.jdbc;

import org.checkerframework.checker.nullness.qual.Nullable;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * How a backend reports the row count of one of its tables from its own catalog
 * ({@code pg_class.reltuples}, {@code duckdb_tables()}, {@code system.tables}), so that no table
 * is planned with a guessed row count when the backend knows the real one.
 */
@FunctionalInterface
public interface RowCountSource {
  /** Returns the row count, or null when the backend does not know it. */
  @Nullable Double rowCount(Connection connection, String schema, String table)
      throws SQLException;
}
