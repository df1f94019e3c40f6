package io.meridian.benchmarks;

import io.meridian.server.MeridianServer;
import io.meridian.server.config.MeridianConfig;
import io.meridian.server.demo.DemoEnvironment;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The systems under test over one demo data set: Meridian (in-process server, Avatica over
 * HTTP on loopback, as a client sees it) and the co-located limit (all tables in one DuckDB).
 */
final class DemoState implements AutoCloseable {
  final DemoEnvironment demo;
  final MeridianServer server;
  final Connection meridian;
  /** Meridian with every cross-backend operator forced into the JVM ({@code placement=jvm}). */
  final Connection meridianJvm;
  final Connection colocated;

  /** Where benchmarks keep their data: {@code meridian.bench.data} (default {@code data}). */
  static Path dataDir() {
    return Path.of(System.getProperty("meridian.bench.data", "data")).toAbsolutePath();
  }

  /** Starts the demo at the scale {@code meridian.bench.scale} (default {@code scale}). */
  static DemoEnvironment startDemo(double scale) throws Exception {
    return DemoEnvironment.start(dataDir(), Double.parseDouble(
        System.getProperty("meridian.bench.scale", Double.toString(scale))));
  }

  /** Opens a connection to the demo's PostgreSQL database through its own driver. */
  static Connection postgres(DemoEnvironment demo) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    return DriverManager.getConnection(demo.postgresUrl(), p);
  }

  DemoState(double scale) throws Exception {
    Path dataDir = dataDir();
    demo = DemoEnvironment.start(dataDir, scale);
    MeridianConfig config = demo.config("127.0.0.1", 0, dataDir);
    server = MeridianServer.start(config);
    meridian = DriverManager.getConnection(server.jdbcUrl());
    Properties jvm = new Properties();
    jvm.setProperty("placement", "jvm");
    meridianJvm = DriverManager.getConnection(server.jdbcUrl(), jvm);
    colocated = demo.openColocated();
  }

  @Override public void close() throws SQLException {
    try {
      meridian.close();
      meridianJvm.close();
      colocated.close();
    } finally {
      server.close();
      demo.close();
    }
  }
}
