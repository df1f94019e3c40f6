package io.meridian.server.backends;

import io.meridian.server.testing.DemoServerFixture;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The planner's distinct-value estimates come from the backends' own column statistics: the
 * estimated size of a {@code GROUP BY} pushed into a backend is the number of distinct values
 * the backend's catalog holds for the grouped column ({@code pg_stats} for PostgreSQL, DuckDB's
 * {@code stats()}), read here directly from the backend and compared with Meridian's plan.
 */
class ColumnStatisticsIT {
  private static final Pattern AGGREGATE_ROWS =
      Pattern.compile("JdbcAggregate\\(group=\\[\\{\\d+}][^\\n]*rowcount = ([0-9.E]+)");

  private static DemoServerFixture fixture;
  private static SingleBackendFixture backends;

  @BeforeAll static void start() throws Exception {
    fixture = DemoServerFixture.get();
    backends = SingleBackendFixture.get();
  }

  /** A federated statement (so the planner places it) with a grouping inside the backend. */
  private static String groupedThenJoined(String catalog) {
    return "SELECT r.r_name, t.n FROM"
        + " (SELECT o_custkey, count(*) AS n FROM " + catalog + ".tpch.orders"
        + " GROUP BY o_custkey) t JOIN " + other(catalog)
        + ".tpch.region r ON t.o_custkey = r.r_regionkey";
  }

  @Test void postgresEstimatesComeFromPgStats() throws Exception {
    double expected;
    try (Connection c = DriverManager.getConnection(fixture.demo().postgresUrl("tpch"),
        "postgres", ""); Statement s = c.createStatement()) {
      // TpchLoader analyzed the database after loading it.
      try (ResultSet rs = s.executeQuery("SELECT s.n_distinct, c.reltuples"
          + " FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename"
          + " WHERE s.schemaname = 'tpch' AND s.tablename = 'orders'"
          + " AND s.attname = 'o_custkey'")) {
        assertThat(rs.next()).as("pg_stats has o_custkey").isTrue();
        double distinct = rs.getDouble(1);
        expected = distinct >= 0 ? distinct : -distinct * rs.getDouble(2);
      }
    }
    assertThat(aggregateEstimate(Backend.POSTGRES.catalog)).isCloseTo(expected, within(1.0));
  }

  @Test void duckDbEstimatesComeFromItsStats() throws Exception {
    double expected;
    try (Connection c = DriverManager.getConnection(
        "jdbc:duckdb:" + fixture.demo().colocatedDatabase(),
        io.meridian.adapter.duckdb.DuckDbDataSource.connectionProperties(true));
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT stats(o_custkey) FROM tpch.orders LIMIT 1")) {
      assertThat(rs.next()).isTrue();
      Object stats = rs.getObject(1);
      assertThat(stats).isInstanceOf(org.duckdb.DuckDBStruct.class);
      expected = ((Number) ((org.duckdb.DuckDBStruct) stats).getMap().get("approx_unique"))
          .doubleValue();
    }
    assertThat(aggregateEstimate(Backend.DUCKDB.catalog)).isCloseTo(expected, within(1.0));
  }

  /**
   * Filters are sized from the columns' minimum, maximum, distinct count and NULL fraction:
   * PostgreSQL's {@code pg_stats}, DuckDB's {@code stats()} and, for Parquet, the files'
   * footers. Each estimate is within 1.5x of the rows the filter keeps (counted by the oracle);
   * Calcite's guesses (a half for a range, 0.15 for an equality) are 1.7x to 3x off on these.
   */
  @Test void filterEstimatesComeFromColumnBoundsAndDistinctCounts() throws Exception {
    for (Backend b : List.of(Backend.POSTGRES, Backend.DUCKDB)) {
      String join = b.catalog + ".tpch.orders t JOIN " + other(b.catalog)
          + ".tpch.region r ON r.r_regionkey = t.o_custkey";
      assertFilterEstimate(backends.explain(countWhere(join, "o_orderdate < DATE '1993-03-17'"),
          true), "orders", "o_orderdate < DATE '1993-03-17'");
    }
    String lake = "lake.tpch.lineitem t JOIN analytics.tpch.supplier s"
        + " ON s.s_suppkey = t.l_suppkey";
    for (String condition : List.of("l_shipdate >= DATE '1997-05-03'",
        "l_quantity BETWEEN 3 AND 11", "l_returnflag = 'R'")) {
      try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
        assertFilterEstimate(explainAll(s, countWhere(lake, condition)), "lineitem", condition);
      }
    }
  }

  private static String countWhere(String from, String condition) {
    return "SELECT count(*) FROM " + from + " WHERE " + condition;
  }

  private static final Pattern FILTER_ROWS =
      Pattern.compile("JdbcFilter\\(condition=[^\\n]*rowcount = ([0-9.E]+)");

  /** Asserts that a plan's (first) filter is estimated within 1.5x of the rows it keeps. */
  private static void assertFilterEstimate(String plan, String oracleTable, String condition)
      throws SQLException {
    Matcher m = FILTER_ROWS.matcher(plan);
    assertThat(m.find()).as("a filter in:%n%s", plan).isTrue();
    double estimate = Double.parseDouble(m.group(1));
    double actual = ((Number) fixture.queryOracle("SELECT count(*) FROM tpch." + oracleTable
        + " WHERE " + condition).rows().get(0).get(0)).doubleValue();
    assertThat(actual).isPositive();
    assertThat(estimate / actual).as("%s WHERE %s: estimated %s, kept %s", oracleTable, condition,
        estimate, actual).isBetween(1 / 1.5, 1.5);
  }

  private static final Pattern PROBE_ROWS = Pattern.compile(
      "JdbcTableScan\\(table=\\[\\[shop, public, analyze_probe]]\\): rowcount = ([0-9.E]+)");

  /** The planner's row estimate of the probe table, in a federated join. */
  private static double probeEstimate(Connection meridian) throws SQLException {
    try (Statement s = meridian.createStatement()) {
      String plan = explainAll(s, "SELECT count(*) FROM shop.public.analyze_probe p"
          + " JOIN analytics.tpch.supplier x ON p.id = x.s_suppkey");
      Matcher m = PROBE_ROWS.matcher(plan);
      assertThat(m.find()).as(plan).isTrue();
      return Double.parseDouble(m.group(1));
    }
  }

  /**
   * Statistics are cached (five minutes); rows written behind Meridian's back leave them
   * stale until ANALYZE, which makes the backend gather them again and the planner use them
   * from the next statement on.
   */
  @Test void analyzeRefreshesStaleStatistics() throws Exception {
    try (Connection pg = DriverManager.getConnection(fixture.demo().postgresUrl(),
        "postgres", ""); Statement s = pg.createStatement();
         Connection meridian = fixture.connect()) {
      s.execute("DROP TABLE IF EXISTS public.analyze_probe");
      // Autovacuum off: only ANALYZE gathers its statistics here.
      s.execute("CREATE TABLE public.analyze_probe (id INTEGER)"
          + " WITH (autovacuum_enabled = false)");
      s.execute("INSERT INTO public.analyze_probe SELECT g FROM generate_series(1, 10) g");
      s.execute("ANALYZE public.analyze_probe");
      try {
        assertThat(probeEstimate(meridian)).isEqualTo(10.0);
        s.execute("INSERT INTO public.analyze_probe"
            + " SELECT g FROM generate_series(11, 50000) g");
        assertThat(probeEstimate(meridian)).as("cached, stale").isEqualTo(10.0);

        try (Statement m = meridian.createStatement()) {
          assertThat(m.execute("ANALYZE shop.public.analyze_probe")).isFalse();
        }
        assertThat(probeEstimate(meridian)).as("after ANALYZE").isEqualTo(50000.0);

        try (Statement m = meridian.createStatement()) {
          assertThatThrownBy(() -> m.execute("ANALYZE TABLE shop.public.no_such_table"))
              .isInstanceOf(SQLException.class)
              .hasMessageContaining("shop.public.no_such_table does not exist");
        }
      } finally {
        s.execute("DROP TABLE IF EXISTS public.analyze_probe");
      }
    }
  }

  /**
   * DuckDB's Parquet writer records distinct counts only for dictionary-encoded columns, so a key
   * such as {@code l_orderkey} has none in its footer and a grouping by it is sized by Calcite's
   * guess. {@code ANALYZE} counts them over the table's files; the next plan groups into the
   * counted number (within the sketch's error, 10%, of the oracle's exact count; before, the
   * guess is more than 50% off). The counts are kept beside the table: a new server over the
   * same files uses them without ANALYZE, and ignores them once the files change. Its own
   * servers over a copy of the lake's lineitem, so that the shared lake and server stay as
   * they were.
   */
  @Test void analyzeCountsTheDistinctValuesParquetFootersLack() throws Exception {
    double exact;
    try (Connection c = fixture.demo().openColocated(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(
             "SELECT count(DISTINCT l_orderkey) FROM tpch.lineitem")) {
      assertThat(rs.next()).isTrue();
      exact = rs.getDouble(1);
    }
    String grouped = "SELECT r.r_name, t.n FROM (SELECT l_orderkey, count(*) AS n"
        + " FROM lake.tpch.lineitem GROUP BY l_orderkey) t"
        + " JOIN shop.public.region r ON t.l_orderkey = r.r_regionkey";
    java.nio.file.Path lake = java.nio.file.Path.of("target", "analyze-lake").toAbsolutePath();
    io.meridian.server.demo.DemoEnvironment.deleteRecursively(lake);
    java.nio.file.Path source = fixture.demo().lakeDirectory().resolve("tpch");
    java.nio.file.Path lineitem = lake.resolve("tpch").resolve("lineitem.parquet");
    java.nio.file.Files.createDirectories(lineitem.getParent());
    java.nio.file.Files.copy(source.resolve("lineitem.parquet"), lineitem);
    io.meridian.adapter.CatalogSpec spec = new io.meridian.adapter.CatalogSpec("lake", "parquet",
        java.util.Map.of("path", lake.toString()));
    double before;
    double after;
    try (io.meridian.server.MeridianServer server = fixture.startWithShop(spec);
         Connection c = DriverManager.getConnection(server.clientUrl());
         Statement s = c.createStatement()) {
      before = groupEstimate(s, grouped);
      assertThat(Math.abs(before - exact) / exact).as("before ANALYZE: %s of %s", before, exact)
          .isGreaterThan(0.5);
      assertThat(s.execute("ANALYZE lake.tpch.lineitem")).isFalse();
      after = groupEstimate(s, grouped);
      // A HyperLogLog sketch: a few percent off the exact count (5.5% here).
      assertThat(after).as("after ANALYZE").isCloseTo(exact, within(exact * 0.1));
      assertThatThrownBy(() -> s.execute("ANALYZE lake.tpch.no_such_table"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("lake.tpch.no_such_table does not exist");
    }
    // A new server over the same files: the counts, without ANALYZE.
    try (io.meridian.server.MeridianServer server = fixture.startWithShop(spec);
         Connection c = DriverManager.getConnection(server.clientUrl());
         Statement s = c.createStatement()) {
      assertThat(groupEstimate(s, grouped)).as("after a restart").isEqualTo(after);
    }
    // The file rewritten since (here: its modification time): the counts are stale, unused.
    java.nio.file.Files.setLastModifiedTime(lineitem, java.nio.file.attribute.FileTime
        .fromMillis(java.nio.file.Files.getLastModifiedTime(lineitem).toMillis() + 60_000));
    try (io.meridian.server.MeridianServer server = fixture.startWithShop(spec);
         Connection c = DriverManager.getConnection(server.clientUrl());
         Statement s = c.createStatement()) {
      assertThat(groupEstimate(s, grouped)).as("after the files changed").isEqualTo(before);
    }
    assertThat(lake.resolve("tpch").resolve(".lineitem.meridian-analyze")).doesNotExist();
  }

  /**
   * A grouping above a cross-backend join yields at most the distinct values of its keys, here
   * PostgreSQL's count for {@code o_orderpriority} (5): the estimate of the plan's result says
   * so, wherever placement runs it. Calcite's distinct counts stop at each backend fragment's
   * edge, and without the cap the grouping was sized as a tenth of the join.
   */
  @Test void aGroupingAboveAFederatedJoinIsCappedByItsKeysDistinctValues() throws Exception {
    String sql = "SELECT o.o_orderpriority, count(*) AS n FROM shop.public.orders o"
        + " JOIN lake.tpch.lineitem l ON l.l_orderkey = o.o_orderkey"
        + " WHERE l.l_commitdate < l.l_receiptdate GROUP BY o.o_orderpriority";
    String plan;
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      plan = explainAll(s, sql);
    }
    String top = plan.split("\n", 2)[0];
    Matcher m = TOP_ROWS.matcher(top);
    assertThat(m.find()).as("the result's estimate in:%n%s", plan).isTrue();
    double estimate = Double.parseDouble(m.group(1) != null ? m.group(1) : m.group(2));
    assertThat(estimate).as("%s", plan).isCloseTo(5.0, within(0.5));
  }

  /** The estimated rows of a plan's top node: the engine's, or the JVM operator's. */
  private static final Pattern TOP_ROWS =
      Pattern.compile("rows=\\[([0-9.E]+)]|rowcount = ([0-9.E]+)");

  /** The plan of a statement with every node's estimates ({@code INCLUDING ALL ATTRIBUTES}). */
  private static String explainAll(Statement s, String sql) throws SQLException {
    StringBuilder plan = new StringBuilder();
    try (ResultSet rs = s.executeQuery("EXPLAIN PLAN INCLUDING ALL ATTRIBUTES FOR " + sql)) {
      while (rs.next()) {
        plan.append(rs.getString(1)).append('\n');
      }
    }
    return plan.toString();
  }

  private static double groupEstimate(Statement s, String sql) throws SQLException {
    String plan = explainAll(s, sql);
    Matcher m = AGGREGATE_ROWS.matcher(plan);
    assertThat(m.find()).as("a grouping in:%n%s", plan).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static double aggregateEstimate(String catalog) throws SQLException {
    String plan = backends.explain(groupedThenJoined(catalog), true);
    Matcher m = AGGREGATE_ROWS.matcher(plan);
    assertThat(m.find()).as("a grouping in %s in:%n%s", catalog, plan).isTrue();
    return Double.parseDouble(m.group(1));
  }

  /** The catalog of the join's other side: another backend, so the statement is federated. */
  private static String other(String catalog) {
    return catalog.equals(Backend.DUCKDB.catalog) ? Backend.POSTGRES.catalog
        : Backend.DUCKDB.catalog;
  }
}
