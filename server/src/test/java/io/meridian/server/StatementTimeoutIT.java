package io.meridian.server;

import io.meridian.server.testing.DemoServerFixture;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code statement-timeout} connection property: a statement past it fails, and the query
 * it sent to PostgreSQL is stopped there (watched in {@code pg_stat_activity}); the connection
 * and the server go on serving. {@code Statement.cancel()} (through Meridian's client driver)
 * and closing the connection from another thread stop it the same way.
 */
class StatementTimeoutIT {
  /** A cross join PostgreSQL needs far longer than the timeout for (225M pairs). */
  private static final String SLOW = "SELECT count(*) AS n FROM shop.public.orders a,"
      + " shop.public.orders b WHERE a.o_totalprice + b.o_totalprice > 1000";

  private static DemoServerFixture fixture;

  @BeforeAll static void start() throws Exception {
    fixture = DemoServerFixture.get();
  }

  private static Connection meridian(String timeout) throws SQLException {
    Properties p = new Properties();
    p.setProperty("statement-timeout", timeout);
    return DriverManager.getConnection(fixture.server().jdbcUrl(), p);
  }

  /** The backend queries PostgreSQL is running that read orders against itself. */
  private static List<String> runningOnPostgres() throws SQLException {
    try (Connection pg = DriverManager.getConnection(fixture.demo().postgresUrl(),
        "postgres", ""); Statement s = pg.createStatement();
         ResultSet rs = s.executeQuery("SELECT query FROM pg_stat_activity"
             + " WHERE state = 'active' AND query LIKE '%o_totalprice%'"
             + " AND pid <> pg_backend_pid()")) {
      List<String> queries = new java.util.ArrayList<>();
      while (rs.next()) {
        queries.add(rs.getString(1));
      }
      return queries;
    }
  }

  @Test void aStatementPastItsTimeoutStopsItsBackendQuery() throws Exception {
    try (Connection c = meridian("2")) {
      long start = System.nanoTime();
      CompletableFuture<Object> slow = CompletableFuture.supplyAsync(() -> {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(SLOW)) {
          rs.next();
          return rs.getObject(1);
        } catch (SQLException e) {
          return e;
        }
      });
      // The query reaches PostgreSQL ...
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (runningOnPostgres().isEmpty() && !slow.isDone() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(runningOnPostgres()).as("the cross join running on PostgreSQL").isNotEmpty();
      // ... and the statement fails once its two seconds are up.
      Object outcome = slow.get(30, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(outcome).as("after %.1f s", seconds).isInstanceOf(SQLException.class);
      assertThat(((SQLException) outcome).getMessage()).containsIgnoringCase("cancel");
      // Backend statements get the whole seconds left of the two (planning took some).
      assertThat(seconds).isBetween(0.9, 10.0);
      // PostgreSQL stopped it (within a second of the failure).
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      while (!runningOnPostgres().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(runningOnPostgres()).as("PostgreSQL still running it").isEmpty();
      // The connection still serves.
      try (Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM shop.public.nation")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(25);
      }
    }
  }

  /** Runs a query on its own thread; its outcome is its first value or its failure. */
  private static CompletableFuture<Object> async(Statement s, String sql) {
    return CompletableFuture.supplyAsync(() -> {
      try (ResultSet rs = s.executeQuery(sql)) {
        rs.next();
        return rs.getObject(1);
      } catch (SQLException e) {
        return e;
      }
    });
  }

  /** Waits until PostgreSQL runs the slow query. */
  private static void awaitOnPostgres(CompletableFuture<Object> slow) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (runningOnPostgres().isEmpty() && !slow.isDone() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(runningOnPostgres()).as("the cross join running on PostgreSQL").isNotEmpty();
  }

  /** Returns how long, from now, PostgreSQL takes to stop the slow query (at most 5 s). */
  private static double secondsUntilStoppedOnPostgres(long from) throws Exception {
    long deadline = from + TimeUnit.SECONDS.toNanos(5);
    while (!runningOnPostgres().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(runningOnPostgres()).as("PostgreSQL still running it").isEmpty();
    return (System.nanoTime() - from) / 1e9;
  }

  /** A connection through Meridian's client driver, whose {@code cancel()} reaches the server. */
  private static Connection meridianClient(Properties info) throws SQLException {
    return DriverManager.getConnection(fixture.server().clientUrl(), info);
  }

  /**
   * {@code Statement.cancel()} from another thread stops the backend query within a second,
   * fails the running execute as cancelled, and leaves the statement usable.
   */
  @Test void cancelStopsTheBackendQuery() throws Exception {
    try (Connection c = meridianClient(new Properties()); Statement s = c.createStatement()) {
      CompletableFuture<Object> slow = async(s, SLOW);
      awaitOnPostgres(slow);
      long cancelled = System.nanoTime();
      s.cancel();
      assertThat(secondsUntilStoppedOnPostgres(cancelled)).isLessThan(1.0);
      Object outcome = slow.get(30, TimeUnit.SECONDS);
      assertThat(outcome).isInstanceOf(SQLException.class);
      assertThat(((SQLException) outcome).getSQLState()).isEqualTo("57014");
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM shop.public.nation")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(25);
      }
    }
  }

  /** Through Meridian's driver, {@code setQueryTimeout} stops the backend query too. */
  @Test void queryTimeoutStopsTheBackendQuery() throws Exception {
    try (Connection c = meridianClient(new Properties())) {
      for (boolean prepared : new boolean[] {false, true}) {
        Statement s = prepared ? c.prepareStatement(SLOW) : c.createStatement();
        s.setQueryTimeout(2);
        long start = System.nanoTime();
        CompletableFuture<Object> slow = prepared
            ? CompletableFuture.supplyAsync(() -> {
              try (ResultSet rs = ((java.sql.PreparedStatement) s).executeQuery()) {
                rs.next();
                return rs.getObject(1);
              } catch (SQLException e) {
                return e;
              }
            })
            : async(s, SLOW);
        awaitOnPostgres(slow);
        Object outcome = slow.get(30, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(outcome).as("prepared: " + prepared)
            .isInstanceOf(java.sql.SQLTimeoutException.class);
        assertThat(((SQLException) outcome).getMessage()).contains("query timeout of 2 s");
        assertThat(seconds).isBetween(1.9, 10.0);
        assertThat(secondsUntilStoppedOnPostgres(System.nanoTime())).isLessThan(1.0);
        s.close();
      }
    }
  }

  @Test void closingTheConnectionStopsItsStatementsBackendQueries() throws Exception {
    Connection c = meridian("0");
    CompletableFuture<Object> slow = async(c.createStatement(), SLOW);
    awaitOnPostgres(slow);
    long closed = System.nanoTime();
    c.close();
    assertThat(secondsUntilStoppedOnPostgres(closed)).isLessThan(1.0);
    assertThat(slow.get(30, TimeUnit.SECONDS)).isInstanceOf(SQLException.class);
  }

  /**
   * A statement the DuckDB engine runs (a cross join of 1.8e11 triples, far more than the test
   * waits for) stops when it is cancelled: the engine's own query is interrupted.
   */
  @Test void cancelStopsTheEngine() throws Exception {
    Properties p = new Properties();
    p.setProperty("placement", "duckdb");
    try (Connection c = meridianClient(p); Statement s = c.createStatement()) {
      String sql = "SELECT count(*) FROM shop.public.orders o, analytics.tpch.partsupp ps,"
          + " shop.public.customer cu"
          + " WHERE o.o_totalprice + ps.ps_supplycost + cu.c_acctbal = -1";
      try (ResultSet rs = s.executeQuery("EXPLAIN PLAN FOR " + sql)) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).startsWith("EngineExecution(");
      }
      CompletableFuture<Object> slow = async(s, sql);
      Thread.sleep(3000); // its inputs are read and the engine works on the join
      assertThat(slow).isNotDone();
      long cancelled = System.nanoTime();
      s.cancel();
      Object outcome = slow.get(30, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - cancelled) / 1e9;
      assertThat(outcome).isInstanceOf(SQLException.class);
      assertThat(seconds).as("seconds until the statement failed").isLessThan(5.0);
    }
  }

  /**
   * {@code statement-timeout} also stops a statement the DuckDB engine runs (the backends'
   * own timeouts cannot reach the engine's query).
   */
  @Test void aStatementPastItsTimeoutStopsTheEngine() throws Exception {
    Properties p = new Properties();
    p.setProperty("placement", "duckdb");
    p.setProperty("statement-timeout", "2");
    try (Connection c = DriverManager.getConnection(fixture.server().jdbcUrl(), p);
         Statement s = c.createStatement()) {
      long start = System.nanoTime();
      CompletableFuture<Object> slow = async(s, "SELECT count(*) FROM shop.public.orders o,"
          + " analytics.tpch.partsupp ps, shop.public.customer cu"
          + " WHERE o.o_totalprice + ps.ps_supplycost + cu.c_acctbal = -1");
      Object outcome = slow.get(60, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(outcome).isInstanceOf(SQLException.class);
      assertThat(seconds).as("seconds until the statement failed").isBetween(1.9, 10.0);
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM shop.public.nation")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(25);
      }
    }
  }

  @Test void aStatementWithinItsTimeoutAnswers() throws SQLException {
    try (Connection c = meridian("30"); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM shop.public.orders")) {
      assertThat(rs.next()).isTrue();
      assertThat(((Number) rs.getObject(1)).longValue()).isPositive();
    }
  }

  @Test void aTimeoutThatIsNotWholeSecondsIsRefusedByName() {
    assertThatThrownBy(() -> {
      try (Connection c = meridian("soon"); Statement s = c.createStatement()) {
        s.executeQuery("SELECT 1");
      }
    }).hasMessageContaining("statement-timeout").hasMessageContaining("soon");
  }
}
