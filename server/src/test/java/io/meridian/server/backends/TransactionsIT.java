package io.meridian.server.backends;

import io.meridian.server.testing.DemoServerFixture;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A client's explicit transaction (autocommit off) runs on one backend connection per catalog
 * and commits or rolls back there; a transaction that would write to two catalogs, or to a
 * backend without transactions, is refused before anything is written; a failed statement
 * rolls the transaction back. Checked on the backends themselves.
 */
class TransactionsIT {
  private static final String PG = "tpch_pg.public.tx_test";
  private static final String DUCK = "scratch_duckdb.main.tx_test";
  private static final String CH = "tpch_ch.\"default\".tx_test";

  private static SingleBackendFixture fixture;
  private static DemoServerFixture demo;

  @BeforeAll static void start() throws Exception {
    fixture = SingleBackendFixture.get();
    demo = DemoServerFixture.get();
  }

  @BeforeEach void freshTables() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      for (String t : new String[] {PG, DUCK, CH}) {
        s.execute("DROP TABLE IF EXISTS " + t);
        s.execute("CREATE TABLE " + t + " (id INTEGER NOT NULL, v VARCHAR(30))");
      }
    }
    try (Connection pg = postgres(); Statement s = pg.createStatement()) {
      s.execute("ALTER TABLE public.tx_test ADD PRIMARY KEY (id)");
    }
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(fixture.server().jdbcUrl());
  }

  private static Connection postgres() throws SQLException {
    return DriverManager.getConnection(demo.demo().postgresUrl("tpch"), "postgres", "");
  }

  /** Rows of the PostgreSQL table, read directly from PostgreSQL. */
  private static long postgresCount() throws SQLException {
    try (Connection pg = postgres(); Statement s = pg.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM public.tx_test")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static long count(Statement s, String table) throws SQLException {
    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test void commitMakesWritesVisibleAndNotBefore() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      assertThat(s.executeUpdate("INSERT INTO " + PG + " VALUES (1, 'a'), (2, 'b')"))
          .isEqualTo(2);
      assertThat(s.executeUpdate("UPDATE " + PG + " SET v = 'bb' WHERE id = 2")).isEqualTo(1);
      // The transaction sees its own writes; PostgreSQL's other sessions do not, yet.
      assertThat(count(s, PG)).isEqualTo(2);
      assertThat(postgresCount()).isZero();
      c.commit();
      assertThat(postgresCount()).isEqualTo(2);
    }
  }

  @Test void rollbackLeavesNothing() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.executeUpdate("INSERT INTO " + DUCK + " SELECT n_nationkey, n_name FROM"
          + " tpch_pg.tpch.nation");
      assertThat(count(s, DUCK)).isEqualTo(25);
      c.rollback();
      assertThat(count(s, DUCK)).isZero();
      // The connection goes on in a new transaction.
      s.executeUpdate("INSERT INTO " + DUCK + " VALUES (7, 'x')");
      c.commit();
      assertThat(count(s, DUCK)).isEqualTo(1);
    }
  }

  @Test void secondCatalogWriteIsRefusedAndNothingIsHalfWritten() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.executeUpdate("INSERT INTO " + PG + " VALUES (1, 'a')");
      assertThatThrownBy(() -> s.executeUpdate("INSERT INTO " + DUCK + " VALUES (1, 'a')"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("writes to one catalog only")
          .hasMessageContaining("'tpch_pg'").hasMessageContaining("'scratch_duckdb'");
      // The failed statement ended the transaction: refused until the client rolls back.
      assertThatThrownBy(() -> count(s, PG)).hasMessageContaining("rolled back");
      assertThatThrownBy(c::commit).hasMessageContaining("nothing was committed");
      assertThat(postgresCount()).isZero();
      assertThat(count(s, DUCK)).isZero();
    }
  }

  @Test void writesToABackendWithoutTransactionsAreRefused() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      assertThatThrownBy(() -> s.executeUpdate("INSERT INTO " + CH + " VALUES (1, 'a')"))
          .hasMessageContaining("catalog 'tpch_ch' (clickhouse) has no transactions");
      c.rollback();
      c.setAutoCommit(true);
      assertThat(s.executeUpdate("INSERT INTO " + CH + " VALUES (1, 'a')")).isEqualTo(1);
      assertThat(count(s, CH)).isEqualTo(1);
    }
  }

  @Test void failedStatementRollsBackEarlierWrites() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.executeUpdate("INSERT INTO " + PG + " VALUES (1, 'a')");
      assertThatThrownBy(() -> s.executeUpdate("INSERT INTO " + PG + " VALUES (2, 'b'), (1, 'c')"))
          .isInstanceOf(SQLException.class);
      c.rollback();
      assertThat(postgresCount()).isZero();
      s.executeUpdate("INSERT INTO " + PG + " VALUES (3, 'c')");
      c.commit();
      assertThat(postgresCount()).isEqualTo(1);
    }
  }

  @Test void readsFromOtherCatalogsDoNotCountAsWrites() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      assertThat(s.executeUpdate("INSERT INTO " + PG + " SELECT n_nationkey, n_name FROM"
          + " tpch_duckdb.tpch.nation WHERE n_regionkey = 1")).isEqualTo(5);
      assertThat(count(s, "tpch_ch.tpch.region")).isEqualTo(5);
      c.commit();
      assertThat(postgresCount()).isEqualTo(5);
    }
  }

  @Test void ddlInATransactionRollsBackWithIt() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute("CREATE TABLE tpch_pg.public.tx_created AS SELECT 1 AS a");
      assertThat(count(s, "tpch_pg.public.tx_created")).isEqualTo(1);
      c.rollback();
      c.setAutoCommit(true);
      assertThatThrownBy(() -> count(s, "tpch_pg.public.tx_created"))
          .hasMessageContaining("tx_created");
    }
  }

  @Test void closingTheConnectionRollsBack() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.executeUpdate("INSERT INTO " + PG + " VALUES (1, 'a')");
    }
    assertThat(postgresCount()).isZero();
  }
}
