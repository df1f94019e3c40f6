package io.meridian.server;

import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.Rows;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Pre-aggregation below a join, as EXPLAIN shows it: where an aggregate over a cross-backend
 * join reads one input's columns only, that input is grouped in its own backend by the columns
 * the join and the grouping use, when the statistics say that shrinks it enough to pay, and not
 * when they say the groups are about as many as the rows or the aggregate cannot be split. The
 * session property {@code preaggregation=off} turns it off. Every answer is compared with the
 * oracle (DuckDB over all the rows) with pre-aggregation and semi-join reduction each on and
 * off, including partial results that are NULL.
 */
class PreAggregationIT {
  private static DemoServerFixture fixture;

  @BeforeAll static void start() throws Exception {
    fixture = DemoServerFixture.get();
  }

  private static Properties session(String preAggregation, String reduction) {
    Properties info = new Properties();
    info.setProperty("preaggregation", preAggregation);
    info.setProperty("reduction", reduction);
    return info;
  }

  private static String oracle(String sql) {
    return sql.replace("shop.public.", "tpch.").replace("analytics.tpch.", "tpch.")
        .replace("lake.tpch.", "tpch.");
  }

  private static void assertSameAnswers(String sql) throws SQLException {
    Rows expected = fixture.queryOracle(oracle(sql));
    assertThat(expected.size()).isPositive();
    for (String preAggregation : List.of("auto", "off")) {
      for (String reduction : List.of("auto", "off")) {
        Rows actual = fixture.queryMeridian(sql, session(preAggregation, reduction));
        assertThat(actual.differenceFrom(expected, true))
            .as("preaggregation=" + preAggregation + ", reduction=" + reduction).isNull();
      }
    }
  }

  /** Asserts that no input of {@code sql} is grouped in its backend, and the answers. */
  private static void assertNoGroupingAndSameAnswers(String sql) throws SQLException {
    String plan = fixture.explain(sql, session("auto", "auto"));
    assertThat(plan).as(plan).doesNotContain("pre-aggregated")
        .doesNotContain("grouped in its backend");
    assertSameAnswers(sql);
  }

  /** The engine's input whose subtree scans {@code table}: its lines of the plan. */
  private static String input(String plan, String table) {
    return DemoServerFixture.engineInputs(plan).stream()
        .filter(block -> block.contains("[[" + table + "]]")).findFirst()
        .orElseThrow(() -> new AssertionError("no input scans " + table + ": " + plan));
  }

  /**
   * Orders (PostgreSQL, read over JDBC) per supplier's nation: the orders are narrowed to the
   * suppliers' keys and grouped by customer in PostgreSQL, so one row per customer moves instead
   * of one per order. The partials include counts of a CASE that is mostly NULL and a sum that is
   * NULL for some nations.
   */
  private static final String ORDERS_BY_NATION = "SELECT s.s_nationkey, count(*) AS n,"
      + " count(CASE WHEN o.o_orderpriority = '1-URGENT' THEN o.o_orderkey END) AS urgent,"
      + " sum(CASE WHEN o.o_totalprice > 400000 THEN o.o_totalprice END) AS big,"
      + " sum(o.o_totalprice) AS total, min(o.o_orderdate) AS first,"
      + " max(o.o_orderstatus) AS status"
      + " FROM shop.public.orders o JOIN analytics.tpch.supplier s ON o.o_custkey = s.s_suppkey"
      + " GROUP BY s.s_nationkey ORDER BY s.s_nationkey";

  @Test void anInputReadOverJdbcIsGroupedInItsBackendBelowTheJoin() throws SQLException {
    String plan = fixture.explain(ORDERS_BY_NATION, session("auto", "auto"));
    assertThat(plan).as(plan).startsWith("EngineExecution(").contains("engine=[duckdb]")
        .containsPattern("m_in_\\d pre-aggregated in its backend by 1 column\\(s\\) \\(est. ")
        .contains("JDBC rows as Arrow, grouped in its backend, reduced by the keys of");
    String orders = input(plan, "shop, public, orders");
    assertThat(orders).as(plan).contains("JdbcAggregate(group=[{0}]")
        .contains("COUNT()").contains("MIN(").contains("MAX(");
    assertThat(input(plan, "analytics, tpch, supplier")).doesNotContain("JdbcAggregate");
    assertSameAnswers(ORDERS_BY_NATION);
  }

  /**
   * Part suppliers (the DuckDB file, shipped as Arrow) per market segment of the customer whose
   * key is the supplier's: each supplier has eighty parts, so partsupp is grouped by supplier in
   * its DuckDB file, and the customers (PostgreSQL) are narrowed by the grouped rows' keys.
   * Forced to the DuckDB engine: by cost the whole statement goes to the DuckDB file with the
   * customers sent to it.
   */
  private static final String PARTS_BY_SEGMENT = "SELECT c.c_mktsegment,"
      + " sum(ps.ps_availqty) AS q, count(ps.ps_comment) AS c, max(ps.ps_supplycost) AS dear,"
      + " sum(ps.ps_supplycost * ps.ps_availqty) AS value"
      + " FROM analytics.tpch.partsupp ps JOIN shop.public.customer c"
      + " ON ps.ps_suppkey = c.c_custkey"
      + " GROUP BY c.c_mktsegment ORDER BY c.c_mktsegment";

  @Test void anArrowInputIsGroupedAndItsKeysNarrowTheOtherSide() throws SQLException {
    Properties forced = session("auto", "auto");
    forced.setProperty("placement", "duckdb");
    String plan = fixture.explain(PARTS_BY_SEGMENT, forced);
    assertThat(plan).as(plan).contains("engine=[duckdb]")
        .contains("Arrow from DuckDB, grouped in its backend")
        .containsPattern("m_in_\\d: JDBC rows as Arrow, reduced by the keys of m_in_\\d");
    assertThat(input(plan, "analytics, tpch, partsupp")).as(plan)
        .contains("JdbcAggregate(group=[{0}]")
        // The partial's argument is computed in the backend too.
        .containsPattern("m_argument_\\d=\\[\\*\\(");
    assertThat(input(plan, "shop, public, customer")).doesNotContain("JdbcAggregate");
    assertSameAnswers(PARTS_BY_SEGMENT);
    forced.setProperty("reduction", "off");
    assertThat(fixture.queryMeridian(PARTS_BY_SEGMENT, forced)
        .differenceFrom(fixture.queryOracle(oracle(PARTS_BY_SEGMENT)), true)).isNull();
  }

  /** Grouped by order and line number, lineitems form as many groups as rows: no grouping. */
  @Test void noGroupingWhereTheGroupsAreAsManyAsTheRows() throws SQLException {
    String sql = "SELECT l.l_orderkey, l.l_linenumber, o.o_orderpriority, sum(l.l_quantity) AS q"
        + " FROM lake.tpch.lineitem l JOIN shop.public.orders o ON l.l_orderkey = o.o_orderkey"
        + " WHERE l.l_linenumber = 7"
        + " GROUP BY l.l_orderkey, l.l_linenumber, o.o_orderpriority"
        + " ORDER BY l.l_orderkey";
    assertNoGroupingAndSameAnswers(sql);
  }

  /** A distinct count cannot be combined from partial counts: no grouping. */
  @Test void aDistinctAggregateIsNotSplit() throws SQLException {
    String sql = "SELECT o.o_orderpriority, count(DISTINCT l.l_partkey) AS parts"
        + " FROM lake.tpch.lineitem l JOIN shop.public.orders o ON l.l_orderkey = o.o_orderkey"
        + " GROUP BY o.o_orderpriority ORDER BY o.o_orderpriority";
    assertNoGroupingAndSameAnswers(sql);
  }

  /** An aggregate over an outer join keeps the unmatched rows' NULLs: no grouping. */
  @Test void anOuterJoinIsNotPreAggregated() throws SQLException {
    String sql = "SELECT o.o_orderpriority, sum(l.l_quantity) AS q, count(*) AS n"
        + " FROM shop.public.orders o LEFT JOIN lake.tpch.lineitem l"
        + " ON l.l_orderkey = o.o_orderkey AND l.l_quantity > 49"
        + " GROUP BY o.o_orderpriority ORDER BY o.o_orderpriority";
    assertNoGroupingAndSameAnswers(sql);
  }

  @Test void theSessionCanTurnPreAggregationOff() throws SQLException {
    String plan = fixture.explain(ORDERS_BY_NATION, session("off", "auto"));
    assertThat(plan).as(plan).contains("engine=[duckdb]").doesNotContain("pre-aggregated")
        .doesNotContain("JdbcAggregate");
  }

  @Test void anUnknownPreAggregationSettingIsRefusedNamingTheChoices() {
    assertThatThrownBy(() -> DriverManager.getConnection(fixture.server().jdbcUrl(),
        session("always", "auto")).close())
        .hasMessageContaining("unknown preaggregation 'always'")
        .hasMessageContaining("auto or off");
  }
}
