package io.meridian.adapter.parquet;

import io.meridian.adapter.duckdb.DuckDbSqlDialect;
import io.meridian.adapter.jdbc.ColumnStatistics;
import io.meridian.adapter.jdbc.ColumnStatisticsSource;
import io.meridian.adapter.jdbc.TableStatisticsCache.ColumnInfo;

import org.checkerframework.checker.nullness.qual.Nullable;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Column statistics of a Parquet table from its files' footers, read with DuckDB's
 * {@code parquet_metadata()} (one row per row group and column): the smallest and largest
 * value over all row groups, the fraction of NULLs, and the number of distinct values where
 * every row group's footer records one (DuckDB's writer does for dictionary-encoded columns).
 * Distinct counts of row groups whose value ranges all overlap are combined as their maximum,
 * otherwise as their sum (a sorted column), capped by the rows. Hive partition columns have no
 * footer statistics. Where the footers record no distinct count, the one ANALYZE counted over
 * the table's files serves ({@link ParquetBackend#analyze}).
 */
final class ParquetFooterStatistics implements ColumnStatisticsSource {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ParquetFooterStatistics.class);
  private final Path root;
  private final Map<String, List<String>> prunedFiles;

  /**
   * Creates the source of a catalog's tables under {@code root}; {@code prunedFiles} holds the
   * files of the catalog's pruned views by {@code schema.name}.
   */
  ParquetFooterStatistics(Path root, Map<String, List<String>> prunedFiles) {
    this.root = root;
    this.prunedFiles = prunedFiles;
  }

  /** The files of the catalog's pruned views, by {@code schema.name}. */
  Map<String, List<String>> prunedFiles() {
    return prunedFiles;
  }

  /** Distinct counts ANALYZE counted, by {@code schema.table}, then column. */
  private final Map<String, Map<String, Double>> analyzed =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Keeps the distinct counts ANALYZE counted for a table's columns: in memory, and in a hidden
   * file beside the table ({@link #countsFile}) with a digest of the files they were counted
   * over, so that a later server (or catalog) uses them while the table's files are the same.
   * A lake Meridian cannot write to keeps them in memory only.
   */
  void analyzed(String schema, String table, Map<String, Double> distinct) {
    analyzed.put(schema + '.' + table, Map.copyOf(distinct));
    Path file = countsFile(schema, table);
    try {
      java.util.Properties counts = new java.util.Properties();
      counts.setProperty("files", filesDigest(schema, table));
      distinct.forEach((column, n) -> counts.setProperty("distinct." + column, n.toString()));
      Path partial = file.resolveSibling(file.getFileName() + ".tmp");
      try (java.io.Writer out = java.nio.file.Files.newBufferedWriter(partial)) {
        counts.store(out, "Meridian: ANALYZE " + schema + "." + table
            + " (distinct counts; removed once the table's files change)");
      }
      java.nio.file.Files.move(partial, file,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (java.io.IOException | RuntimeException e) {
      LOG.info("ANALYZE {}.{}: counts kept in memory only (not written to {}: {})", schema,
          table, file, e.toString());
    }
  }

  /**
   * The distinct counts ANALYZE counted for a table: this catalog's, else those kept beside the
   * table by an earlier ANALYZE over the same files; null when there are none.
   */
  private @Nullable Map<String, Double> counted(String schema, String table) {
    Map<String, Double> counted = analyzed.get(schema + '.' + table);
    if (counted != null) {
      return counted;
    }
    Path file = countsFile(schema, table);
    if (!java.nio.file.Files.isRegularFile(file)) {
      return null;
    }
    try {
      java.util.Properties counts = new java.util.Properties();
      try (java.io.Reader in = java.nio.file.Files.newBufferedReader(file)) {
        counts.load(in);
      }
      if (!filesDigest(schema, table).equals(counts.getProperty("files"))) {
        // Counts of other files never hold again: removed, so that the table's files are not
        // digested again each time its statistics are read.
        java.nio.file.Files.deleteIfExists(file);
        LOG.info("ANALYZE counts of {}.{} were stale (its files changed since): removed;"
            + " run ANALYZE again", schema, table);
        return null;
      }
      Map<String, Double> loaded = new HashMap<>();
      for (String key : counts.stringPropertyNames()) {
        if (key.startsWith("distinct.")) {
          loaded.put(key.substring("distinct.".length()),
              Double.parseDouble(counts.getProperty(key)));
        }
      }
      analyzed.put(schema + '.' + table, Map.copyOf(loaded));
      LOG.debug("ANALYZE counts of {}.{} read from {}", schema, table, file);
      return loaded;
    } catch (java.io.IOException | RuntimeException e) {
      LOG.info("ANALYZE counts of {}.{} not read from {}: {}", schema, table, file,
          e.toString());
      return null;
    }
  }

  /**
   * Where ANALYZE's counts of a table are kept: a hidden file in its schema's folder (the
   * catalog skips hidden files, and DuckDB reads only a table's {@code .parquet} files).
   */
  private Path countsFile(String schema, String table) {
    return root.resolve(schema).resolve("." + table + ".meridian-analyze");
  }

  /** A digest of a table's files: their paths, sizes and modification times. */
  private String filesDigest(String schema, String table) throws java.io.IOException {
    ParquetLayout.TableLocation at = ParquetLayout.locate(root, schema, table);
    StringBuilder facts = new StringBuilder();
    try (java.util.stream.Stream<Path> files = at.directory()
        ? java.nio.file.Files.walk(at.location()) : java.util.stream.Stream.of(at.location())) {
      for (Path f : files.filter(ParquetLayout::isParquetFile).sorted().toList()) {
        facts.append(root.relativize(f)).append(' ').append(java.nio.file.Files.size(f))
            .append(' ').append(java.nio.file.Files.getLastModifiedTime(f).toMillis())
            .append('\n');
      }
    }
    return com.google.common.hash.Hashing.sha256()
        .hashString(facts, java.nio.charset.StandardCharsets.UTF_8).toString();
  }

  /** The DuckDB expression of a table's files: its glob, or a pruned view's list. */
  private String filesOf(String schema, String table) {
    List<String> pruned = prunedFiles.get(schema + '.' + table);
    if (pruned != null) {
      return pruned.stream().map(DuckDbSqlDialect::literal)
          .collect(Collectors.joining(", ", "[", "]"));
    }
    return DuckDbSqlDialect.literal(ParquetLayout.locate(root, schema, table).glob());
  }

  @Override public Map<String, ColumnStatistics> columnStatistics(Connection connection,
      String schema, String table, List<ColumnInfo> columns) throws SQLException {
    Map<String, ColumnInfo> byName = new HashMap<>();
    for (ColumnInfo c : columns) {
      byName.put(c.name(), c);
    }
    Map<String, List<RowGroup>> groups = new HashMap<>();
    try (Statement s = connection.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT path_in_schema, stats_min_value,"
          + " stats_max_value, stats_null_count, row_group_num_rows, stats_distinct_count"
          + " FROM parquet_metadata(" + filesOf(schema, table) + ")")) {
        while (rs.next()) {
          ColumnInfo column = byName.get(rs.getString(1));
          if (column != null) {
            groups.computeIfAbsent(column.name(), k -> new ArrayList<>()).add(new RowGroup(
                ParquetFiles.value(column, rs.getString(2)),
                ParquetFiles.value(column, rs.getString(3)),
                (Long) rs.getObject(4, Long.class), rs.getLong(5),
                (Long) rs.getObject(6, Long.class)));
          }
        }
      }
    }
    Map<String, ColumnStatistics> result = new HashMap<>();
    groups.forEach((name, list) -> result.put(name, combine(list)));
    // A pruned view ("table/..."): its base table's counts, capped by the view's rows.
    int slash = table.indexOf('/');
    Map<String, Double> counted = counted(schema, slash < 0 ? table : table.substring(0, slash));
    if (counted != null) {
      counted.forEach((name, distinct) -> {
        ColumnStatistics footer = result.get(name);
        List<RowGroup> list = groups.get(name);
        if (footer == null && slash < 0) {
          // A partition column: no footer, but counted over the whole table.
          result.put(name, new ColumnStatistics(distinct, null, null, null));
        } else if (footer != null && footer.distinctCount() == null) {
          long rows = list.stream().mapToLong(RowGroup::rows).sum();
          result.put(name, new ColumnStatistics(Math.min(distinct, rows),
              footer.nullFraction(), footer.min(), footer.max()));
        }
      });
    }
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
}
