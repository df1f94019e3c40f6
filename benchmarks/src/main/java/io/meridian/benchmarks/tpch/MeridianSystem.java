package io.meridian.benchmarks.tpch;

import io.meridian.server.MeridianServer;
import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.testing.TpchQueries;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Meridian serving the layout in this process, queried as a client sees it: the Avatica thin
 * driver over HTTP on loopback. {@code placement} is {@code auto} (the plans Meridian chooses) or
 * a forced placement of every cross-backend operator ({@code jvm}, {@code duckdb}).
 */
final class MeridianSystem implements SystemUnderTest {
  private final String placement;
  private final MeridianServer server;
  private final Connection connection;

  MeridianSystem(DemoEnvironment demo, Path dataDir, String placement) throws Exception {
    this.placement = placement.toLowerCase(Locale.ROOT);
    server = MeridianServer.start(demo.config("127.0.0.1", 0, dataDir));
    Properties info = new Properties();
    info.setProperty("placement", this.placement);
    // The harness's cap governs how long a query may take, not the HTTP client's timeout.
    info.setProperty("http_response_timeout", Long.toString(TimeUnit.HOURS.toMillis(1)));
    connection = DriverManager.getConnection(server.jdbcUrl(), info);
  }

  @Override public String name() {
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
