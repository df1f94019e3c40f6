package io.meridian.server;

import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.Rows;
import io.meridian.server.testing.TpchQueries;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Semi-join reduction (dynamic filtering) in the DuckDB engine, as EXPLAIN shows it: an input
 * is sent to its backend with {@code key IN (the keys of another input)} when the statistics
 * say the other side's keys are few against its own, and not when they say the keys cover it;
 * the session property {@code reduction=off} turns it off. Every answer is compared with the
 * oracle (DuckDB over all the rows) with reduction on and off.
 */
class SemiJoinReductionIT {
  private static DemoServerFixture fixture;

  @BeforeAll static void start() throws Exception {
    fixture = DemoServerFixture.get();
  }

  private static Properties session(String placement, String reduction) {
    Properties info = new Properties();
    info.setProperty("placement", placement);
    info.setProperty("reduction", reduction);
    return info;
  }

  /** The input whose subtree scans {@code table} and contains {@code also}. */
  private static int input(List<String> inputs, String table, String also) {
    for (int i = 0; i < inputs.size(); i++) {
      if (inputs.get(i).contains("JdbcTableScan(table=[[" + table + "]])")
          && inputs.get(i).contains(also)) {
        return i;
      }
    }
    throw new AssertionError("no input scans " + table + " with " + also + ": " + inputs);
  }

  /** Which input narrows input {@code target}, or -1. */
  private static int reducedBy(String plan, int target) {
    Matcher m = Pattern.compile("m_in_" + target + ": [^,\\]]*, reduced by the keys of m_in_(\\d+)")
        .matcher(plan);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  private static void assertSameAnswers(String sql, String oracleSql, boolean ordered)
      throws SQLException {
    Rows expected = fixture.queryOracle(oracleSql);
    for (String reduction : List.of("auto", "off")) {
      Rows actual = fixture.queryMeridian(sql, session("duckdb", reduction));
      assertThat(actual.differenceFrom(expected, ordered)).as("reduction=" + reduction)
          .isNull();
    }
  }

  /**
   * TPC-H q18: the orders worth reading are the few whose lineitems sum past 300; the orders in
   * PostgreSQL and the lineitems in Parquet are both read with those keys only.
   */
  @Test void q18ReadsOnlyTheOrdersTheHavingClauseKeeps() throws SQLException {
    String plan = fixture.explain(TpchQueries.forDemoLayout(18), session("auto", "auto"));
    assertThat(plan).as(plan).startsWith("EngineExecution(");
    List<String> inputs = DemoServerFixture.engineInputs(plan);
    int bigOrders = input(inputs, "lake, tpch, lineitem", "JdbcAggregate");
    int orders = input(inputs, "shop, public, orders", "");
    int lineitem = input(inputs, "lake, tpch, lineitem", "JdbcProject(l_orderkey=[$0], "
        + "l_quantity=[$4])\n");
    assertThat(reducedBy(plan, orders)).as(plan).isEqualTo(bigOrders);
    assertThat(reducedBy(plan, lineitem)).as(plan).isEqualTo(bigOrders);
    assertThat(reducedBy(plan, bigOrders)).as(plan).isEqualTo(-1);
    assertThat(plan).contains("m_in_" + orders + ": JDBC rows as Arrow, reduced by");
    assertSameAnswers(TpchQueries.forDemoLayout(18), TpchQueries.query(18), true);
  }

  /**
   * TPC-H q7 asks for (FRANCE, GERMANY) or (GERMANY, FRANCE) as supplier and customer nations:
   * the OR implies each nation is one of the two, which both backends holding a nation scan
   * apply themselves; the suppliers of those nations are narrowed by them, and the lineitems
   * read are narrowed by the keys of one of the two sides (the suppliers of those nations, or
   * the orders of customers there: both keep about 2 in 25, and the estimates choose).
   */
  @Test void q7NationsImpliedByTheOrNarrowEveryInput() throws SQLException {
    String plan = fixture.explain(TpchQueries.forDemoLayout(7), session("duckdb", "auto"));
    assertThat(plan).as(plan).startsWith("EngineExecution(");
    String implied = "JdbcFilter(condition=[SEARCH($1, Sarg['FRANCE':VARCHAR(25),"
        + " 'GERMANY':VARCHAR(25)]:VARCHAR(25))])";
    List<String> inputs = DemoServerFixture.engineInputs(plan);
    int customers = input(inputs, "shop, public, orders", implied);
    assertThat(inputs.get(customers)).contains("JdbcTableScan(table=[[shop, public, customer]])");
    int supplierNations = -1;
    for (int i = 0; i < inputs.size(); i++) {
      if (i != customers && inputs.get(i).contains(implied)
          && inputs.get(i).contains("JdbcTableScan(table=[[shop, public, nation]])")) {
        supplierNations = i;
      }
    }
    assertThat(supplierNations).as("a second input of the implied nations: %s", plan)
        .isNotNegative();
    int suppliers = input(inputs, "analytics, tpch, supplier", "");
    int lineitem = input(inputs, "lake, tpch, lineitem", "");
    assertThat(reducedBy(plan, suppliers)).as(plan).isEqualTo(supplierNations);
    assertThat(reducedBy(plan, lineitem)).as(plan).isIn(suppliers, customers);
    assertSameAnswers(TpchQueries.forDemoLayout(7), TpchQueries.query(7), true);
  }

  private static final String FEW_SUPPLIERS = "SELECT c.c_mktsegment, count(*) AS n"
      + " FROM shop.public.customer c JOIN analytics.tpch.supplier s"
      + " ON c.c_nationkey = s.s_nationkey WHERE s.s_suppkey = 3"
      + " GROUP BY c.c_mktsegment ORDER BY c.c_mktsegment";

  /** One supplier has one nation of 25: customers are read for that one only. */
  @Test void aSelectiveSideNarrowsTheOther() throws SQLException {
    String plan = fixture.explain(FEW_SUPPLIERS, session("duckdb", "auto"));
    List<String> inputs = DemoServerFixture.engineInputs(plan);
    int customer = input(inputs, "shop, public, customer", "");
    int supplier = input(inputs, "analytics, tpch, supplier", "");
    assertThat(reducedBy(plan, customer)).as(plan).isEqualTo(supplier);
    assertThat(reducedBy(plan, supplier)).as(plan).isEqualTo(-1);
    assertSameAnswers(FEW_SUPPLIERS, FEW_SUPPLIERS.replace("shop.public.", "tpch.")
        .replace("analytics.tpch.", "tpch."), true);
  }

  /** All suppliers cover all 25 nations: narrowing customers by them would gain nothing. */
  @Test void noReductionWhereTheKeysCoverTheOtherSide() throws SQLException {
    String sql = FEW_SUPPLIERS.replace(" WHERE s.s_suppkey = 3", "");
    String plan = fixture.explain(sql, session("duckdb", "auto"));
    assertThat(plan).as(plan).startsWith("EngineExecution(").doesNotContain("reduced by");
    assertSameAnswers(sql, sql.replace("shop.public.", "tpch.")
        .replace("analytics.tpch.", "tpch."), true);
  }

  @Test void theSessionCanTurnReductionOff() throws SQLException {
    String plan = fixture.explain(TpchQueries.forDemoLayout(18), session("auto", "off"));
    assertThat(plan).as(plan).startsWith("EngineExecution(").doesNotContain("reduced by");
  }

  @Test void anUnknownReductionSettingIsRefusedNamingTheChoices() {
    assertThatThrownBy(() -> DriverManager.getConnection(fixture.server().jdbcUrl(),
        session("auto", "always")).close())
        .hasMessageContaining("unknown reduction 'always'")
        .hasMessageContaining("auto or off");
  }
}
