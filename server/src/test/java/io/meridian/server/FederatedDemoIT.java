package io.meridian.server;

import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.Rows;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * End to end: the server in-process on a free port, the Avatica thin driver over HTTP, the demo's
 * three catalogs (embedded PostgreSQL, DuckDB file, Parquet files); every result compared with
 * DuckDB over the same rows in one database.
 */
class FederatedDemoIT {
  private static DemoServerFixture fixture;

  @BeforeAll static void start() throws Exception {
    fixture = DemoServerFixture.get();
  }

  private static void assertSameAsOracle(String meridianSql, String oracleSql, boolean ordered)
      throws SQLException {
    Rows expected = fixture.queryOracle(oracleSql);
    Rows actual = fixture.queryMeridian(meridianSql);
    assertThat(expected.size()).as("oracle returned rows for: %s", oracleSql).isPositive();
    assertThat(actual.differenceFrom(expected, ordered)).as(meridianSql).isNull();
  }

  @Test void joinAcrossAllThreeCatalogsEqualsDuckDb() throws SQLException {
    String select = "SELECT n.n_name, s.s_name, count(*) AS lines,"
        + " sum(l.l_extendedprice * (1 - l.l_discount)) AS revenue"
        + " FROM %s o JOIN %s c ON o.o_custkey = c.c_custkey"
        + " JOIN %s n ON c.c_nationkey = n.n_nationkey"
        + " JOIN %s l ON l.l_orderkey = o.o_orderkey"
        + " JOIN %s s ON s.s_suppkey = l.l_suppkey AND s.s_nationkey = n.n_nationkey"
        + " WHERE o.o_orderdate >= DATE '1995-01-01'"
        + " GROUP BY n.n_name, s.s_name ORDER BY revenue DESC, n.n_name, s.s_name";
    String meridian = String.format(select, "shop.public.orders", "shop.public.customer",
        "shop.public.nation", "lake.tpch.lineitem", "analytics.tpch.supplier");
    String oracle = String.format(select, "orders", "customer", "nation", "lineitem",
        "supplier");
    assertSameAsOracle(meridian, oracle, true);
  }

  @ParameterizedTest
  @ValueSource(strings = {"customer", "orders", "nation", "region"})
  void postgresTablesEqualDuckDb(String table) throws SQLException {
    assertSameAsOracle("SELECT * FROM shop.public." + table, "SELECT * FROM " + table, false);
  }

  @ParameterizedTest
  @ValueSource(strings = {"part", "partsupp", "supplier"})
  void duckDbTablesEqualOracle(String table) throws SQLException {
    assertSameAsOracle("SELECT * FROM analytics.tpch." + table, "SELECT * FROM " + table,
        false);
  }

  @Test void parquetTableEqualsOracle() throws SQLException {
    assertSameAsOracle("SELECT * FROM lake.tpch.lineitem", "SELECT * FROM lineitem", false);
  }

  /**
   * A result of 60,000 rows crosses the first frame (filled on the server up to 8,192 rows) and
   * several fetches; every row arrives once and in order.
   */
  @Test void orderedResultLargerThanOneFrameArrivesWholeAndInOrder() throws SQLException {
    String sql = "SELECT l_orderkey, l_linenumber, l_comment FROM %s"
        + " ORDER BY l_orderkey, l_linenumber";
    assertSameAsOracle(String.format(sql, "lake.tpch.lineitem"), String.format(sql, "lineitem"),
        true);
  }

  @Test void maxRowsHoldsWhenTheFirstFrameIsFilled() throws SQLException {
    Rows expected = fixture.queryOracle("SELECT o_orderkey FROM orders ORDER BY o_orderkey"
        + " LIMIT 150");
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      s.setMaxRows(150);
      try (ResultSet rs = s.executeQuery(
          "SELECT o_orderkey FROM shop.public.orders ORDER BY o_orderkey")) {
        assertThat(Rows.read(rs).differenceFrom(expected, true)).isNull();
      }
    }
  }

  @Test void preparedStatementResultLargerThanOneFrameEqualsOracle() throws SQLException {
    Rows expected = fixture.queryOracle("SELECT o_orderkey, o_totalprice FROM orders"
        + " WHERE o_totalprice > 1000 ORDER BY o_orderkey");
    assertThat(expected.size()).isGreaterThan(10_000);
    try (Connection c = fixture.connect(); PreparedStatement ps = c.prepareStatement(
        "SELECT o_orderkey, o_totalprice FROM shop.public.orders WHERE o_totalprice > ?"
            + " ORDER BY o_orderkey")) {
      ps.setBigDecimal(1, new BigDecimal("1000"));
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(Rows.read(rs).differenceFrom(expected, true)).isNull();
      }
    }
  }

  @Test void aggregateWithNullsAndFiltersEqualsOracle() throws SQLException {
    String sql = "SELECT l_returnflag, l_linestatus, count(*) AS n, sum(l_quantity) AS qty,"
        + " avg(l_discount) AS disc, min(l_shipdate) AS first_ship,"
        + " max(CASE WHEN l_tax > 0.05 THEN l_tax END) AS high_tax,"
        + " count(CASE WHEN l_tax > 0.09 THEN 1 END) AS very_high"
        + " FROM %s WHERE l_shipdate <= DATE '1998-09-02' AND l_comment LIKE '%%e%%'"
        + " GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus";
    assertSameAsOracle(String.format(sql, "lake.tpch.lineitem"),
        String.format(sql, "lineitem"), true);
  }

  @Test void unquotedIdentifiersAreCaseInsensitive() throws SQLException {
    Rows upper = fixture.queryMeridian("SELECT R_NAME FROM SHOP.PUBLIC.REGION ORDER BY 1");
    Rows lower = fixture.queryOracle("SELECT r_name FROM region ORDER BY 1");
    assertThat(upper.differenceFrom(lower, true)).isNull();
  }

  @Test void badSqlNamesThePosition() throws SQLException {
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeQuery("SELECT n_name FROM shop.public.nation WHERE"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("SQL parse error at line 1, column 39")
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42601"));
      // The connection stays usable after an error.
      assertThat(s.executeQuery("SELECT count(*) FROM shop.public.region").next()).isTrue();
    }
  }

  @Test void unknownTableAndCatalogAreNamed() throws SQLException {
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeQuery("SELECT * FROM shop.public.no_such_table"))
          .hasMessageContaining("'no_such_table'")
          .hasMessageContaining("shop.public");
      assertThatThrownBy(() -> s.executeQuery("SELECT * FROM warehouse.tpch.orders"))
          .hasMessageContaining("'warehouse'");
    }
  }
}
