package io.meridian.server.testing;

import io.meridian.adapter.CatalogSpec;
import io.meridian.server.MeridianServer;
import io.meridian.server.config.MeridianConfig;
import io.meridian.server.demo.DemoEnvironment;

import com.google.common.collect.ImmutableList;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

/**
 * One demo environment (TPC-H-derived, scale 0.01, generated once into {@code target/it-data})
 * and one Meridian server on a free loopback port, shared by all integration tests of a JVM and
 * stopped when the JVM exits.
 */
public final class DemoServerFixture {
  /** The scale factor of the shared demo data. */
  public static final double SCALE = 0.01;

  private static DemoServerFixture instance;

  private final DemoEnvironment demo;
  private final MeridianServer server;

  private DemoServerFixture(DemoEnvironment demo, MeridianServer server) {
    this.demo = demo;
    this.server = server;
  }

  /** Returns the shared fixture, starting it on first use. */
  public static synchronized DemoServerFixture get() throws Exception {
    if (instance == null) {
      Path dataDir = Path.of("target", "it-data").toAbsolutePath();
      DemoEnvironment demo = DemoEnvironment.start(dataDir, SCALE);
      // Without the workload log: its observed row counts would change the plans that tests
      // assert, depending on which tests ran before (WorkloadLogIT tests the log).
      MeridianConfig config = demo.config("127.0.0.1", 0, dataDir).withWorkloadLog(false);
      MeridianServer server = MeridianServer.start(config);
      instance = new DemoServerFixture(demo, server);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.close();
        demo.close();
      }));
    }
    return instance;
  }

  /** Returns the demo environment (its oracle database, its PostgreSQL URL). */
  public DemoEnvironment demo() {
    return demo;
  }

  /** Returns the running server. */
  public MeridianServer server() {
    return server;
  }

  /** Opens a client connection through the Avatica thin driver over HTTP. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(server.jdbcUrl(), new Properties());
  }

  /** Runs a query through Meridian (Avatica, HTTP) and reads the whole result. */
  public Rows queryMeridian(String sql) throws SQLException {
    return queryMeridian(sql, new Properties());
  }

  /** Runs a query on a connection opened with {@code info} and reads the whole result. */
  public Rows queryMeridian(String sql, Properties info) throws SQLException {
    try (Connection c = DriverManager.getConnection(server.jdbcUrl(), info);
         Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return Rows.read(rs);
    }
  }

  /** Returns the plan Meridian chooses for a query on a connection opened with {@code info}. */
  public String explain(String sql, Properties info) throws SQLException {
    return explain(server, sql, info);
  }

  /**
   * Starts a server of its own (any free port, data under {@code target/it-data}) that serves
   * the demo's PostgreSQL as {@code shop} beside {@code catalogs}.
   */
  public MeridianServer startWithShop(CatalogSpec... catalogs) throws Exception {
    return MeridianServer.start(new MeridianConfig("127.0.0.1", 0, "PROTOBUF",
        Path.of("target", "it-data").toAbsolutePath(),
        ImmutableList.<CatalogSpec>builder().add(new CatalogSpec("shop", "postgres",
            Map.of("url", demo.postgresUrl(), "user", "postgres", "password", "")))
            .add(catalogs).build()));
  }

  /** Runs a query on a server (Avatica over HTTP, a new connection) and reads the whole result. */
  public static Rows query(MeridianServer server, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(server.jdbcUrl(), new Properties());
         Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return Rows.read(rs);
    }
  }

  /** Returns the plan a server chooses for a query on a connection opened with {@code info}. */
  public static String explain(MeridianServer server, String sql, Properties info)
      throws SQLException {
    try (Connection c = DriverManager.getConnection(server.jdbcUrl(), info);
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("EXPLAIN PLAN FOR " + sql)) {
      StringBuilder plan = new StringBuilder();
      while (rs.next()) {
        plan.append(rs.getString(1));
      }
      return plan.toString();
    }
  }

  /**
   * Runs a query on the oracle: DuckDB over the same rows, all tables in one database (schema
   * {@code tpch}). Opened read-only, so any number of readers may share the file.
   */
  public Rows queryOracle(String sql) throws SQLException {
    try (Connection c = demo.openColocated(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(sql)) {
      return Rows.read(rs);
    }
  }

  /**
   * The inputs of the engine execution at the top of an EXPLAIN text: the lines of each input's
   * subtree, in order.
   */
  public static java.util.List<String> engineInputs(String plan) {
    java.util.List<String> blocks = new java.util.ArrayList<>();
    StringBuilder block = null;
    for (String line : plan.split("\n")) {
      if (line.matches("  \\S.*")) {
        if (block != null) {
          blocks.add(block.toString());
        }
        block = new StringBuilder();
      }
      if (block != null) {
        block.append(line).append('\n');
      }
    }
    if (block != null) {
      blocks.add(block.toString());
    }
    return blocks;
  }
}
