package io.meridian.server;

import com.google.common.collect.ImmutableList;

import io.meridian.adapter.CatalogSpec;
import io.meridian.server.config.MeridianConfig;
import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.testing.DemoServerFixture;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The workload log: every statement recorded with its plan, its fragments' estimated and actual
 * rows, and how it ended; queryable as {@code meridian.system.*}; kept across restarts.
 */
class WorkloadLogIT {
  private static Path dataDir;
  private static DemoEnvironment demo;

  @BeforeAll static void demo() throws Exception {
    demo = DemoServerFixture.get().demo();
    dataDir = Path.of("target", "workload-it").toAbsolutePath();
    DemoEnvironment.deleteRecursively(dataDir.resolve("workload"));
  }

  private static MeridianServer start() throws SQLException {
    MeridianConfig config = new MeridianConfig("127.0.0.1", 0, "PROTOBUF", dataDir,
        demo.catalogs());
    return MeridianServer.start(config);
  }

  /** Rows of a query through Meridian, each row as column label → value. */
  private static List<Map<String, Object>> rows(Connection c, String sql) throws SQLException {
    List<Map<String, Object>> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        Map<String, Object> row = new TreeMap<>();
        for (int i = 1; i <= n; i++) {
          row.put(rs.getMetaData().getColumnLabel(i).toLowerCase(), rs.getObject(i));
        }
        out.add(row);
      }
    }
    return out;
  }

  @Test void recordsStatementsPlansFragmentsAndFailuresAndKeepsThemAcrossARestart()
      throws Exception {
    java.util.Properties ana = new java.util.Properties();
    ana.setProperty("user", "ana");
    try (MeridianServer server = start();
         Connection c = DriverManager.getConnection(server.jdbcUrl(), ana)) {
      rows(c, "SELECT n_name FROM shop.public.nation WHERE n_regionkey = 1 /* wl-1 */");
      rows(c, "SELECT n_name FROM shop.public.nation WHERE n_regionkey = 3 /* wl-1 */");
      rows(c, "SELECT count(*) AS n FROM shop.public.orders o JOIN lake.tpch.lineitem l"
          + " ON l.l_orderkey = o.o_orderkey WHERE o.o_orderstatus = 'F' /* wl-2 */");
      assertThatThrownBy(() -> rows(c, "SELECT * FROM shop.public.nope /* wl-3 */"))
          .isInstanceOf(SQLException.class);
      try (PreparedStatement p = c.prepareStatement(
          "SELECT r_name FROM shop.public.region WHERE r_regionkey = ? /* wl-4 */")) {
        for (int key : new int[] {0, 4}) {
          p.setInt(1, key);
          try (ResultSet rs = p.executeQuery()) {
            assertThat(rs.next()).isTrue();
          }
        }
      }
      server.workloadLog().flush();

      List<Map<String, Object>> nation = rows(c, "SELECT user_name, statement_kind, status,"
          + " rows_sent, catalogs, fingerprint, placement, fragment_count"
          + " FROM meridian.system.queries WHERE sql_text LIKE '%wl-1%'"
          + " AND sql_text NOT LIKE '%system%'");
      assertThat(nation).hasSize(2);
      assertThat(nation.get(0)).containsEntry("user_name", "ana")
          .containsEntry("statement_kind", "select").containsEntry("status", "ok")
          .containsEntry("rows_sent", 5L).containsEntry("catalogs", "shop")
          .containsEntry("fragment_count", 1);
      // Same shape, other constant: one fingerprint.
      assertThat(nation.get(1).get("fingerprint")).isEqualTo(nation.get(0).get("fingerprint"));

      List<Map<String, Object>> nationFragments = rows(c, "SELECT f.engine, f.role,"
          + " f.actual_rows FROM meridian.system.fragments f JOIN meridian.system.queries q"
          + " ON f.query_id = q.query_id WHERE q.sql_text LIKE '%regionkey = 1 /* wl-1%'"
          + " AND q.sql_text NOT LIKE '%system%'");
      assertThat(nationFragments).containsExactly(
          Map.of("engine", "shop", "role", "jdbc", "actual_rows", 5L));

      List<Map<String, Object>> federated = rows(c, "SELECT q.catalogs, q.rows_sent,"
          + " f.engine, f.role, f.estimated_rows, f.actual_rows, f.q_error"
          + " FROM meridian.system.queries q JOIN meridian.system.fragments f"
          + " ON f.query_id = q.query_id WHERE q.sql_text LIKE '%wl-2%'"
          + " AND q.sql_text NOT LIKE '%system%'");
      assertThat(federated).isNotEmpty().allSatisfy(r -> {
        assertThat(r).containsEntry("catalogs", "lake,shop").containsEntry("rows_sent", 1L);
        assertThat((Double) r.get("estimated_rows")).isPositive();
      });
      // What ran in the JVM or an engine was counted; what went as Arrow, or ran inside the
      // statement of an engine that is its own backend, was not.
      assertThat(federated).allSatisfy(r -> assertThat(r.get("actual_rows") == null)
          .isEqualTo("arrow".equals(r.get("role")) || "inside".equals(r.get("role"))));
      assertThat(federated).anySatisfy(r -> assertThat(r.get("actual_rows")).isNotNull());

      List<Map<String, Object>> failed = rows(c, "SELECT status, sql_state, error,"
          + " fragment_count FROM meridian.system.queries WHERE sql_text LIKE '%wl-3%'"
          + " AND sql_text NOT LIKE '%system%'");
      assertThat(failed).hasSize(1);
      assertThat(failed.get(0)).containsEntry("status", "error")
          .containsEntry("fragment_count", null);
      assertThat((String) failed.get(0).get("sql_state")).isNotBlank();
      assertThat((String) failed.get(0).get("error")).contains("nope");

      List<Map<String, Object>> prepared = rows(c, "SELECT rows_sent, catalogs, fingerprint"
          + " FROM meridian.system.queries WHERE sql_text LIKE '%wl-4%'"
          + " AND sql_text NOT LIKE '%system%'");
      assertThat(prepared).hasSize(2).allSatisfy(r ->
          assertThat(r).containsEntry("rows_sent", 1L).containsEntry("catalogs", "shop"));
      // Its two executions share one plan, written once and shown with each.
      assertThat(rows(c, "SELECT count(DISTINCT plan_id) AS plans, count(plan) AS with_plan,"
          + " count(*) AS executions FROM meridian.system.queries WHERE sql_text LIKE '%wl-4%'"
          + " AND sql_text NOT LIKE '%system%'"))
          .containsExactly(Map.of("plans", 1L, "with_plan", 2L, "executions", 2L));
      assertThat(rows(c, "SELECT count(DISTINCT f.engine) AS engines, count(*) AS fragments"
          + " FROM meridian.system.fragments f JOIN meridian.system.queries q"
          + " ON f.query_id = q.query_id WHERE q.sql_text LIKE '%wl-4%'"
          + " AND q.sql_text NOT LIKE '%system%' AND f.engine = 'shop' AND f.role = 'jdbc'"
          + " AND f.tables = 'shop.public.region'"))
          .containsExactly(Map.of("engines", 1L, "fragments", 2L));

      // The WorkloadAnalyzer's views and report.
      assertThat(rows(c, "SELECT engine, role FROM meridian.system.estimation_errors"
          + " WHERE engine = 'shop'")).contains(Map.of("engine", "shop", "role", "jdbc"));
      assertThat(rows(c, "SELECT table_name, federated_statements FROM"
          + " meridian.system.hot_tables WHERE table_name = 'lake.tpch.lineitem'"))
          .containsExactly(Map.of("table_name", "lake.tpch.lineitem",
              "federated_statements", 1L));
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      int exit = io.meridian.server.cli.Main.run(List.of("workload", "--url", server.jdbcUrl()),
          new java.io.PrintStream(out, true), System.err);
      assertThat(exit).isZero();
      assertThat(out.toString()).contains("== Statement shapes by total time",
          "== Estimation error by engine", "== Recommendations", "lake.tpch.lineitem");
    }

    // A new server on the same data directory sees what the first one recorded.
    try (MeridianServer server = start();
         Connection c = DriverManager.getConnection(server.jdbcUrl())) {
      assertThat(rows(c, "SELECT count(*) AS n FROM meridian.system.queries"
          + " WHERE sql_text LIKE '%wl-1%' AND sql_text NOT LIKE '%system%'"))
          .containsExactly(Map.of("n", 2L));
      // The log is Meridian's own: its tables are read, not written.
      assertThatThrownBy(() -> rows(c, "SELECT * FROM meridian.log.queries"))
          .isInstanceOf(SQLException.class).hasMessageContaining("log");
    }
  }

  /**
   * The WorkloadAnalyzer's recommendation: statements that join PostgreSQL's orders with the
   * lake's lineitem read orders across engines every time; the log proposes copying orders
   * into the lake next to lineitem (not lineitem, the larger, into PostgreSQL), with what the
   * reads cost and what the copy would save.
   */
  @Test void recommendsCopyingATableReadAcrossEnginesNextToWhatItIsJoinedWith()
      throws Exception {
    Path dir = Path.of("target", "workload-it-recommendations").toAbsolutePath();
    DemoEnvironment.deleteRecursively(dir);
    try (MeridianServer server = MeridianServer.start(new MeridianConfig("127.0.0.1", 0,
             "PROTOBUF", dir, demo.catalogs()));
         Connection c = DriverManager.getConnection(server.jdbcUrl())) {
      for (String status : List.of("F", "O", "P")) {
        assertThat(rows(c, "SELECT o.o_orderpriority, count(*) AS n FROM shop.public.orders o"
            + " JOIN lake.tpch.lineitem l ON l.l_orderkey = o.o_orderkey WHERE o.o_orderstatus"
            + " = '" + status + "' GROUP BY o.o_orderpriority")).isNotEmpty();
      }
      rows(c, "SELECT count(*) AS n FROM shop.public.orders");
      server.workloadLog().flush();

      List<Map<String, Object>> recommended = rows(c, "SELECT tables, source_catalog,"
          + " source_type, target_catalog, target_type, joined_with, statements,"
          + " cross_engine_ms, saving_ms FROM meridian.system.recommendations");
      assertThat(recommended).hasSize(1);
      Map<String, Object> orders = recommended.get(0);
      assertThat(orders).containsEntry("tables", "shop.public.orders")
          .containsEntry("source_catalog", "shop").containsEntry("source_type", "postgres")
          .containsEntry("target_catalog", "lake").containsEntry("target_type", "parquet")
          .containsEntry("joined_with", "lake.tpch.lineitem").containsEntry("statements", 3L);
      double crossEngine = (Double) orders.get("cross_engine_ms");
      assertThat(crossEngine).isPositive();
      // Reading orders' rows from the lake's files is cheaper per row than from PostgreSQL.
      assertThat((Double) orders.get("saving_ms")).isPositive().isLessThanOrEqualTo(crossEngine);

      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      int exit = io.meridian.server.cli.Main.run(List.of("workload", "--url", server.jdbcUrl()),
          new java.io.PrintStream(out, true), System.err);
      assertThat(exit).isZero();
      // "Of the last": the report's own statements may have been written by then.
      assertThat(out.toString()).contains("- copy shop.public.orders from shop (postgres) into"
          + " lake (parquet), next to lake.tpch.lineitem (e.g. CREATE TABLE lake.tpch.orders AS"
          + " SELECT * FROM shop.public.orders): 3 of the last ")
          .containsPattern("3 of the last \\d+ statements read it from shop to join with it");
    }
  }

  /**
   * Observed-cardinality feedback: a filter on two perfectly correlated columns asks for a
   * combination that never occurs ({@code a = 1 AND b = 2} where {@code a = b} always); the
   * estimate takes the columns as independent and expects thousands of rows, so the join with
   * a DuckDB table goes to the DuckDB engine and pays its fixed cost. Once the statement has
   * run, the observed count (none) keeps the join in the JVM, and a restarted server plans it
   * so from the log at once.
   */
  @Test void observedRowCountsCorrectLaterPlansAndSurviveARestart() throws Exception {
    Properties postgres = new Properties();
    postgres.setProperty("user", "postgres");
    try (Connection pg = DriverManager.getConnection(demo.postgresUrl("postgres"), postgres);
         Statement s = pg.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS wl");
      s.execute("CREATE DATABASE wl");
    }
    try (Connection pg = DriverManager.getConnection(demo.postgresUrl("wl"), postgres);
         Statement s = pg.createStatement()) {
      s.execute("CREATE TABLE pairs AS SELECT g % 5 AS a, g % 5 AS b, g AS k"
          + " FROM generate_series(1, 100000) g");
      s.execute("ANALYZE pairs");
    }
    ImmutableList<CatalogSpec> catalogs = ImmutableList.<CatalogSpec>builder()
        .addAll(demo.catalogs())
        .add(new CatalogSpec("wl", "postgres",
            Map.of("url", demo.postgresUrl("wl"), "user", "postgres", "password", "")))
        .build();
    MeridianConfig config = new MeridianConfig("127.0.0.1", 0, "PROTOBUF", dataDir, catalogs);
    String sql = "SELECT count(*) AS n FROM wl.public.pairs p JOIN analytics.tpch.supplier s"
        + " ON s.s_suppkey = p.k WHERE p.a = 1 AND p.b = 2";
    // Without semi-join reduction: a reduced read counts only the rows that matched the other
    // side's keys, which says nothing of the filter's own selectivity.
    Properties noReduction = new Properties();
    noReduction.setProperty("reduction", "off");
    try (MeridianServer server = MeridianServer.start(config);
         Connection c = DriverManager.getConnection(server.jdbcUrl(), noReduction)) {
      assertThat(explain(c, sql)).contains("EngineExecution");
      assertThat(rows(c, sql)).containsExactly(Map.of("n", 0L));
      assertThat(explain(c, sql)).doesNotContain("EngineExecution");
      assertThat(rows(c, sql)).containsExactly(Map.of("n", 0L));
      server.workloadLog().flush();
    }
    try (MeridianServer server = MeridianServer.start(config);
         Connection c = DriverManager.getConnection(server.jdbcUrl(), noReduction)) {
      assertThat(explain(c, sql)).doesNotContain("EngineExecution");
    }
  }

  /**
   * A {@code HAVING} keeps a share of groups no statistics tell; once a statement has run, the
   * same grouping and condition are estimated at the rows observed (the feedback key names the
   * table, the grouping and the condition), and a statement sent whole to its backend records
   * no estimate of its own (the backend plans it).
   */
  @Test void aHavingIsEstimatedFromWhatItKeptLastTime() throws Exception {
    String sql = "SELECT count(*) AS n FROM (SELECT l_orderkey FROM lake.tpch.lineitem"
        + " GROUP BY l_orderkey HAVING sum(l_quantity) > 250) big"
        + " JOIN shop.public.orders o ON o.o_orderkey = big.l_orderkey";
    Properties noReduction = new Properties();
    noReduction.setProperty("reduction", "off");
    // A log of its own: the other tests count what their log holds.
    Path ownDir = dataDir.resolveSibling(dataDir.getFileName() + "-having");
    DemoEnvironment.deleteRecursively(ownDir);
    try (MeridianServer server = MeridianServer.start(new MeridianConfig("127.0.0.1", 0,
             "PROTOBUF", ownDir, demo.catalogs()));
         Connection c = DriverManager.getConnection(server.jdbcUrl(), noReduction)) {
      List<Map<String, Object>> first = rows(c, sql);
      assertThat(rows(c, sql)).isEqualTo(first);
      rows(c, "SELECT o_orderkey FROM shop.public.orders WHERE o_orderkey = 1");
      server.workloadLog().flush();
      List<Map<String, Object>> having = rows(c, "SELECT f.estimated_rows AS e,"
          + " f.actual_rows AS a FROM meridian.system.fragments f"
          + " JOIN meridian.system.queries q ON f.query_id = q.query_id"
          + " WHERE q.sql_text LIKE '%HAVING sum(l_quantity) > 250%' AND f.role <> 'engine'"
          + " AND f.engine = 'lake' ORDER BY f.started_at");
      assertThat(having).hasSize(2);
      double actual = ((Number) having.get(0).get("a")).doubleValue();
      assertThat(actual).isPositive();
      assertThat(((Number) having.get(0).get("e")).doubleValue())
          .as("first run: the statistics' guess").isGreaterThan(2 * actual);
      assertThat(((Number) having.get(1).get("e")).doubleValue())
          .as("second run: what the first kept").isEqualTo(actual);
      List<Map<String, Object>> whole = rows(c, "SELECT f.estimated_rows AS e,"
          + " f.actual_rows AS a FROM meridian.system.fragments f"
          + " JOIN meridian.system.queries q ON f.query_id = q.query_id"
          + " WHERE q.sql_text LIKE '%WHERE o_orderkey = 1'");
      assertThat(whole).hasSize(1);
      assertThat(whole.get(0).get("e")).isNull();
      assertThat(((Number) whole.get(0).get("a")).longValue()).isEqualTo(1);
    }
  }

  private static String explain(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("EXPLAIN PLAN FOR " + sql)) {
      StringBuilder plan = new StringBuilder();
      while (rs.next()) {
        plan.append(rs.getString(1)).append('\n');
      }
      return plan.toString();
    }
  }

  /**
   * A statement cancelled while it runs (through Meridian's client driver) is recorded as
   * {@code cancelled}, with PostgreSQL's SQL state, and the next statement on the same
   * connection is recorded as usual.
   */
  @Test void aCancelledStatementIsRecordedAsCancelled() throws Exception {
    try (MeridianServer server = start();
         Connection c = DriverManager.getConnection(server.clientUrl());
         Statement s = c.createStatement()) {
      String slow = "SELECT count(*) FROM shop.public.orders a CROSS JOIN shop.public.orders b"
          + " WHERE a.o_totalprice + b.o_totalprice = -7 /* wl-cancel */";
      java.util.concurrent.CompletableFuture<SQLException> running =
          java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (ResultSet rs = s.executeQuery(slow)) {
              return null;
            } catch (SQLException e) {
              return e;
            }
          });
      try (Connection pg = DriverManager.getConnection(demo.postgresUrl(), "postgres", "");
           Statement watch = pg.createStatement()) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        boolean seen = false;
        while (!seen && System.nanoTime() < deadline) {
          try (ResultSet rs = watch.executeQuery("SELECT count(*) FROM pg_stat_activity"
              + " WHERE state = 'active' AND query LIKE '%-7%' AND pid <> pg_backend_pid()")) {
            rs.next();
            seen = rs.getInt(1) > 0;
          }
          Thread.sleep(50);
        }
        assertThat(seen).as("the cross join reached PostgreSQL").isTrue();
      }
      s.cancel();
      SQLException failure = running.get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat((Throwable) failure).isNotNull();
      rows(c, "SELECT count(*) AS n FROM shop.public.region /* wl-after-cancel */");
      server.workloadLog().flush();
      List<Map<String, Object>> log = rows(c, "SELECT status, sql_state, sql_text"
          + " FROM meridian.system.queries WHERE sql_text LIKE '%/* wl-%cancel%'"
          + " ORDER BY started_at");
      assertThat(log).hasSize(2);
      assertThat(log.get(0)).containsEntry("status", "cancelled")
          .containsEntry("sql_state", "57014");
      assertThat(log.get(1)).containsEntry("status", "ok");
    }
  }

  @Test void aConfiguredCatalogCannotTakeTheLogsName() {
    MeridianConfig config = new MeridianConfig("127.0.0.1", 0, "PROTOBUF", dataDir,
        ImmutableList.of(new CatalogSpec(
            "Meridian", "duckdb", Map.of("path", dataDir.resolve("x.duckdb").toString()))));
    assertThatThrownBy(() -> MeridianServer.start(config))
        .hasMessageContaining("Meridian").hasMessageContaining("reserved");
  }
}
