package io.meridian.adapter.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * How a backend reports the statistics of a table's columns from its own catalog
 * ({@code pg_stats}, DuckDB's {@code stats()}), for the planner's estimates of distinct values.
 */
@FunctionalInterface
public interface ColumnStatisticsSource {
  /** A backend whose catalog keeps no column statistics. */
  ColumnStatisticsSource NONE = (connection, schema, table, columns) -> Map.of();

  /**
   * Returns the statistics of the table's columns by column name; columns the backend knows
   * nothing about are absent.
   */
  Map<String, ColumnStatistics> columnStatistics(Connection connection, String schema,
      String table, List<TableStatisticsCache.ColumnInfo> columns) throws SQLException;
}
