package io.meridian.server.backends;

import com.google.common.collect.ImmutableList;

import io.meridian.adapter.CatalogSpec;
import io.meridian.server.MeridianServer;
import io.meridian.server.config.MeridianConfig;
import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.Rows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * The eight TPC-H tables (the oracle's rows) in each JDBC backend: a PostgreSQL database
 * {@code tpch}, the oracle's DuckDB file opened read-only, and a real ClickHouse server; served
 * by one Meridian server as catalogs {@code tpch_pg}, {@code tpch_duckdb}, {@code tpch_ch}, with
 * the demo's Parquet lineitem as catalog {@code lake}, so that tests can spread the tables over
 * backends in any layout.
 * Started once per JVM, stopped when the JVM exits.
 */
final class SingleBackendFixture {
  private static final String FRAGMENT = "BackendToEnumerableConverter";

  private static SingleBackendFixture instance;

  private final MeridianServer server;
  private final ClickHouseServer clickHouse;
  private final Path scratchDuckDb;

  private SingleBackendFixture(MeridianServer server, ClickHouseServer clickHouse,
      Path scratchDuckDb) {
    this.server = server;
    this.clickHouse = clickHouse;
    this.scratchDuckDb = scratchDuckDb;
  }

  /** Returns the ClickHouse server behind catalog {@code tpch_ch}. */
  ClickHouseServer clickHouse() {
    return clickHouse;
  }

  /** Returns the DuckDB file behind catalog {@code scratch_duckdb}. */
  Path scratchDuckDb() {
    return scratchDuckDb;
  }

  static synchronized SingleBackendFixture get() throws Exception {
    if (instance == null) {
      DemoServerFixture fixture = DemoServerFixture.get();
      Path work = Path.of("target", "single-backend").toAbsolutePath();
      Path csv = work.resolve("csv");
      Files.deleteIfExists(work.resolve("scratch.duckdb"));
      TpchLoader.exportCsv(fixture.demo().colocatedDatabase(), csv);

      try (Connection c = DriverManager.getConnection(fixture.demo().postgresUrl("postgres"),
          "postgres", ""); Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS tpch");
        s.execute("CREATE DATABASE tpch");
      }
      TpchLoader.loadPostgres(fixture.demo().postgresUrl("tpch"), csv);

      Path repository = Path.of(System.getProperty("meridian.home",
          Path.of("").toAbsolutePath().getParent().toString()));
      ClickHouseServer clickHouse = ClickHouseServer.start(repository, work.resolve("clickhouse"));
      TpchLoader.loadClickHouse(clickHouse.port(), csv);

      ImmutableList<CatalogSpec> catalogs = ImmutableList.of(
          new CatalogSpec(Backend.POSTGRES.catalog, "postgres",
              Map.of("url", fixture.demo().postgresUrl("tpch"), "user", "postgres")),
          new CatalogSpec(Backend.DUCKDB.catalog, "duckdb",
              Map.of("path", fixture.demo().colocatedDatabase().toString(),
                  "read-only", "true")),
          new CatalogSpec("scratch_duckdb", "duckdb",
              Map.of("path", work.resolve("scratch.duckdb").toString())),
          new CatalogSpec(Backend.CLICKHOUSE.catalog, "clickhouse",
              Map.of("url", clickHouse.jdbcUrl("default"))),
          new CatalogSpec("lake", "parquet",
              Map.of("path", fixture.demo().lakeDirectory().toString())));
      // Without the workload log: observed row counts would change the plans asserted.
      MeridianServer server = MeridianServer.start(
          new MeridianConfig("127.0.0.1", 0, "PROTOBUF", work.resolve("data"), catalogs)
              .withWorkloadLog(false));
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.close();
        clickHouse.close();
      }));
      instance = new SingleBackendFixture(server, clickHouse, work.resolve("scratch.duckdb"));
    }
    return instance;
  }

  MeridianServer server() {
    return server;
  }

  /** Returns Meridian's plan of a statement ({@code EXPLAIN PLAN FOR}). */
  String explain(String sql) throws SQLException {
    return explain(sql, false);
  }

  /** Returns Meridian's plan of a statement, with estimated row counts and costs if asked. */
  String explain(String sql, boolean attributes) throws SQLException {
    try (Connection c = DriverManager.getConnection(server.jdbcUrl());
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("EXPLAIN PLAN "
             + (attributes ? "INCLUDING ALL ATTRIBUTES " : "") + "FOR " + sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** Runs a query through Meridian (Avatica, HTTP) and reads the whole result. */
  Rows query(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(server.jdbcUrl());
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(sql)) {
      return Rows.read(rs);
    }
  }

  /**
   * Returns the SQL of a plan that sends the statement as written (a single
   * {@code BackendStatement}), or null when the plan's SQL was generated from the plan.
   */
  static String sqlSentAsWritten(String plan) {
    int at = plan.indexOf("BackendStatement(sql=[");
    if (at < 0) {
      return null;
    }
    int start = at + "BackendStatement(sql=[".length();
    int end = plan.lastIndexOf("])");
    return plan.substring(start, end > start ? end : plan.length());
  }

  /**
   * Whether a plan is one statement run inside one backend: a single fragment at the root, with
   * nothing of the JVM above or beside it.
   */
  static boolean isOneStatement(String plan) {
    return plan.startsWith(FRAGMENT) && plan.indexOf(FRAGMENT, 1) < 0;
  }
}
