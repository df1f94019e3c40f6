package io.meridian.adapter.jdbc;

import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.StorageBackend;

import org.apache.calcite.schema.Schema;
import org.apache.calcite.sql.SqlDialect;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Predicate;

import static java.util.Objects.requireNonNull;

/**
 * A storage backend reached through JDBC. Subclasses supply the pooled data source, the dialect
 * and which schemas are the backend's own system schemas.
 */
public class JdbcBackend implements StorageBackend {
  /** How long a catalog's list of schemas and tables is cached before it is read again. */
  public static final Duration METADATA_EXPIRY = Duration.ofMinutes(5);

  private final CatalogSpec spec;
  private final CatalogDataSource dataSource;
  private final BackendCatalogSchema schema;
  private final String probeSql;

  public JdbcBackend(CatalogSpec spec, CatalogDataSource dataSource, SqlDialect dialect,
      @Nullable String jdbcCatalog, Predicate<String> visibleSchema, RowCountSource rowCounts,
      String probeSql) {
    this(spec, dataSource, dialect, jdbcCatalog, visibleSchema, rowCounts, probeSql,
        new BackendDdl(dialect));
  }

  /** Creates a backend whose DDL differs from the standard form ({@link BackendDdl}). */
  public JdbcBackend(CatalogSpec spec, CatalogDataSource dataSource, SqlDialect dialect,
      @Nullable String jdbcCatalog, Predicate<String> visibleSchema, RowCountSource rowCounts,
      String probeSql, BackendDdl ddl) {
    this(spec, dataSource, dialect, jdbcCatalog, visibleSchema, rowCounts,
        ColumnStatisticsSource.NONE, probeSql, ddl);
  }

  /** Creates a backend whose catalog keeps column statistics. */
  public JdbcBackend(CatalogSpec spec, CatalogDataSource dataSource, SqlDialect dialect,
      @Nullable String jdbcCatalog, Predicate<String> visibleSchema, RowCountSource rowCounts,
      ColumnStatisticsSource columnStatistics, String probeSql, BackendDdl ddl) {
    this.spec = requireNonNull(spec, "spec");
    this.dataSource = requireNonNull(dataSource, "dataSource");
    this.probeSql = requireNonNull(probeSql, "probeSql");
    this.schema = new BackendCatalogSchema(spec.name(), dataSource, dialect, jdbcCatalog,
        visibleSchema, rowCounts, columnStatistics, METADATA_EXPIRY, ddl);
  }

  @Override public String catalogName() {
    return spec.name();
  }

  @Override public String type() {
    return spec.type();
  }

  @Override public Schema schema() {
    return schema;
  }

  /** Returns the catalog's data source (pooled, naming the catalog on failure). */
  public CatalogDataSource dataSource() {
    return dataSource;
  }

  @Override public void checkAvailable() throws SQLException {
    try (Connection connection = dataSource.getConnection();
         Statement statement = connection.createStatement()) {
      statement.setQueryTimeout(10);
      statement.execute(probeSql);
    } catch (SQLException e) {
      throw new SQLException(dataSource.describe(e), "08001", e);
    }
  }

  @Override public void close() {
    dataSource.close();
  }

  @Override public String toString() {
    return type() + " catalog '" + catalogName() + "'";
  }
}
