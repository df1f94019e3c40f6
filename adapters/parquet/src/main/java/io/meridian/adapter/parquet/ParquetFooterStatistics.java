package io.meridian.adapter.parquet;

import io.meridian.adapter.jdbc.ColumnStatistics;
import io.meridian.adapter.jdbc.ColumnStatisticsSource;
import io.meridian.adapter.jdbc.TableStatisticsCache.ColumnInfo;

import org.checkerframework.checker.nullness.qual.Nullable;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Column statistics of a Parquet table from its files' footers, read with DuckDB's
 * {@code parquet_metadata()} (one row per row group and column): the smallest and largest
 * value over all row groups, the fraction of NULLs, and the number of distinct values where
 * every row group's footer records one (DuckDB's writer does for dictionary-encoded columns).
 * Distinct counts of row groups whose value ranges all overlap are combined as their maximum,
 * otherwise as their sum (a sorted column), capped by the rows. Hive partition columns have no
 * footer statistics.
 */
final class ParquetFooterStatistics implements ColumnStatisticsSource {
  private final Path root;

  ParquetFooterStatistics(Path root) {
    this.root = root;
  }

  @Override public Map<String, ColumnStatistics> columnStatistics(Connection connection,
      String schema, String table, List<ColumnInfo> columns) throws SQLException {
    Path folder = root.resolve(schema).resolve(table);
    String glob = Files.isDirectory(folder)
        ? new ParquetLayout.TableLocation(schema, table, folder, true).glob()
        : root.resolve(schema).resolve(table + ".parquet").toString();
    Map<String, ColumnInfo> byName = new HashMap<>();
    for (ColumnInfo c : columns) {
      byName.put(c.name(), c);
    }
    Map<String, List<RowGroup>> groups = new HashMap<>();
    try (PreparedStatement s = connection.prepareStatement("SELECT path_in_schema,"
        + " stats_min_value, stats_max_value, stats_null_count, row_group_num_rows,"
        + " stats_distinct_count FROM parquet_metadata(?)")) {
      s.setString(1, glob);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          ColumnInfo column = byName.get(rs.getString(1));
          if (column != null) {
            groups.computeIfAbsent(column.name(), k -> new ArrayList<>()).add(new RowGroup(
                value(column, rs.getString(2)), value(column, rs.getString(3)),
                (Long) rs.getObject(4, Long.class), rs.getLong(5),
                (Long) rs.getObject(6, Long.class)));
          }
        }
      }
    }
    Map<String, ColumnStatistics> result = new HashMap<>();
    groups.forEach((name, list) -> result.put(name, combine(list)));
    return result;
  }

  /** One row group's footer statistics of a column; bounds are null where not recorded. */
  record RowGroup(@Nullable Comparable<Object> min, @Nullable Comparable<Object> max,
      @Nullable Long nulls, long rows, @Nullable Long distinct) {
  }

  static ColumnStatistics combine(List<RowGroup> groups) {
    Comparable<Object> min = null;
    Comparable<Object> max = null;
    Comparable<Object> lowestMax = null;
    Comparable<Object> highestMin = null;
    boolean bounded = true;
    boolean nullsKnown = true;
    boolean distinctKnown = true;
    long rows = 0;
    long nulls = 0;
    long maxDistinct = 0;
    long sumDistinct = 0;
    for (RowGroup g : groups) {
      rows += g.rows();
      if (g.min() == null || g.max() == null) {
        bounded = false;
      } else {
        min = min == null || g.min().compareTo(min) < 0 ? g.min() : min;
        max = max == null || g.max().compareTo(max) > 0 ? g.max() : max;
        highestMin = highestMin == null || g.min().compareTo(highestMin) > 0 ? g.min()
            : highestMin;
        lowestMax = lowestMax == null || g.max().compareTo(lowestMax) < 0 ? g.max() : lowestMax;
      }
      if (g.nulls() == null) {
        nullsKnown = false;
      } else {
        nulls += g.nulls();
      }
      if (g.distinct() == null) {
        distinctKnown = false;
      } else {
        maxDistinct = Math.max(maxDistinct, g.distinct());
        sumDistinct += g.distinct();
      }
    }
    Double distinct = null;
    if (distinctKnown && !groups.isEmpty()) {
      boolean overlapping = bounded && highestMin != null && highestMin.compareTo(lowestMax) <= 0;
      distinct = (double) Math.min(rows, overlapping ? maxDistinct : sumDistinct);
    }
    return new ColumnStatistics(distinct,
        nullsKnown && rows > 0 ? Double.valueOf((double) nulls / rows) : null,
        bounded && min != null ? min.toString() : null,
        bounded && max != null ? max.toString() : null);
  }

  /**
   * Returns a footer bound as a comparable value of the column's type (numbers as decimals,
   * dates and timestamps as their ISO text, which orders correctly), or null when absent.
   */
  @SuppressWarnings("unchecked")
  private static @Nullable Comparable<Object> value(ColumnInfo column, @Nullable String text) {
    if (text == null) {
      return null;
    }
    switch (column.dataType()) {
    case Types.TINYINT:
    case Types.SMALLINT:
    case Types.INTEGER:
    case Types.BIGINT:
    case Types.DECIMAL:
    case Types.NUMERIC:
    case Types.REAL:
    case Types.FLOAT:
    case Types.DOUBLE:
      try {
        return (Comparable<Object>) (Comparable<?>) new PlainDecimal(new BigDecimal(text.trim()));
      } catch (NumberFormatException e) {
        return null;
      }
    default:
      return (Comparable<Object>) (Comparable<?>) text;
    }
  }

  /** A decimal that prints without an exponent (how the planner parses bounds). */
  private record PlainDecimal(BigDecimal value) implements Comparable<PlainDecimal> {
    @Override public int compareTo(PlainDecimal o) {
      return value.compareTo(o.value);
    }

    @Override public String toString() {
      return value.toPlainString();
    }
  }
}
