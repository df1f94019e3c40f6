package io.meridian.adapter.postgres;

import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.StorageBackend;
import io.meridian.adapter.StorageBackendFactory;
import io.meridian.adapter.jdbc.ColumnStatistics;
import io.meridian.adapter.jdbc.ColumnStatisticsSource;
import io.meridian.adapter.jdbc.JdbcBackend;
import io.meridian.adapter.jdbc.PooledDataSources;
import io.meridian.adapter.jdbc.RowCountSource;
import io.meridian.adapter.jdbc.RowCountSources;


import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
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

  /**
   * Column statistics from {@code pg_stats} (kept by ANALYZE): distinct values
   * ({@code n_distinct}, negative meaning a fraction of the rows), NULL fraction, and the
   * first and last histogram bounds as min and max.
   */
  static final ColumnStatisticsSource COLUMN_STATISTICS = (connection, schema, table, columns) -> {
    Map<String, ColumnStatistics> result = new HashMap<>();
    try (PreparedStatement s = connection.prepareStatement(
        "SELECT s.attname, s.null_frac, s.n_distinct, s.histogram_bounds::text::text[],"
            + " c.reltuples"
            + " FROM pg_catalog.pg_stats s"
            + " JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname"
            + " JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename"
            + " WHERE s.schemaname = ? AND s.tablename = ?")) {
      s.setString(1, schema);
      s.setString(2, table);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          double distinct = rs.getDouble(3);
          double rows = rs.getDouble(5);
          Double ndv = distinct >= 0 ? Double.valueOf(distinct)
              : rows > 0 ? Double.valueOf(-distinct * rows) : null;
          // The histogram as text[] (histogram_bounds is anyarray), parsed by the driver.
          Array histogram = rs.getArray(4);
          String[] bounds = histogram == null ? new String[0] : (String[]) histogram.getArray();
          result.put(rs.getString(1), new ColumnStatistics(ndv, rs.getDouble(2),
              bounds.length == 0 ? null : bounds[0],
              bounds.length == 0 ? null : bounds[bounds.length - 1]));
        }
      }
    }
    return result;
  };

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
        COLUMN_STATISTICS, "SELECT 1",
        new io.meridian.adapter.jdbc.BackendDdl(PostgresDialect.DEFAULT));
  }

  static boolean isUserSchema(String schema) {
    String s = schema.toLowerCase(Locale.ROOT);
    return !(s.equals("pg_catalog") || s.equals("information_schema")
        || s.startsWith("pg_toast") || s.startsWith("pg_temp"));
  }
}
