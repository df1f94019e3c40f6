package io.meridian.adapter.jdbc;

import com.google.common.collect.ImmutableSet;

import org.apache.calcite.DataContext;
import org.apache.calcite.adapter.jdbc.JdbcBaseSchema;
import org.apache.calcite.adapter.jdbc.JdbcConvention;
import org.apache.calcite.adapter.jdbc.JdbcSchema;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.schema.Schema;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.Wrapper;
import org.apache.calcite.schema.lookup.IgnoreCaseLookup;
import org.apache.calcite.schema.lookup.LikePattern;
import org.apache.calcite.schema.lookup.LoadingCacheLookup;
import org.apache.calcite.schema.lookup.Lookup;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.util.BuiltInMethod;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.function.Predicate;
import javax.sql.DataSource;

import static java.util.Objects.requireNonNull;

/**
 * The Calcite schema of one JDBC catalog: one sub-schema per backend schema (system schemas
 * hidden), each a Calcite {@link JdbcSchema}. All sub-schemas share one {@link JdbcConvention}
 * named after the catalog, so that a join between two schemas of the same backend is pushed down
 * as one statement, while two catalogs are always two places (two conventions).
 */
public final class BackendCatalogSchema extends JdbcBaseSchema
    implements Wrapper, io.meridian.adapter.CatalogVersion {
  private final String catalogName;
  private final CatalogDataSource dataSource;
  private final SqlDialect dialect;
  private final JdbcConvention convention;
  private final @Nullable String jdbcCatalog;
  private final Predicate<String> visibleSchema;
  private final TableStatisticsCache statistics;
  private final Duration metadataExpiry;
  private final BackendDdl ddl;
  private final java.util.concurrent.atomic.AtomicLong generation =
      new java.util.concurrent.atomic.AtomicLong();
  private volatile Lookup<JdbcSchema> subSchemas;
  private volatile io.meridian.adapter.@Nullable LakeCatalog lake;
  private volatile java.util.function.Function<StatisticsJdbcTable, Table> serveTable =
      table -> table;

  /**
   * Creates the schema of a catalog served at the top level of the root schema under
   * {@code catalogName}.
   */
  public BackendCatalogSchema(String catalogName, CatalogDataSource dataSource,
      SqlDialect dialect, @Nullable String jdbcCatalog, Predicate<String> visibleSchema,
      RowCountSource rowCounts, Duration metadataExpiry, BackendDdl ddl) {
    this(catalogName, dataSource, dialect, jdbcCatalog, visibleSchema, rowCounts,
        ColumnStatisticsSource.NONE, metadataExpiry, ddl);
  }

  /** Creates the schema of a catalog whose backend keeps column statistics. */
  public BackendCatalogSchema(String catalogName, CatalogDataSource dataSource,
      SqlDialect dialect, @Nullable String jdbcCatalog, Predicate<String> visibleSchema,
      RowCountSource rowCounts, ColumnStatisticsSource columnStatistics,
      Duration metadataExpiry, BackendDdl ddl) {
    this.ddl = requireNonNull(ddl, "ddl");
    this.catalogName = requireNonNull(catalogName, "catalogName");
    this.dataSource = requireNonNull(dataSource, "dataSource");
    this.dialect = requireNonNull(dialect, "dialect");
    this.jdbcCatalog = jdbcCatalog;
    this.visibleSchema = requireNonNull(visibleSchema, "visibleSchema");
    this.convention = new BackendConvention(dialect, catalogExpression(catalogName), catalogName,
        dataSource);
    this.statistics =
        new TableStatisticsCache(dataSource, jdbcCatalog, rowCounts, columnStatistics,
            metadataExpiry);
    this.metadataExpiry = metadataExpiry;
    this.subSchemas = new LoadingCacheLookup<>(new SchemaLookup(), metadataExpiry);
    dataSource.onRollback(this::invalidate);
  }

  /** Returns {@code root.getSubSchema(catalogName)}, evaluated in generated code at run time. */
  private static Expression catalogExpression(String catalogName) {
    Expression root =
        Expressions.call(DataContext.ROOT, BuiltInMethod.DATA_CONTEXT_GET_ROOT_SCHEMA.method);
    return Expressions.call(root, BuiltInMethod.SCHEMA_GET_SUB_SCHEMA.method,
        Expressions.constant(catalogName));
  }

  /**
   * Returns the backend catalog behind a schema of Calcite's root (the schema itself, or what
   * it wraps), or null when the schema is not a JDBC backend's.
   */
  public static @Nullable BackendCatalogSchema of(@Nullable Schema schema) {
    return schema instanceof Wrapper ? ((Wrapper) schema).unwrap(BackendCatalogSchema.class)
        : null;
  }

  /**
   * Serves this catalog's tables as lake tables: DDL goes to {@code lake} (which this schema
   * then unwraps to) and each table is served as {@code tables} makes it from its view.
   */
  public void attachLake(io.meridian.adapter.LakeCatalog lake,
      java.util.function.Function<StatisticsJdbcTable, Table> tables) {
    this.lake = requireNonNull(lake, "lake");
    this.serveTable = requireNonNull(tables, "tables");
    invalidate();
  }

  /** Returns the catalog name. */
  public String catalogName() {
    return catalogName;
  }

  /** Returns the convention (the processing place) of this catalog. */
  public JdbcConvention convention() {
    return convention;
  }

  /** Returns the dialect in which SQL is sent to this backend. */
  public SqlDialect dialect() {
    return dialect;
  }

  /** Returns the statistics of this catalog's tables. */
  public TableStatisticsCache statistics() {
    return statistics;
  }

  /** Returns the pooled data source of this catalog. */
  public CatalogDataSource dataSource() {
    return dataSource;
  }

  /**
   * Returns the backend's JDBC catalog this catalog serves (its database), as its driver's
   * metadata calls take it, or null where the driver has none.
   */
  public @Nullable String jdbcCatalog() {
    return jdbcCatalog;
  }

  /** Returns how DDL is written for this backend. */
  public BackendDdl ddl() {
    return ddl;
  }

  /**
   * Forgets the cached schemas, tables and statistics of this catalog, after DDL changed them;
   * every connection sees the change on its next statement (see {@link #generation()}).
   */
  public void invalidate() {
    statistics.invalidateAll();
    subSchemas = new LoadingCacheLookup<>(new SchemaLookup(), metadataExpiry);
    generation.incrementAndGet();
  }

  /**
   * Returns a number that changes whenever {@link #invalidate()} runs, so that a connection
   * can tell its own snapshot of the catalog's tables is out of date.
   */
  @Override public long generation() {
    return generation.get();
  }

  @Override public Lookup<Table> tables() {
    return Lookup.empty();
  }

  @Override public Lookup<? extends Schema> subSchemas() {
    return subSchemas;
  }

  @Override public boolean isMutable() {
    return false;
  }

  @Override public <T> @Nullable T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    if (clazz == DataSource.class) {
      return clazz.cast(dataSource);
    }
    if (lake != null && clazz.isInstance(lake)) {
      return clazz.cast(lake);
    }
    return null;
  }

  /** Lists the backend's schemas through {@code DatabaseMetaData.getSchemas}. */
  private final class SchemaLookup extends IgnoreCaseLookup<JdbcSchema> {
    @Override public @Nullable JdbcSchema get(String name) {
      return names(name).contains(name)
          ? new StatisticsJdbcSchema(dataSource, dialect, convention, jdbcCatalog, name,
              statistics, metadataExpiry, serveTable,
              table -> lake != null && lake.isDerivedTable(table))
          : null;
    }

    @Override public Set<String> getNames(LikePattern pattern) {
      return names(pattern.pattern);
    }

    private Set<String> names(String pattern) {
      ImmutableSet.Builder<String> builder = ImmutableSet.builder();
      try (Connection connection = dataSource.getConnection();
           ResultSet rs = connection.getMetaData().getSchemas(jdbcCatalog, pattern)) {
        while (rs.next()) {
          String schema = rs.getString(1);
          if (schema != null && visibleSchema.test(schema)) {
            builder.add(schema);
          }
        }
      } catch (SQLException e) {
        throw new IllegalStateException(dataSource.describe(e), e);
      }
      return builder.build();
    }
  }
}
