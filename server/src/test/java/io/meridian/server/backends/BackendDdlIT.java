package io.meridian.server.backends;

import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.Rows;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * DDL through Meridian runs in the backend that holds the table, in its dialect: CREATE TABLE
 * with columns or AS a query over any catalogs, DROP TABLE, CREATE INDEX; the change is seen at
 * once by every connection, and a CREATE TABLE ... AS that fails leaves no table behind.
 */
class BackendDdlIT {
  private static SingleBackendFixture fixture;
  private static DemoServerFixture demo;

  @BeforeAll static void start() throws Exception {
    fixture = SingleBackendFixture.get();
    demo = DemoServerFixture.get();
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(fixture.server().jdbcUrl());
  }

  private static Connection connect(String defaultSchema) throws SQLException {
    // Avatica keeps the "schema" URL property on the client; setSchema reaches the server.
    Connection connection = DriverManager.getConnection(fixture.server().jdbcUrl());
    connection.setSchema(defaultSchema);
    return connection;
  }

  private static String table(Backend backend, String name) {
    return backend.scratch + "." + name;
  }

  @ParameterizedTest @EnumSource(Backend.class)
  void createInsertReadDrop(Backend backend) throws SQLException {
    String t = table(backend, "ddl_columns");
    try (Connection c = connect(); Statement s = c.createStatement();
         Connection other = connect(); Statement o = other.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + t);
      // The other connection has looked at the catalog before the table exists.
      assertThatThrownBy(() -> o.executeQuery("SELECT * FROM " + t))
          .hasMessageContaining("ddl_columns");
      s.execute("CREATE TABLE " + t + " (id INTEGER NOT NULL, name VARCHAR(20), price"
          + " DECIMAL(10, 2), day DATE, ratio DOUBLE, flag BOOLEAN, note TEXT, big BIGINT)");
      assertThat(s.executeUpdate("INSERT INTO " + t + " VALUES (1, 'one', 12.50,"
          + " DATE '2024-02-29', 0.25, TRUE, 'x', 9000000000), (2, NULL, NULL, NULL, NULL,"
          + " NULL, NULL, NULL)")).isEqualTo(2);
      try (ResultSet rs = o.executeQuery("SELECT id, name, price, day, ratio, flag, note, big"
          + " FROM " + t + " ORDER BY id")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(1);
        assertThat(rs.getString(2)).isEqualTo("one");
        assertThat(rs.getBigDecimal(3)).isEqualByComparingTo("12.50");
        assertThat(rs.getMetaData().getScale(3)).isEqualTo(2);
        assertThat(rs.getDate(4).toLocalDate()).hasToString("2024-02-29");
        assertThat(rs.getDouble(5)).isEqualTo(0.25);
        assertThat(rs.getBoolean(6)).isTrue();
        assertThat(rs.getString(7)).isEqualTo("x");
        assertThat(rs.getLong(8)).isEqualTo(9_000_000_000L);
        assertThat(rs.next()).isTrue();
        for (int i = 2; i <= 8; i++) {
          assertThat(rs.getObject(i)).as("column %d", i).isNull();
        }
        assertThat(rs.next()).isFalse();
      }
      s.execute("DROP TABLE " + t);
      assertThatThrownBy(() -> o.executeQuery("SELECT * FROM " + t))
          .hasMessageContaining("ddl_columns");
    }
  }

  @ParameterizedTest @EnumSource(Backend.class)
  void createTableAsSelectFromAnotherCatalog(Backend backend) throws SQLException {
    String t = table(backend, "ddl_ctas");
    String source = "SELECT n_nationkey AS k, n_name AS name, r_name AS region,"
        + " CAST(n_nationkey * 1.5 AS DECIMAL(8, 2)) AS score"
        + " FROM tpch_duckdb.tpch.nation JOIN tpch_pg.tpch.region ON n_regionkey = r_regionkey"
        + " WHERE n_nationkey < 20";
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + t);
      s.execute("CREATE TABLE " + t + " AS " + source);
    }
    Rows copied = fixture.query("SELECT k, name, region, score FROM " + t + " ORDER BY k");
    Rows expected = demo.queryOracle("SELECT n_nationkey AS k, n_name AS name, r_name AS region,"
        + " CAST(n_nationkey * 1.5 AS DECIMAL(8, 2)) AS score FROM tpch.nation JOIN tpch.region"
        + " ON n_regionkey = r_regionkey WHERE n_nationkey < 20 ORDER BY k");
    assertThat(copied.size()).isEqualTo(20);
    assertThat(copied.differenceFrom(expected, true)).isNull();
    try (Connection c = connect(); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute("CREATE TABLE " + t + " AS SELECT 1 AS k"))
          .hasMessageContaining("already exists");
      s.execute("CREATE TABLE IF NOT EXISTS " + t + " AS SELECT 1 AS k");
      s.execute("DROP TABLE " + t);
    }
  }

  @ParameterizedTest @EnumSource(Backend.class)
  void failedCreateTableAsLeavesNoTable(Backend backend) throws SQLException {
    String t = table(backend, "ddl_failed");
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + t);
      // The 10 000th row of lineitem does not convert: the statement fails half-way.
      assertThatThrownBy(() -> s.execute("CREATE TABLE " + t + " AS SELECT l_orderkey,"
          + " CAST(CASE WHEN rn = 10000 THEN 'x' ELSE '1' END AS INTEGER) AS v FROM"
          + " (SELECT l_orderkey, ROW_NUMBER() OVER (ORDER BY l_orderkey, l_linenumber) AS rn"
          + " FROM tpch_pg.tpch.lineitem) AS q"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("was not created");
      assertThatThrownBy(() -> s.executeQuery("SELECT * FROM " + t))
          .hasMessageContaining("ddl_failed");
    }
  }

  @ParameterizedTest @EnumSource(Backend.class)
  void defaultSchemaResolvesUnqualifiedNames(Backend backend) throws SQLException {
    try (Connection c = connect(backend.scratchPath); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS ddl_short");
      s.execute("CREATE TABLE ddl_short (a INTEGER, b INTEGER)");
      s.executeUpdate("INSERT INTO ddl_short VALUES (1, 2), (3, 4)");
      try (ResultSet rs = s.executeQuery("SELECT sum(a + b) FROM ddl_short")) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(10);
      }
      if (backend == Backend.CLICKHOUSE) {
        assertThatThrownBy(() -> s.execute("CREATE INDEX ddl_i ON ddl_short (a, b)"))
            .hasMessageContaining("cannot create index ddl_i");
      } else {
        s.execute("CREATE INDEX ddl_i ON ddl_short (a, b)");
      }
      s.execute("DROP TABLE ddl_short");
    }
  }

  @Test void errorsNameWhatIsWrong() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute("CREATE TABLE nowhere.main.t (a INTEGER)"))
          .hasMessageContaining("catalog 'nowhere' does not exist");
      assertThatThrownBy(() -> s.execute("CREATE TABLE scratch_duckdb.nope.t (a INTEGER)"))
          .hasMessageContaining("schema 'nope' does not exist in catalog 'scratch_duckdb'");
      assertThatThrownBy(() -> s.execute("DROP TABLE scratch_duckdb.main.never_made"))
          .hasMessageContaining("scratch_duckdb.main.never_made does not exist");
      s.execute("DROP TABLE IF EXISTS scratch_duckdb.main.never_made");
      assertThatThrownBy(() -> s.execute("DROP TABLE scratch_duckdb.main.)"))
          .hasMessageContaining("line 1, column 31");
      assertThatThrownBy(() -> s.execute("CREATE TABLE t (a INTEGER)"))
          .hasMessageContaining("default schema");
      // The oracle's DuckDB file is open read-only: the backend refuses, naming the catalog.
      assertThatThrownBy(() -> s.execute("CREATE TABLE tpch_duckdb.tpch.t (a INTEGER)"))
          .hasMessageContaining("tpch_duckdb");
    }
  }

  /**
   * A table created or dropped directly in the backend (not through Meridian) is seen by a
   * connection that has already listed the catalog and run the same statement: at once when a
   * statement names it, within the catalog refresh interval when it disappears.
   */
  @Test void tablesChangedDirectlyInTheBackendAreSeen() throws Exception {
    String url = demo.demo().postgresUrl("tpch");
    String query = "SELECT count(*) AS n FROM tpch_pg.public.made_outside";
    try (Connection meridian = connect(); Statement m = meridian.createStatement();
         Connection pg = DriverManager.getConnection(url, "postgres", "");
         Statement p = pg.createStatement()) {
      p.execute("DROP TABLE IF EXISTS public.made_outside");
      assertThatThrownBy(() -> m.executeQuery(query))
          .hasMessageContaining("'made_outside' not found");
      p.execute("CREATE TABLE public.made_outside (a INTEGER)");
      p.execute("INSERT INTO public.made_outside VALUES (1), (2)");
      try (ResultSet rs = m.executeQuery(query)) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(2);
      }
      p.execute("INSERT INTO public.made_outside VALUES (3)");
      try (ResultSet rs = m.executeQuery(query)) { // the prepared query again: current rows
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(3);
      }
      p.execute("DROP TABLE public.made_outside");
      Thread.sleep(10_500); // the catalog refresh interval
      // Meridian's own answer (the table is gone from its catalog), not the backend's.
      assertThatThrownBy(() -> m.executeQuery(query))
          .hasMessageContaining("'made_outside' not found");
    }
  }
}
