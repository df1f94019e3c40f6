package io.meridian.adapter.duckdb;

import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.jdbc.BackendCatalogSchema;
import io.meridian.adapter.jdbc.BackendDdl;
import io.meridian.adapter.jdbc.CatalogDataSource;
import io.meridian.adapter.jdbc.JdbcBackend;
import io.meridian.adapter.jdbc.StatisticsJdbcTable;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.schema.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The DuckDB side of a lake catalog (Iceberg, Delta): an in-memory DuckDB database holding one
 * view per planned read of a table version (over exactly the data files that read keeps),
 * served as a JDBC catalog of its own convention so that the planner pushes whole subplans into
 * it. Row counts come from the lake's metadata, not from DuckDB.
 */
public final class DuckDbLakeViews implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DuckDbLakeViews.class);

  private final String catalogName;
  private final DuckDbDataSource duckdb;
  private final JdbcBackend files;
  private final Map<String, Double> rowCounts = new ConcurrentHashMap<>();
  private final Set<String> views = ConcurrentHashMap.newKeySet();

  public DuckDbLakeViews(CatalogSpec spec) {
    this.catalogName = spec.name();
    this.duckdb = new DuckDbDataSource(":memory:", false, List.of());
    this.files = new JdbcBackend(spec,
        new CatalogDataSource(spec.name(), spec.type(), duckdb, null), DuckDbSqlDialect.DEFAULT,
        "memory", s -> DuckDbBackendFactory.isUserSchema(s) && !s.equals("main"),
        (connection, s, t) -> rowCounts.get(s + '.' + t), "SELECT 1",
        new NoDdl(spec));
  }

  /** Returns the DuckDB catalog of views. */
  public BackendCatalogSchema schema() {
    return (BackendCatalogSchema) files.schema();
  }

  /**
   * Returns the view {@code namespace.view}, creating it from {@code query} the first time
   * (a view's name identifies the files it reads, so it never changes).
   */
  public StatisticsJdbcTable view(String namespace, String view, Supplier<String> query,
      long rowCount) {
    String key = namespace + '.' + view;
    if (!views.contains(key)) {
      synchronized (views) {
        if (!views.contains(key)) {
          try (Connection connection = duckdb.getConnection();
               Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA IF NOT EXISTS "
                + DuckDbSqlDialect.DEFAULT.quoteIdentifier(namespace));
            statement.execute("CREATE OR REPLACE VIEW "
                + DuckDbSqlDialect.DEFAULT.quoteIdentifier(namespace) + '.'
                + DuckDbSqlDialect.DEFAULT.quoteIdentifier(view) + " AS " + query.get());
          } catch (SQLException e) {
            throw new IllegalStateException("catalog '" + catalogName + "': cannot read "
                + key + ": " + e.getMessage(), e);
          }
          rowCounts.put(key, (double) rowCount);
          views.add(key);
          LOG.debug("catalog {}: view {}", catalogName, key);
        }
      }
    }
    Schema schema = requireNonNull(schema().subSchemas().get(namespace),
        () -> "DuckDB schema " + namespace);
    return (StatisticsJdbcTable) requireNonNull(schema.tables().get(view), () -> "view " + key);
  }

  @Override public void close() {
    files.close(); // and with it the DuckDB database
  }

  /** The views' database takes no DDL: the lake catalog does (it is a LakeCatalog). */
  private static final class NoDdl extends BackendDdl {
    private final String catalogName;

    NoDdl(CatalogSpec spec) {
      super(DuckDbSqlDialect.DEFAULT);
      this.catalogName = spec.name();
    }

    @Override public String qualifiedName(String schema, String table) {
      throw new UnsupportedOperationException("catalog '" + catalogName
          + "' keeps no DuckDB tables of its own");
    }

    @Override public String createTable(String schema, String table, RelDataType rowType,
        List<String> primaryKey, boolean ifNotExists) {
      return qualifiedName(schema, table);
    }
  }
}
