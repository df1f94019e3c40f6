package io.meridian.benchmarks.tpch;

import io.meridian.server.MeridianServer;
import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.testing.TpchQueries;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Meridian serving the layout in this process, queried as a client sees it: the Avatica thin
 * driver over HTTP on loopback. {@code placement} is {@code auto} (the plans Meridian chooses) or
 * a forced placement of every cross-backend operator ({@code jvm}, {@code duckdb}); with
 * {@code reduce} false, the engine's inputs are never narrowed by each other's join keys (the
 * session property {@code reduction=off}).
 */
final class MeridianSystem implements SystemUnderTest {
  private static final Logger LOG = LoggerFactory.getLogger(MeridianSystem.class);
  private final String placement;
  private final boolean reduce;
  private final MeridianServer server;
  private final Connection connection;

  MeridianSystem(DemoEnvironment demo, Path dataDir, String placement, boolean reduce,
      boolean analyze) throws Exception {
    this.placement = placement.toLowerCase(Locale.ROOT);
    this.reduce = reduce;
    // Manual calibration: a run plans with the coefficients stored in the data directory (the
    // built-in ones, unless someone ran CALIBRATE there), not with a refit mid-run.
    server = MeridianServer.start(demo.config("127.0.0.1", 0, dataDir)
        .withCalibration(io.meridian.server.config.MeridianConfig.CALIBRATION_MANUAL));
    Properties info = new Properties();
    info.setProperty("placement", this.placement);
    info.setProperty("reduction", reduce ? "auto" : "off");
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
    if (!reduce) {
      return "meridian-noreduce";
    }
    return placement.equals("auto") ? "meridian" : "meridian-" + placement;
  }

  @Override public String version() {
    String v = MeridianServer.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }

  @Override public String sql(int n) {
    return TpchQueries.forDemoLayout(n);
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
