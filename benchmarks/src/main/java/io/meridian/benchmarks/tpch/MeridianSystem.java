package io.meridian.benchmarks.tpch;

import io.meridian.server.MeridianServer;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Meridian serving the layout's catalogs in this process, queried as a client sees it: the Avatica thin
 * driver over HTTP on loopback. {@code placement} is {@code auto} (the plans Meridian chooses) or
 * a forced placement of every cross-backend operator ({@code jvm}, {@code duckdb},
 * {@code backend}: into the backend holding the big input, wherever the others are small);
 * {@code off} names a session switch turned off: {@code reduction} (the engine's inputs are
 * never narrowed by each other's join keys) or {@code preaggregation} (no input is grouped in
 * its backend below the joins).
 */
final class MeridianSystem implements SystemUnderTest {
  private static final Logger LOG = LoggerFactory.getLogger(MeridianSystem.class);
  private final HarnessLayout layout;
  private final String placement;
  private final @Nullable String off;
  private final MeridianServer server;
  private final Connection connection;

  MeridianSystem(HarnessLayout layout, Path dataDir, String placement, @Nullable String off,
      boolean analyze) throws Exception {
    this.placement = placement.toLowerCase(Locale.ROOT);
    this.off = off;
    // Manual calibration: a run plans with the coefficients stored in the data directory (the
    // built-in ones, unless someone ran CALIBRATE there), not with a refit mid-run.
    this.layout = layout;
    server = MeridianServer.start(new io.meridian.server.config.MeridianConfig("127.0.0.1", 0,
        "PROTOBUF", dataDir, layout.meridianCatalogs())
        .withCalibration(io.meridian.server.config.MeridianConfig.CALIBRATION_MANUAL));
    Properties info = new Properties();
    info.setProperty("placement", this.placement);
    if (off != null) {
      info.setProperty(off, "off");
    }
    // The harness's cap governs how long a query may take, not the HTTP client's timeout.
    info.setProperty("http_response_timeout", Long.toString(TimeUnit.HOURS.toMillis(1)));
    connection = DriverManager.getConnection(server.clientUrl(), info);
    if (analyze) {
      // The Parquet table's footers hold no distinct counts for its keys; Trino's setup
      // analyzes its copy too.
      long start = System.nanoTime();
      try (Statement s = connection.createStatement()) {
        s.execute("ANALYZE lake.tpch.lineitem");
      }
      LOG.info("{}: ANALYZE lake.tpch.lineitem in {} ms", name(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }
  }

  @Override public String name() {
    if ("reduction".equals(off)) {
      return "meridian-noreduce";
    }
    if ("preaggregation".equals(off)) {
      return "meridian-nopreagg";
    }
    return placement.equals("auto") ? "meridian" : "meridian-" + placement;
  }

  @Override public String version() {
    String v = MeridianServer.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }

  @Override public String sql(int n) {
    return layout.qualified(n);
  }

  /**
   * From Meridian's workload log: per statement, the rows its fragments moved out of the
   * engine that produced them (backend rows read into the JVM or shipped into the DuckDB
   * engine, and the engine's result read into the JVM), of this system's connection. The log is
   * written in the background,
   * so this waits (up to 30 s) until every query's executions are in it.
   */
  @Override public java.util.Map<Integer, Long> rowsMoved(java.util.Map<Integer, String> sqlByQuery)
      throws Exception {
    java.util.Map<String, Integer> queryByText = new java.util.HashMap<>();
    sqlByQuery.forEach((n, text) -> queryByText.put(text, n));
    java.util.Map<Integer, List<Long>> moved = new java.util.HashMap<>();
    // This connection's statements only: the log keeps earlier runs and other systems' too.
    String connectionId = connection.unwrap(org.apache.calcite.avatica.AvaticaConnection.class)
        .id;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    do {
      moved.clear();
      try (java.sql.PreparedStatement s = connection.prepareStatement("SELECT q.sql_text,"
          + " q.query_id, SUM(COALESCE(f.moved_rows, 0)) FROM meridian.system.queries q"
          + " LEFT JOIN meridian.system.fragments f ON f.query_id = q.query_id"
          + " WHERE q.status = 'ok' AND q.connection_id = ? GROUP BY q.sql_text, q.query_id")) {
        s.setString(1, connectionId);
        java.sql.ResultSet rs = s.executeQuery();
        while (rs.next()) {
          Integer n = queryByText.get(rs.getString(1));
          if (n != null) {
            moved.computeIfAbsent(n, k -> new java.util.ArrayList<>()).add(rs.getLong(3));
          }
        }
      }
      if (moved.keySet().containsAll(sqlByQuery.keySet())) {
        break;
      }
      Thread.sleep(500);
    } while (System.nanoTime() < deadline);
    java.util.Map<Integer, Long> medians = new java.util.TreeMap<>();
    moved.forEach((n, values) -> {
      java.util.Collections.sort(values);
      medians.put(n, values.get(values.size() / 2));
    });
    return medians;
  }

  @Override public Connection connection() {
    return connection;
  }

  @Override public void close() throws Exception {
    try {
      connection.close();
    } finally {
      server.close();
    }
  }
}
