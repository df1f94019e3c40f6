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

  @Test void writeFromAnotherCatalogIsRefusedAndWritesNothing() throws SQLException {
    List<String> before = postgresRows();
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeUpdate("INSERT INTO shop.public.w_test"
          + " SELECT s_suppkey + 1000, s_name, s_acctbal FROM analytics.tpch.supplier"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("cannot run this statement yet")
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("0A000"));
    }
    assertThat(postgresRows()).isEqualTo(before);
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
