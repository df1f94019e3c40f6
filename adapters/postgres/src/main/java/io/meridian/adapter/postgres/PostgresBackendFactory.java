package io.meridian.adapter.postgres;

import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.StorageBackend;
import io.meridian.adapter.StorageBackendFactory;
import io.meridian.adapter.jdbc.JdbcBackend;
import io.meridian.adapter.jdbc.PooledDataSources;
import io.meridian.adapter.jdbc.RowCountSource;
import io.meridian.adapter.jdbc.RowCountSources;


import java.util.Locale;
import java.util.Properties;

/**
 * Serves a PostgreSQL database as a catalog. Fields: {@code url}
 * ({@code jdbc:postgresql://host:port/db}), {@code user}, {@code password}, {@code pool-size}.
 * The database's schemas become Meridian schemas; {@code pg_catalog}, {@code information_schema}
 * and PostgreSQL's toast and temporary schemas are hidden.
 */
public final class PostgresBackendFactory implements StorageBackendFactory {
  /**
   * Row counts from {@code pg_class.reltuples} (kept by ANALYZE and autovacuum); a table never
   * analyzed (-1) is counted exactly if that takes under two seconds.
   */
  static final RowCountSource ROW_COUNTS = RowCountSources.firstOf(
      RowCountSources.catalogQuery("SELECT c.reltuples FROM pg_catalog.pg_class c"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE n.nspname = ? AND c.relname = ?"),
      (connection, schema, table) ->
          RowCountSources.exactCount(connection, schema, table, "\"", 2));

  @Override public String type() {
    return "postgres";
  }

  @Override public StorageBackend create(CatalogSpec spec) {
    String url = spec.require("url");
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new io.meridian.adapter.CatalogConfigException(spec.name(), "url",
          "must start with jdbc:postgresql:");
    }
    Properties props = new Properties();
    props.setProperty("ApplicationName", "meridian");
    props.setProperty("reWriteBatchedInserts", "true");
    return new JdbcBackend(spec,
        PooledDataSources.create(spec, "org.postgresql.Driver", props),
        PostgresDialect.DEFAULT, null, PostgresBackendFactory::isUserSchema, ROW_COUNTS,
        "SELECT 1");
  }

  static boolean isUserSchema(String schema) {
    String s = schema.toLowerCase(Locale.ROOT);
    return !(s.equals("pg_catalog") || s.equals("information_schema")
        || s.startsWith("pg_toast") || s.startsWith("pg_temp"));
  }
}
