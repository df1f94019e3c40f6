package io.meridian.server.backends;

import io.meridian.server.testing.DemoServerFixture;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Writes through Meridian go to the backend that holds the table, as SQL, and are visible when
 * reading the backend directly; a write Meridian cannot run is refused without writing anything.
 */
class BackendWritesIT {
  private static DemoServerFixture fixture;

  @BeforeAll static void start() throws Exception {
    fixture = DemoServerFixture.get();
    try (Connection pg = DriverManager.getConnection(fixture.demo().postgresUrl(), "postgres", "");
         Statement s = pg.createStatement()) {
      s.execute("DROP TABLE IF EXISTS public.w_test");
      s.execute("CREATE TABLE public.w_test (id INTEGER PRIMARY KEY, name VARCHAR(20),"
          + " amount DECIMAL(10,2))");
    }
  }

  private static List<String> postgresRows() throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection pg = DriverManager.getConnection(fixture.demo().postgresUrl(), "postgres", "");
         Statement s = pg.createStatement();
         ResultSet rs = s.executeQuery("SELECT id, name, amount FROM public.w_test ORDER BY id")) {
      while (rs.next()) {
        rows.add(rs.getInt(1) + "|" + rs.getString(2) + "|" + rs.getBigDecimal(3));
      }
    }
    return rows;
  }

  @Test void insertUpdateDeleteRunInPostgres() throws SQLException {
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      String insert = "INSERT INTO shop.public.w_test VALUES (1, 'one', 1.50), (2, 'two', NULL),"
          + " (3, 'three', 3.25)";
      try (ResultSet rs = s.executeQuery("EXPLAIN PLAN FOR " + insert)) {
        rs.next();
        assertThat(rs.getString(1)).startsWith("BackendToEnumerableConverter")
            .contains("JdbcTableModify(table=[[shop, public, w_test]], operation=[INSERT]");
      }
      assertThat(s.executeUpdate(insert)).isEqualTo(3);
      assertThat(s.executeUpdate(
          "UPDATE shop.public.w_test SET amount = amount * 2 WHERE id = 3")).isEqualTo(1);
      assertThat(s.executeUpdate("DELETE FROM shop.public.w_test WHERE id = 1")).isEqualTo(1);
    }
    assertThat(postgresRows()).containsExactly("2|two|null", "3|three|6.50");
  }

  @Test void insertFromAnotherCatalogStreamsRowsInOneTransaction() throws SQLException {
    try (Connection pg = DriverManager.getConnection(fixture.demo().postgresUrl(), "postgres", "");
         Statement s = pg.createStatement()) {
      s.execute("DROP TABLE IF EXISTS public.w_copy");
      s.execute("CREATE TABLE public.w_copy (id INTEGER PRIMARY KEY, name VARCHAR(25),"
          + " bal DECIMAL(15,2), since DATE)");
      s.execute("INSERT INTO public.w_copy VALUES (50, 'already there', 0, NULL)");
    }
    String copy = "INSERT INTO shop.public.w_copy SELECT s_suppkey, s_name, s_acctbal,"
        + " DATE '2024-02-29' FROM analytics.tpch.supplier WHERE s_suppkey %s";
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("EXPLAIN PLAN FOR " + String.format(copy, "< 50"))) {
        rs.next();
        assertThat(rs.getString(1))
            .startsWith("EnumerableBackendInsert(table=[[shop, public, w_copy]]")
            .contains("JdbcTableScan(table=[[analytics, tpch, supplier]])");
      }
      assertThat(s.executeUpdate(String.format(copy, "< 50"))).isEqualTo(49);
      // Row 50 collides with the row already there, half-way through: nothing is written.
      assertThatThrownBy(() -> s.executeUpdate(String.format(copy, "BETWEEN 51 AND 60 OR"
          + " s_suppkey BETWEEN 40 AND 50")))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
    }
    try (Connection pg = DriverManager.getConnection(fixture.demo().postgresUrl(), "postgres", "");
         Statement s = pg.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*), min(since), max(bal) FROM public.w_copy"
             + " WHERE id <> 50")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(49);
      assertThat(rs.getDate(2).toLocalDate()).hasToString("2024-02-29");
    }
  }

  @Test void insertSelectWithinDuckDbRunsInDuckDb() throws SQLException {
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      String insert = "INSERT INTO analytics.tpch.supplier SELECT s_suppkey + 500000, s_name,"
          + " s_address, s_nationkey, s_phone, s_acctbal, s_comment FROM analytics.tpch.supplier"
          + " WHERE s_suppkey <= 5";
      try (ResultSet rs = s.executeQuery("EXPLAIN PLAN FOR " + insert)) {
        rs.next();
        assertThat(rs.getString(1)).startsWith("BackendToEnumerableConverter")
            .contains("JdbcTableModify(table=[[analytics, tpch, supplier]]");
      }
      try {
        assertThat(s.executeUpdate(insert)).isEqualTo(5);
        try (ResultSet rs = s.executeQuery(
            "SELECT count(*) FROM analytics.tpch.supplier WHERE s_suppkey > 500000")) {
          rs.next();
          assertThat(rs.getLong(1)).isEqualTo(5);
        }
      } finally {
        // The demo's tables are shared with other tests: leave them as they were.
        assertThat(s.executeUpdate(
            "DELETE FROM analytics.tpch.supplier WHERE s_suppkey > 500000")).isEqualTo(5);
      }
    }
  }
}
