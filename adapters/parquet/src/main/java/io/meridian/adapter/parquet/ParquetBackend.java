package io.meridian.adapter.parquet;

import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.LakeCatalog;
import io.meridian.adapter.LakeWritableTable;
import io.meridian.adapter.duckdb.DuckDbBackendFactory;
import io.meridian.adapter.duckdb.DuckDbDataSource;
import io.meridian.adapter.duckdb.DuckDbSqlDialect;
import io.meridian.adapter.jdbc.BackendCatalogSchema;
import io.meridian.adapter.jdbc.BackendDdl;
import io.meridian.adapter.jdbc.CatalogDataSource;
import io.meridian.adapter.jdbc.JdbcBackend;
import io.meridian.adapter.jdbc.LakeViewTable;
import io.meridian.adapter.jdbc.StatisticsJdbcTable;

import org.apache.calcite.avatica.util.ByteString;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;
import org.apache.calcite.rel.type.RelDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.meridian.adapter.duckdb.DuckDbSqlDialect.quote;
import static io.meridian.adapter.duckdb.DuckDbSqlDialect.literal;

/**
 * A directory of Parquet files served as a catalog: each table is a view in an in-memory DuckDB
 * database over its files ({@link ParquetLayout}), so filters and projections reach DuckDB's
 * Parquet reader (row-group pruning from footer statistics, column pruning, Hive partitions).
 * The footers' statistics also reach the planner ({@link ParquetFooterStatistics}).
 * Tables are also written: {@code CREATE TABLE [AS]} makes a folder of Parquet files, and
 * {@code INSERT} adds one file per statement, written beside the table under a hidden name and
 * moved into place atomically once complete.
 */
final class ParquetBackend extends JdbcBackend implements LakeCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(ParquetBackend.class);
  private static final int BATCH = 10_000;

  private final Path root;
  private final DuckDbDataSource duckdb;
  private final BackendDdl ddl = new BackendDdl(DuckDbSqlDialect.DEFAULT);
  private final ParquetFiles footers = new ParquetFiles();
  /** The files each pruned view reads, by {@code schema.name}. */
  private final java.util.Map<String, List<String>> prunedFiles;

  /** The footers' statistics, and the distinct counts ANALYZE adds to them. */
  private final ParquetFooterStatistics columnStatistics;

  ParquetBackend(CatalogSpec spec, Path root, DuckDbDataSource duckdb) {
    this(spec, root, duckdb,
        new ParquetFooterStatistics(root, new java.util.concurrent.ConcurrentHashMap<>()));
  }

  private ParquetBackend(CatalogSpec spec, Path root, DuckDbDataSource duckdb,
      ParquetFooterStatistics columnStatistics) {
    super(spec, new CatalogDataSource(spec.name(), spec.type(), duckdb, null),
        DuckDbSqlDialect.DEFAULT, "memory",
        s -> DuckDbBackendFactory.isUserSchema(s) && !s.equals("main"),
        DuckDbBackendFactory.ROW_COUNTS, columnStatistics,
        "SELECT 1", new BackendDdl(DuckDbSqlDialect.DEFAULT));
    this.root = root;
    this.duckdb = duckdb;
    this.columnStatistics = columnStatistics;
    this.prunedFiles = columnStatistics.prunedFiles();
    files().attachLake(this, ParquetTable::new);
  }

  /**
   * The query of a pruned view: only the kept files are opened, and every column of the table
   * has the table's type (a column none of them holds reads as NULL), so the view's row type is
   * the table's whatever files remain.
   */
  private static String prunedQuery(String schema, String table,
      List<io.meridian.adapter.jdbc.TableStatisticsCache.ColumnInfo> columns,
      List<ParquetFiles.FileFacts> kept) {
    StringBuilder select = new StringBuilder("SELECT ");
    for (int i = 0; i < columns.size(); i++) {
      String column = columns.get(i).name();
      boolean present = kept.stream().anyMatch(f -> f.columns().containsKey(column));
      select.append(i == 0 ? "" : ", ").append("CAST(")
          .append(present ? quote(column) : "NULL").append(" AS ")
          .append(columns.get(i).typeName()).append(") AS ").append(quote(column));
    }
    if (kept.isEmpty()) {
      return select + " FROM " + quote(schema) + "." + quote(table) + " WHERE false";
    }
    return select + " FROM read_parquet(" + kept.stream().map(f -> literal(f.path()))
        .collect(Collectors.joining(", ", "[", "]"))
        + ", hive_partitioning = true, union_by_name = true)";
  }

  /**
   * Counts each column's distinct values over all the table's files (DuckDB's
   * {@code approx_count_distinct}, a HyperLogLog sketch, in one scan), for the columns whose
   * footers record none: DuckDB's writer records them only for dictionary-encoded columns, so
   * keys such as {@code l_orderkey} have none. They serve the table's pruned views too, and are
   * kept beside the table for later servers while its files stay the same
   * ({@link ParquetFooterStatistics#analyzed}).
   */
  @Override public String analyze(String schema, String table) {
    List<io.meridian.adapter.jdbc.TableStatisticsCache.ColumnInfo> columns =
        files().statistics().columns(schema, table);
    StringBuilder sql = new StringBuilder("SELECT count(*)");
    for (io.meridian.adapter.jdbc.TableStatisticsCache.ColumnInfo column : columns) {
      sql.append(", approx_count_distinct(").append(quote(column.name())).append(')');
    }
    sql.append(" FROM ").append(quote(schema)).append('.').append(quote(table));
    java.util.Map<String, Double> distinct = new java.util.HashMap<>();
    long rows;
    long start = System.nanoTime();
    try (Connection c = duckdb.getConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(sql.toString())) {
      rs.next();
      rows = rs.getLong(1);
      for (int i = 0; i < columns.size(); i++) {
        distinct.put(columns.get(i).name(), (double) Math.min(rows, rs.getLong(i + 2)));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("ANALYZE " + catalogName() + "." + schema + "." + table
          + " failed: " + e.getMessage(), e);
    }
    columnStatistics.analyzed(schema, table, distinct);
    return String.format(java.util.Locale.ROOT,
        "distinct counts of %d columns over %d rows, in %d ms", columns.size(), rows,
        (System.nanoTime() - start) / 1_000_000);
  }

  /** A pruned view's name: {@code table/KofNfiles#hash}; table names never hold a slash. */
  @Override public boolean isDerivedTable(String name) {
    return name.indexOf('/') >= 0;
  }

  /**
   * Returns the name of a view of a folder table that reads only the files a condition may
   * match (by their footers' bounds and NULL counts and their partition folders), creating it;
   * null when no file can be ruled out. DuckDB never opens the other files
   * ({@link #prunedQuery}).
   */
  @org.checkerframework.checker.nullness.qual.Nullable String prune(String schema, String table,
      org.apache.calcite.rex.RexNode condition, RelDataType rowType) {
    ParquetLayout.TableLocation location = ParquetLayout.locate(root, schema, table);
    if (!location.directory()) {
      return null; // one file: its row groups are DuckDB's to skip
    }
    Path folder = location.location();
    List<Path> all = ParquetFiles.list(folder);
    List<io.meridian.adapter.jdbc.TableStatisticsCache.ColumnInfo> columns =
        files().statistics().columns(schema, table);
    if (all.size() < 2 || columns.isEmpty()) {
      return null;
    }
    List<ParquetFiles.FileFacts> kept;
    try (Connection c = duckdb.getConnection()) {
      kept = ParquetFiles.mayMatch(condition, rowType, columns,
          footers.facts(c, folder, all, columns));
    } catch (SQLException | RuntimeException e) {
      LOG.debug("Parquet catalog {}: no pruning of {}.{}: {}", catalogName(), schema, table,
          e.toString());
      return null;
    }
    if (kept == null || kept.size() == all.size()) {
      return null;
    }
    List<String> paths = kept.stream().map(ParquetFiles.FileFacts::path).toList();
    String name = table + '/' + paths.size() + "of" + all.size() + "files#"
        + Integer.toHexString(paths.hashCode());
    String key = schema + '.' + name;
    if (!prunedFiles.containsKey(key)) {
      String sql = "CREATE OR REPLACE VIEW " + quote(schema) + "." + quote(name) + " AS "
          + prunedQuery(schema, table, columns, kept);
      try (Connection c = duckdb.getConnection(); Statement s = c.createStatement()) {
        s.execute(sql);
      } catch (SQLException e) {
        LOG.debug("Parquet catalog {}: cannot create pruned view {}: {}", catalogName(), key,
            e.toString());
        return null;
      }
      prunedFiles.put(key, paths);
    }
    return name;
  }

  /**
   * The statements that create the schemas and views of the tables found under the root. A
   * folder whose files disagree on a column's type becomes a view that fails every query with
   * a message naming the column and the files (files that lack a column are fine: it reads as
   * NULL there).
   */
  static List<String> viewsOf(String catalog, Path root) {
    List<String> sql = new java.util.ArrayList<>();
    java.util.Set<String> schemas = new java.util.TreeSet<>();
    try (Connection check = java.sql.DriverManager.getConnection("jdbc:duckdb:")) {
      for (ParquetLayout.TableLocation t : ParquetLayout.scan(root)) {
        if (schemas.add(t.schema())) {
          sql.add("CREATE SCHEMA IF NOT EXISTS " + quote(t.schema()));
        }
        String conflict = t.directory() ? conflict(check, t) : null;
        if (conflict == null) {
          sql.add(viewSql(t));
        } else {
          String message = "Parquet table " + catalog + "." + t.schema() + "." + t.table()
              + ": " + conflict;
          LOG.warn("{}", message);
          sql.add("CREATE OR REPLACE VIEW " + quote(t.schema()) + "." + quote(t.table())
              + " AS SELECT error(" + literal(message) + ") AS \"error\"");
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("catalog '" + catalog + "': cannot read the footers under "
          + root + ": " + e.getMessage(), e);
    }
    return sql;
  }

  /**
   * Returns how the files of a folder table disagree on a column's type (integer widths and
   * decimal precisions agree), or null when they do not.
   */
  private static @org.checkerframework.checker.nullness.qual.Nullable String conflict(
      Connection check, ParquetLayout.TableLocation t) throws SQLException {
    String kind = "CASE WHEN type IN ('INT32', 'INT64') THEN 'INTEGER'"
        + " WHEN type IN ('FLOAT', 'DOUBLE') THEN 'FLOATING'"
        + " WHEN type = 'FIXED_LEN_BYTE_ARRAY' THEN 'BYTE_ARRAY' ELSE type END"
        + " || coalesce(' ' || converted_type, '')";
    String query = "SELECT name, string_agg(DISTINCT k || ' in ' || parse_filename(file_name),"
        + " ', ' ORDER BY k || ' in ' || parse_filename(file_name)) FROM (SELECT name, file_name, "
        + kind + " AS k FROM parquet_schema(" + literal(t.glob()) + ")"
        + " WHERE num_children IS NULL OR num_children = 0)"
        + " GROUP BY name HAVING count(DISTINCT k) > 1 ORDER BY name LIMIT 1";
    try (Statement s = check.createStatement(); ResultSet rs = s.executeQuery(query)) {
      return rs.next() ? "its files disagree on column " + rs.getString(1) + ": "
          + rs.getString(2) : null;
    }
  }

  private static String viewSql(ParquetLayout.TableLocation t) {
    return "CREATE OR REPLACE VIEW " + quote(t.schema()) + "." + quote(t.table())
        + " AS SELECT * FROM read_parquet(" + literal(t.glob())
        + (t.directory() ? ", hive_partitioning = true, union_by_name = true" : "") + ")";
  }

  private BackendCatalogSchema files() {
    return (BackendCatalogSchema) schema();
  }

  private Path folder(String schema, String table) {
    return root.resolve(schema).resolve(table);
  }

  private Path singleFile(String schema, String table) {
    return root.resolve(schema).resolve(table + ".parquet");
  }

  @Override public boolean tableExists(String schema, String table) {
    return Files.isDirectory(folder(schema, table)) || Files.isRegularFile(singleFile(schema, table));
  }

  @Override public synchronized void createTable(String schema, String table, RelDataType rowType) {
    Path folder = folder(schema, table);
    String scratch = "__create_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = duckdb.getConnection(); Statement s = c.createStatement()) {
      Files.createDirectories(folder);
      s.execute(ddl.createTable("main", scratch, rowType, List.of(), false));
      try {
        // An empty file holds the columns until rows arrive.
        writeAtomically(s, "main." + quote(scratch), folder);
      } finally {
        s.execute("DROP TABLE IF EXISTS main." + quote(scratch));
      }
      s.execute("CREATE SCHEMA IF NOT EXISTS " + quote(schema));
      s.execute(viewSql(new ParquetLayout.TableLocation(schema, table, folder, true)));
    } catch (SQLException | IOException e) {
      deleteRecursively(folder);
      throw new IllegalStateException("catalog '" + catalogName() + "': cannot create "
          + schema + "." + table + ": " + e.getMessage(), e);
    } finally {
      files().invalidate();
    }
    LOG.info("Parquet catalog {}: created table {}.{} in {}", catalogName(), schema, table,
        folder);
  }

  @Override public synchronized void dropTable(String schema, String table) {
    try (Connection c = duckdb.getConnection(); Statement s = c.createStatement()) {
      s.execute("DROP VIEW IF EXISTS " + quote(schema) + "." + quote(table));
      for (String key : List.copyOf(prunedFiles.keySet())) {
        if (key.startsWith(schema + '.' + table + '/')) {
          s.execute("DROP VIEW IF EXISTS " + quote(schema) + "."
              + quote(key.substring(schema.length() + 1)));
          prunedFiles.remove(key);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    } finally {
      deleteRecursively(folder(schema, table));
      deleteRecursively(singleFile(schema, table));
      files().invalidate();
    }
    LOG.info("Parquet catalog {}: dropped table {}.{} and its files", catalogName(), schema,
        table);
  }

  /**
   * Appends rows as one new Parquet file: the rows are collected in a scratch DuckDB table,
   * written under a hidden name and moved into the table's folder (a single-file table is
   * rewritten whole and replaced). Nothing is visible until the move; a failure leaves the
   * table as it was.
   */
  synchronized long append(String schema, String table, Enumerable<Object[]> rows) {
    if (isDerivedTable(table)) {
      throw new IllegalStateException("catalog '" + catalogName() + "': " + schema + "."
          + table + " is a pruned view of a table, not a table");
    }
    String scratch = "__append_" + UUID.randomUUID().toString().replace("-", "");
    String view = quote(schema) + "." + quote(table);
    long count = 0;
    try (Connection c = duckdb.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE main." + quote(scratch) + " AS SELECT * FROM " + view
          + " LIMIT 0");
      try {
        int[] types;
        try (ResultSet rs = s.executeQuery("SELECT * FROM main." + quote(scratch))) {
          ResultSetMetaData md = rs.getMetaData();
          types = new int[md.getColumnCount()];
          for (int i = 0; i < types.length; i++) {
            types[i] = md.getColumnType(i + 1);
          }
        }
        String insert = "INSERT INTO main." + quote(scratch) + " VALUES ("
            + Stream.generate(() -> "?").limit(types.length).collect(Collectors.joining(", "))
            + ")";
        try (PreparedStatement p = c.prepareStatement(insert);
             Enumerator<Object[]> e = rows.enumerator()) {
          while (e.moveNext()) {
            Object[] row = e.current();
            for (int i = 0; i < types.length; i++) {
              p.setObject(i + 1, toJdbc(row[i], types[i]));
            }
            p.addBatch();
            if (++count % BATCH == 0) {
              p.executeBatch();
            }
          }
          p.executeBatch();
        }
        if (count > 0) {
          Path folder = folder(schema, table);
          if (Files.isDirectory(folder)) {
            writeAtomically(s, "main." + quote(scratch), folder);
          } else {
            Path file = singleFile(schema, table);
            Path tmp = file.resolveSibling("." + table + "." + UUID.randomUUID() + ".tmp");
            s.execute("COPY (SELECT * FROM " + view + " UNION ALL BY NAME SELECT * FROM main."
                + quote(scratch) + ") TO " + literal(tmp.toString()) + " (FORMAT parquet)");
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
          }
        }
      } finally {
        s.execute("DROP TABLE IF EXISTS main." + quote(scratch));
      }
    } catch (SQLException | IOException | RuntimeException e) {
      throw new IllegalStateException("catalog '" + catalogName() + "': appending to " + schema
          + "." + table + " failed, nothing was written: " + e.getMessage(), e);
    } finally {
      files().invalidate();
    }
    LOG.info("Parquet catalog {}: appended {} rows to {}.{}", catalogName(), count, schema,
        table);
    return count;
  }

  /** Writes a DuckDB relation as a new Parquet file of a folder, atomically. */
  private static void writeAtomically(Statement s, String relation, Path folder)
      throws SQLException, IOException {
    String name = "part-" + UUID.randomUUID() + ".parquet";
    Path tmp = folder.resolve("." + name + ".tmp");
    try {
      s.execute("COPY " + relation + " TO " + literal(tmp.toString()) + " (FORMAT parquet)");
      Files.move(tmp, folder.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Converts a value from Calcite's internal representation for a JDBC parameter. */
  private static Object toJdbc(Object value, int jdbcType) {
    if (value == null) {
      return null;
    }
    switch (jdbcType) {
    case Types.DATE:
      return LocalDate.ofEpochDay(((Number) value).longValue());
    case Types.TIME:
      return LocalTime.ofNanoOfDay(((Number) value).longValue() * 1_000_000L);
    case Types.TIMESTAMP:
      return LocalDateTime.ofInstant(Instant.ofEpochMilli(((Number) value).longValue()),
          ZoneOffset.UTC);
    default:
      return value instanceof ByteString ? ((ByteString) value).getBytes() : value;
    }
  }

  private static void deleteRecursively(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(path)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path, e);
    }
  }

  /**
   * A Parquet table: read through its view, narrowed to the files a filter may match by
   * {@link #prune}, written by {@link #append}.
   */
  private final class ParquetTable extends LakeViewTable
      implements LakeWritableTable, io.meridian.adapter.PrunableTable {
    ParquetTable(StatisticsJdbcTable view) {
      super(view);
    }

    @Override public @org.checkerframework.checker.nullness.qual.Nullable String prunedName(
        org.apache.calcite.rex.RexNode condition, RelDataType rowType) {
      return prune(view().jdbcTable().jdbcSchemaName, view().jdbcTable().jdbcTableName,
          condition, rowType);
    }

    /** Pruned views are not listed (so not in Calcite's cached table list): look them up. */
    @Override public org.apache.calcite.schema.@org.checkerframework.checker.nullness.qual.Nullable Table prunedTable(String name) {
      org.apache.calcite.schema.Schema schema =
          files().subSchemas().get(view().jdbcTable().jdbcSchemaName);
      return schema == null ? null : schema.tables().get(name);
    }

    @Override public long append(Enumerable<Object[]> rows) {
      return ParquetBackend.this.append(view().jdbcTable().jdbcSchemaName,
          view().jdbcTable().jdbcTableName, rows);
    }
  }
}
