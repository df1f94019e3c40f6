package io.meridian.server;

import io.meridian.adapter.CatalogSpec;
import io.meridian.server.backends.ClickHouseServer;
import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.Rows;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Backends failing under a running server, with real servers: PostgreSQL killed while it runs
 * a query, ClickHouse stopped, a Parquet file deleted while its table is being read, and a
 * backend that accepts connections but never answers. Each time the statements that need the
 * failed catalog fail with a message naming it (never its password), the other catalogs keep
 * answering meanwhile, and once the backend is back the same server answers again, with
 * nothing left running in the backend.
 */
class FaultIT {
  private static final Logger LOG = LoggerFactory.getLogger(FaultIT.class);
  /** How long any failure may take to surface: far less than a hang, far more than needed. */
  private static final long FAIL_WITHIN_SECONDS = 60;
  private static final String SHOP_QUERY = "SELECT count(*) FROM shop.public.nation";

  private static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      assertThat(rs.next()).isTrue();
      return rs.getLong(1);
    }
  }

  /** Runs a query on its own thread, returning its count or its failure. */
  private static CompletableFuture<Long> async(Connection c, String sql) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return count(c, sql);
      } catch (SQLException e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
  }

  /** The failure of a query that must fail, within {@link #FAIL_WITHIN_SECONDS}. */
  private static SQLException failureOf(CompletableFuture<Long> query) throws Exception {
    try {
      Long result = query.get(FAIL_WITHIN_SECONDS, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + result);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(SQLException.class);
      return (SQLException) e.getCause();
    }
  }

  /** Waits until the query answers again (the backend is back), returning its count. */
  private static long eventually(Connection c, String sql) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(FAIL_WITHIN_SECONDS);
    while (true) {
      try {
        return count(c, sql);
      } catch (SQLException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        LOG.info("not yet recovered: {}", e.getMessage());
        Thread.sleep(500);
      }
    }
  }

  @Test void postgresKilledMidQuery() throws Exception {
    DemoServerFixture fixture = DemoServerFixture.get();
    Path work = Path.of("target", "it-fault-postgres").toAbsolutePath();
    DemoEnvironment.deleteRecursively(work);
    EmbeddedPostgres crm = startPostgres(work.resolve("first"), 0);
    int port = crm.getPort();
    EmbeddedPostgres again = null;
    try (MeridianServer server = fixture.startWithShop(new CatalogSpec("crm", "postgres",
        Map.of("url", "jdbc:postgresql://127.0.0.1:" + port + "/postgres", "user", "postgres",
            "password", "crm-S3cret", "connect-timeout-seconds", "2")));
         Connection c = DriverManager.getConnection(server.jdbcUrl());
         Connection other = DriverManager.getConnection(server.jdbcUrl())) {
      assertThat(count(c, "SELECT count(*) FROM crm.public.accounts")).isEqualTo(15_000);
      // A cross join of 225 million pairs: PostgreSQL works on it for minutes.
      CompletableFuture<Long> running = async(c, "SELECT count(*) FROM crm.public.accounts a"
          + " CROSS JOIN crm.public.accounts b WHERE a.id + b.id = -424242");
      awaitActive(crm, "424242");
      killProcessTree(work.resolve("first").resolve("postmaster.pid"));

      SQLException failure = failureOf(running);
      assertThat(failure.getMessage()).contains("catalog 'crm'").doesNotContain("crm-S3cret");
      assertThat(count(other, SHOP_QUERY)).isEqualTo(25);
      assertThatThrownBy(() -> count(other, "SELECT count(*) FROM crm.public.accounts"))
          .hasMessageContaining("catalog 'crm'").hasMessageNotContaining("crm-S3cret");

      // PostgreSQL comes back (empty, in a new data directory) where it was.
      again = startPostgres(work.resolve("second"), port);
      assertThat(eventually(c, "SELECT count(*) FROM crm.public.accounts")).isEqualTo(15_000);
      assertThat(count(other, SHOP_QUERY)).isEqualTo(25);
      assertThat(activeQueries(again)).as("nothing left running").isEmpty();
    } finally {
      closeQuietly(crm);
      closeQuietly(again);
    }
  }

  private static EmbeddedPostgres startPostgres(Path dataDir, int port) throws Exception {
    EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dataDir)
        .setCleanDataDirectory(true).setPort(port)
        .setServerConfig("listen_addresses", "127.0.0.1").start();
    try (Connection c = pg.getPostgresDatabase().getConnection();
         Statement s = c.createStatement()) {
      s.execute("ALTER USER postgres PASSWORD 'crm-S3cret'");
      s.execute("CREATE TABLE accounts (id integer, manager text)");
      s.execute("INSERT INTO accounts SELECT g, 'manager ' || (g % 7)"
          + " FROM generate_series(1, 15000) g");
    }
    return pg;
  }

  /** The text of the queries other sessions are running in the database. */
  private static List<String> activeQueries(EmbeddedPostgres pg) throws SQLException {
    List<String> queries = new ArrayList<>();
    try (Connection c = pg.getPostgresDatabase().getConnection();
         Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
             "SELECT query FROM pg_stat_activity WHERE state = 'active'"
                 + " AND pid <> pg_backend_pid() AND backend_type = 'client backend'")) {
      while (rs.next()) {
        queries.add(rs.getString(1));
      }
    }
    return queries;
  }

  private static void awaitActive(EmbeddedPostgres pg, String fragment) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (activeQueries(pg).stream().noneMatch(q -> q.contains(fragment))) {
      assertThat(System.nanoTime()).as("the query reached PostgreSQL").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /** Kills (SIGKILL) the postmaster this test started and every process it started. */
  private static void killProcessTree(Path postmasterPid) throws IOException {
    long pid = Long.parseLong(Files.readAllLines(postmasterPid).get(0).trim());
    ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
    List<ProcessHandle> children = postmaster.descendants().toList();
    postmaster.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    LOG.info("killed PostgreSQL: postmaster {} and {} processes", pid, children.size());
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      LOG.info("closing {} after the test: {}", closeable, e.toString());
    }
  }

  @Test void clickHouseStopped() throws Exception {
    DemoServerFixture fixture = DemoServerFixture.get();
    Path work = Path.of("target", "it-fault-clickhouse").toAbsolutePath();
    DemoEnvironment.deleteRecursively(work);
    Path repository = Path.of(System.getProperty("meridian.home",
        Path.of("").toAbsolutePath().getParent().toString()));
    ClickHouseServer clickHouse = ClickHouseServer.start(repository, work);
    int port = clickHouse.port();
    try {
      try (Connection ch = DriverManager.getConnection(clickHouse.jdbcUrl("default"));
           Statement s = ch.createStatement()) {
        s.execute("CREATE TABLE events (id UInt32, kind String) ENGINE = MergeTree ORDER BY id");
        s.execute("INSERT INTO events SELECT number, toString(number % 5) FROM numbers(1000)");
      }
      try (MeridianServer server = fixture.startWithShop(new CatalogSpec("events",
          "clickhouse", Map.of("url", clickHouse.jdbcUrl("default"),
              "connect-timeout-seconds", "2")));
           Connection c = DriverManager.getConnection(server.jdbcUrl())) {
        String events = "SELECT count(*) FROM events.\"default\".events WHERE kind = '3'";
        assertThat(count(c, events)).isEqualTo(200);
        clickHouse.close();
        clickHouse = null;

        assertThatThrownBy(() -> failIfAnswered(async(c, events)))
            .hasMessageContaining("catalog 'events'");
        assertThat(count(c, SHOP_QUERY)).isEqualTo(25);
        // A statement joining the stopped catalog with a live one fails the same way.
        assertThatThrownBy(() -> failIfAnswered(async(c, "SELECT count(*)"
            + " FROM events.\"default\".events e JOIN shop.public.nation n"
            + " ON n.n_nationkey = e.id"))).hasMessageContaining("catalog 'events'");

        clickHouse = ClickHouseServer.start(repository, work, port);
        assertThat(eventually(c, events)).isEqualTo(200);
      }
    } finally {
      closeQuietly(clickHouse);
    }
  }

  private static void failIfAnswered(CompletableFuture<Long> query) throws Exception {
    throw failureOf(query);
  }

  @Test void parquetFileDeletedDuringScan() throws Exception {
    DemoServerFixture fixture = DemoServerFixture.get();
    Path dir = Path.of("target", "it-fault-parquet").toAbsolutePath();
    DemoEnvironment.deleteRecursively(dir);
    Path table = Files.createDirectories(dir.resolve("tpch").resolve("lineitem"));
    long total;
    long lastYear;
    try (Connection c = fixture.demo().openColocated(); Statement s = c.createStatement()) {
      for (int year = 1992; year <= 1998; year++) {
        s.execute("COPY (SELECT * FROM lineitem WHERE year(l_shipdate) = " + year
            + " ORDER BY l_orderkey, l_linenumber) TO '" + table.resolve(year + ".parquet")
            + "' (FORMAT parquet, ROW_GROUP_SIZE 2048)");
      }
      total = count(c, "SELECT count(*) FROM lineitem");
      lastYear = count(c, "SELECT count(*) FROM lineitem WHERE year(l_shipdate) = 1998");
    }
    try (MeridianServer server = fixture.startWithShop(
        new CatalogSpec("files", "parquet", Map.of("path", dir.toString())));
         Connection c = DriverManager.getConnection(server.jdbcUrl());
         Statement s = c.createStatement()) {
      s.setFetchSize(1000);
      long rows = 0;
      String outcome;
      try (ResultSet rs = s.executeQuery("SELECT l_orderkey, l_comment FROM files.tpch.lineitem")) {
        assertThat(rs.next()).isTrue();
        rows++;
        Files.delete(table.resolve("1998.parquet"));
        try {
          while (rs.next()) {
            rows++;
          }
          outcome = "complete";
        } catch (SQLException e) {
          outcome = e.getMessage();
        }
      }
      LOG.info("scan with a file deleted under it: {} rows, {}", rows, outcome);
      // Either the engine had the file open already and read it whole, or the statement
      // fails naming the catalog; never a silently short result.
      if (outcome.equals("complete")) {
        assertThat(rows).isEqualTo(total);
      } else {
        assertThat(outcome).contains("files");
      }
      assertThat(count(c, SHOP_QUERY)).isEqualTo(25);
      // The table is now the files that are left.
      assertThat(eventually(c, "SELECT count(*) FROM files.tpch.lineitem"))
          .isEqualTo(total - lastYear);
      Rows expected = fixture.queryOracle("SELECT count(*), sum(l_quantity) FROM lineitem"
          + " WHERE year(l_shipdate) < 1998");
      Rows actual = DemoServerFixture.query(server,
          "SELECT count(*), sum(l_quantity) FROM files.tpch.lineitem");
      assertThat(actual.differenceFrom(expected, true)).isNull();
    }
  }

  @Test void backendThatNeverAnswers() throws Exception {
    DemoServerFixture fixture = DemoServerFixture.get();
    List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        while (!silent.isClosed()) {
          try {
            accepted.add(silent.accept()); // and never say anything
          } catch (IOException e) {
            return;
          }
        }
      }, "silent-backend");
      acceptor.setDaemon(true);
      acceptor.start();
      String url = "127.0.0.1:" + silent.getLocalPort();
      try (MeridianServer server = fixture.startWithShop(
          new CatalogSpec("stuck", "postgres", Map.of("url", "jdbc:postgresql://" + url + "/x",
              "user", "app", "password", "stuck-S3cret", "connect-timeout-seconds", "2")),
          new CatalogSpec("stuckch", "clickhouse", Map.of("url", "jdbc:clickhouse://" + url
              + "/default", "password", "stuckch-S3cret", "connect-timeout-seconds", "2")));
           Connection c = DriverManager.getConnection(server.jdbcUrl());
           Connection other = DriverManager.getConnection(server.jdbcUrl())) {
        assertThat(server.catalogAvailability()).containsEntry("stuck", false)
            .containsEntry("stuckch", false).containsEntry("shop", true);
        for (String catalog : List.of("stuck", "stuckch")) {
          CompletableFuture<Long> query =
              async(c, "SELECT count(*) FROM " + catalog + ".public.t");
          // While it waits, the other catalogs answer.
          assertThat(count(other, SHOP_QUERY)).isEqualTo(25);
          SQLException failure = failureOf(query);
          assertThat(failure.getMessage()).contains("catalog '" + catalog + "'")
              .doesNotContain("S3cret");
        }
        assertThat(count(c, SHOP_QUERY)).isEqualTo(25);
      }
    } finally {
      for (Socket s : accepted) {
        s.close();
      }
    }
  }
}
