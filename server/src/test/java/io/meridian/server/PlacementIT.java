package io.meridian.server;

import io.meridian.server.config.MeridianConfig;
import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.Rows;
import io.meridian.server.testing.TpchQueries;

import com.google.common.collect.ImmutableMap;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Where the part of a federated statement that spans backends runs (the plan, as EXPLAIN shows
 * it): in the embedded DuckDB engine when the statistics say it is large, in the JVM when they
 * say it is small, and as forced by the session's {@code placement}.
 */
class PlacementIT {
  private static DemoServerFixture fixture;

  @BeforeAll static void start() throws Exception {
    fixture = DemoServerFixture.get();
  }

  private static Properties placement(String placement) {
    Properties info = new Properties();
    info.setProperty("placement", placement);
    return info;
  }

  private static int count(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /** TPC-H q9 joins six tables of three backends: thousands of rows meet above them. */
  @Test void largeCrossBackendJoinRunsInDuckDbByCost() throws SQLException {
    String plan = fixture.explain(TpchQueries.forDemoLayout(9), placement("auto"));
    assertThat(plan).as(plan).startsWith("EngineExecution(")
        .contains("engine=[duckdb]").contains("placement=[cost duckdb ");
    // Every input is a fragment one backend runs; nothing else is left to the JVM.
    assertThat(count(plan, "(?m)^  \\S")).as(plan)
        .isEqualTo(count(plan, "(?m)^  BackendToEnumerableConverter"));
    assertThat(plan).contains("JdbcTableScan(table=[[lake, tpch, lineitem]])")
        .contains("JdbcTableScan(table=[[shop, public, orders]])")
        .contains("JdbcTableScan(table=[[analytics, tpch, part]])");
  }

  /**
   * TPC-H q11 reads partsupp and supplier from the DuckDB file and nation from PostgreSQL, where
   * the statistics expect one nation: that row is sent to the DuckDB file as VALUES and the
   * whole query runs there (ship the small side), instead of partsupp's rows coming out. Forced
   * to the DuckDB engine, partsupp is read into it. The answers are the oracle's either way.
   */
  @Test void aSmallSideIsShippedIntoTheBackendHoldingTheBigOne() throws SQLException {
    String q11 = TpchQueries.forDemoLayout(11);
    String plan = fixture.explain(q11, placement("auto"));
    assertThat(plan).as(plan).contains("engine=[backend]")
        .contains("rows from the JVM, sent as VALUES").contains("runs in the backend")
        .contains("placement=[cost backend ")
        .doesNotContain("engine=[duckdb]");
    String forced = fixture.explain(q11, placement("duckdb"));
    assertThat(forced).as(forced).contains("engine=[duckdb]").doesNotContain("engine=[backend]");
    Rows expected = fixture.queryOracle(TpchQueries.query(11));
    assertThat(expected.size()).isPositive();
    for (String placement : new String[] {"auto", "duckdb", "backend"}) {
      assertThat(fixture.queryMeridian(q11, placement(placement)).differenceFrom(expected, true))
          .as(placement).isNull();
    }
  }

  /**
   * A grouping by the year of a date is sized by the years between the column's smallest and
   * largest value (1992 to 1998: 7), not by the join below it.
   */
  @Test void aGroupingByYearIsSizedByTheYearsTheStatisticsSpan() throws SQLException {
    String sql = "SELECT EXTRACT(YEAR FROM o.o_orderdate) AS y, count(*) AS n"
        + " FROM shop.public.orders o JOIN lake.tpch.lineitem l ON l.l_orderkey = o.o_orderkey"
        + " GROUP BY EXTRACT(YEAR FROM o.o_orderdate)";
    String plan = fixture.explain(sql, placement("duckdb"));
    assertThat(plan).as(plan).startsWith("EngineExecution(").contains("rows=[7]");
    assertThat(fixture.queryMeridian(sql, placement("duckdb")).differenceFrom(
        fixture.queryOracle(sql.replace("shop.public.", "tpch.").replace("lake.tpch.", "tpch.")),
        false)).isNull();
  }

  @Test void smallCrossBackendJoinStaysInTheJvmByCost() throws SQLException {
    String sql = "SELECT n.n_name, count(*) AS suppliers FROM shop.public.nation n"
        + " JOIN analytics.tpch.supplier s ON s.s_nationkey = n.n_nationkey"
        + " WHERE n.n_regionkey = 1 GROUP BY n.n_name ORDER BY n.n_name";
    String plan = fixture.explain(sql, placement("auto"));
    assertThat(plan).as(plan).doesNotContain("EngineExecution")
        .containsPattern("Enumerable\\w*Join")
        // The rejected engines, with their costs, after the plan.
        .containsPattern("(?m)^-- placement: Enumerable\\w+#\\d+ stays in the JVM: cost jvm "
            + "[0-9.e+]+ < .*duckdb [0-9.e+]+");
    // Forced, the same statement goes to DuckDB, with the same answer.
    String forced = fixture.explain(sql, placement("duckdb"));
    assertThat(forced).as(forced).startsWith("EngineExecution(")
        .contains("placement=[forced (placement=duckdb");
    Rows inJvm = fixture.queryMeridian(sql, placement("auto"));
    Rows inDuckDb = fixture.queryMeridian(sql, placement("duckdb"));
    assertThat(inJvm.size()).isPositive();
    assertThat(inDuckDb.differenceFrom(inJvm, true)).isNull();
  }

  /** The coefficients are data: the server's configuration can make DuckDB too dear. */
  @Test void configuredCostCoefficientsDecide() throws Exception {
    String q9 = TpchQueries.forDemoLayout(9);
    MeridianConfig config = fixture.demo().config("127.0.0.1", 0,
        Path.of("target", "it-data-costly")).withCostOverrides(
            ImmutableMap.of("duckdb-engine.fixed", 1e15));
    try (MeridianServer costly = MeridianServer.start(config)) {
      String plan = DemoServerFixture.explain(costly, q9, placement("auto"));
      // The DuckDB engine is out; a small join inside may still go to a backend.
      assertThat(plan).as(plan).doesNotContain("engine=[duckdb]");
    }
    assertThat(fixture.explain(q9, placement("auto"))).startsWith("EngineExecution(");
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 8, 9, 21})
  void forcedJvmPlacementNeverUsesTheEngine(int q) throws SQLException {
    String plan = fixture.explain(TpchQueries.forDemoLayout(q), placement("jvm"));
    assertThat(plan).as(plan).doesNotContain("EngineExecution");
  }

  @Test void singleBackendStatementsNeverUseTheEngine() throws SQLException {
    String sql = "SELECT o_orderpriority, count(*) FROM shop.public.orders o"
        + " JOIN shop.public.customer c ON c.c_custkey = o.o_custkey"
        + " GROUP BY o_orderpriority ORDER BY 1";
    String plan = fixture.explain(sql, placement("duckdb"));
    assertThat(plan).as(plan).startsWith("BackendToEnumerableConverter")
        .doesNotContain("EngineExecution");
  }

  @Test void unknownPlacementIsRefusedNamingTheChoices() {
    assertThatThrownBy(() -> DriverManager.getConnection(fixture.server().jdbcUrl(),
        placement("gpu")).close())
        .hasMessageContaining("unknown placement 'gpu'")
        .hasMessageContaining("auto, jvm, duckdb or backend");
  }
}
