package io.meridian.adapter.jdbc;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.collect.ImmutableList;

import org.apache.calcite.schema.Statistic;
import org.apache.calcite.schema.Statistics;
import org.apache.calcite.util.ImmutableBitSet;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import static java.util.Objects.requireNonNull;

/**
 * Table statistics of one catalog (row count, primary key) read from the backend and cached
 * with an expiry, so that planning does not query the backend's catalog for every statement.
 */
public final class TableStatisticsCache {
  private static final Logger LOG = LoggerFactory.getLogger(TableStatisticsCache.class);

  private final CatalogDataSource dataSource;
  private final @Nullable String jdbcCatalog;
  private final RowCountSource rowCounts;
  private final ColumnStatisticsSource columnStatistics;
  private final Cache<List<String>, Statistic> cache;
  private final Cache<List<String>, Map<String, ColumnStatistics>> columnStatisticsCache;
  private final Cache<List<String>, List<ColumnInfo>> columns;

  public TableStatisticsCache(CatalogDataSource dataSource, @Nullable String jdbcCatalog,
      RowCountSource rowCounts, Duration expiry) {
    this(dataSource, jdbcCatalog, rowCounts, ColumnStatisticsSource.NONE, expiry);
  }

  public TableStatisticsCache(CatalogDataSource dataSource, @Nullable String jdbcCatalog,
      RowCountSource rowCounts, ColumnStatisticsSource columnStatistics, Duration expiry) {
    this.dataSource = requireNonNull(dataSource, "dataSource");
    this.jdbcCatalog = jdbcCatalog;
    this.rowCounts = requireNonNull(rowCounts, "rowCounts");
    this.columnStatistics = requireNonNull(columnStatistics, "columnStatistics");
    this.columnStatisticsCache =
        CacheBuilder.newBuilder().expireAfterWrite(expiry).maximumSize(100_000).build();
    this.cache = CacheBuilder.newBuilder().expireAfterWrite(expiry).maximumSize(100_000).build();
    this.columns =
        CacheBuilder.newBuilder().expireAfterWrite(expiry).maximumSize(100_000).build();
  }

  /** Returns the statistic of a table; unknown values when the backend cannot be asked. */
  public Statistic get(String schema, String table) {
    try {
      return cache.get(List.of(schema, table), () -> load(schema, table));
    } catch (ExecutionException | RuntimeException e) {
      LOG.debug("no statistics for {}.{}: {}", schema, table, e.toString());
      return Statistics.UNKNOWN;
    }
  }

  /** A column as the backend's JDBC metadata describes it. */
  public record ColumnInfo(String name, int dataType, String typeName, int size, int digits) {
  }

  /**
   * Returns the columns of a table as the backend's {@code getColumns} reports them (type code,
   * type name, size, digits), or an empty list when they cannot be read.
   */
  public List<ColumnInfo> columns(String schema, String table) {
    try {
      return columns.get(List.of(schema, table), () -> loadColumns(schema, table));
    } catch (ExecutionException | RuntimeException e) {
      LOG.debug("no column metadata for {}.{}: {}", schema, table, e.toString());
      return List.of();
    }
  }

  private List<ColumnInfo> loadColumns(String schema, String table) throws SQLException {
    List<ColumnInfo> result = new ArrayList<>();
    try (Connection connection = dataSource.getConnection();
         ResultSet rs = connection.getMetaData().getColumns(jdbcCatalog, schema, table, null)) {
      while (rs.next()) {
        result.add(new ColumnInfo(rs.getString("COLUMN_NAME"), rs.getInt("DATA_TYPE"),
            String.valueOf(rs.getString("TYPE_NAME")), rs.getInt("COLUMN_SIZE"),
            rs.getInt("DECIMAL_DIGITS")));
      }
    }
    return ImmutableList.copyOf(result);
  }

  /**
   * Returns the backend's statistics of a table's columns by column name (empty when the
   * backend keeps none or cannot be asked).
   */
  public Map<String, ColumnStatistics> columnStatistics(String schema, String table) {
    try {
      return columnStatisticsCache.get(List.of(schema, table), () -> {
        try (Connection connection = dataSource.getConnection()) {
          Map<String, ColumnStatistics> result = Map.copyOf(columnStatistics.columnStatistics(
              connection, schema, table, columns(schema, table)));
          LOG.debug("column statistics of {}.{}: {}", schema, table, result);
          return result;
        }
      });
    } catch (ExecutionException | RuntimeException e) {
      LOG.debug("no column statistics for {}.{}: {}", schema, table, e.toString());
      return Map.of();
    }
  }

  /** Forgets all cached statistics (after DDL). */
  public void invalidateAll() {
    cache.invalidateAll();
    columnStatisticsCache.invalidateAll();
    columns.invalidateAll();
  }

  /** Forgets the statistics of one table, after a write changed it. */
  public void invalidate(String schema, String table) {
    cache.invalidate(List.of(schema, table));
    columnStatisticsCache.invalidate(List.of(schema, table));
  }

  private Statistic load(String schema, String table) throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      Double rows = rowCounts.rowCount(connection, schema, table);
      List<ImmutableBitSet> keys = primaryKey(connection.getMetaData(), schema, table);
      LOG.debug("statistics of {}.{}: rows={} keys={}", schema, table, rows, keys);
      return Statistics.of(rows, keys, null, null);
    }
  }

  private List<ImmutableBitSet> primaryKey(DatabaseMetaData md, String schema, String table)
      throws SQLException {
    Map<String, Integer> ordinal = new HashMap<>();
    List<ColumnInfo> columns = columns(schema, table);
    for (int i = 0; i < columns.size(); i++) {
      ordinal.put(columns.get(i).name(), i);
    }
    List<Integer> key = new ArrayList<>();
    try (ResultSet rs = md.getPrimaryKeys(jdbcCatalog, schema, table)) {
      while (rs.next()) {
        Integer i = ordinal.get(rs.getString("COLUMN_NAME"));
        if (i == null) {
          return ImmutableList.of();
        }
        key.add(i);
      }
    } catch (SQLException e) {
      return ImmutableList.of(); // some drivers do not report keys
    }
    return key.isEmpty() ? ImmutableList.of() : ImmutableList.of(ImmutableBitSet.of(key));
  }
}
