package io.meridian.server;

import io.meridian.server.testing.DemoServerFixture;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bounded load test on loopback: 32 clients, each on its own connection, for two minutes
 * ({@code -Dmeridian.load.clients} and {@code -Dmeridian.load.seconds} to change), a mix of PostgreSQL primary-key lookups (80%)
 * and small analytical statements (a grouping in PostgreSQL, a federated join of PostgreSQL
 * and DuckDB, a Parquet aggregate). Every statement must succeed and return its expected row
 * count; p50/p99 latency and throughput are logged and written to
 * {@code target/load-report-<clients>.md}; the server's heap after a full GC must not grow over the run.
 */
class LoadIT {
  private static final Logger LOG = LoggerFactory.getLogger(LoadIT.class);
  private static final int CLIENTS = Integer.getInteger("meridian.load.clients", 32);

  @Test void concurrentClientsForTwoMinutesWithoutAnError() throws Exception {
    DemoServerFixture fixture = DemoServerFixture.get();
    long seconds = Long.getLong("meridian.load.seconds", 120);
    int orders;
    try (Connection c = DriverManager.getConnection(fixture.server().jdbcUrl());
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT max(o_orderkey) FROM shop.public.orders")) {
      rs.next();
      orders = rs.getInt(1);
    }
    expected = new int[ANALYTICAL.length];
    for (int i = 0; i < ANALYTICAL.length; i++) {
      String oracle = ANALYTICAL[i].replaceAll("\\b(shop\\.public|analytics\\.tpch|lake\\.tpch)\\.",
          "");
      io.meridian.server.testing.Rows rows = fixture.queryOracle(oracle);
      assertThat(fixture.queryMeridian(ANALYTICAL[i]).differenceFrom(rows, false))
          .as(ANALYTICAL[i]).isNull();
      expected[i] = rows.size();
    }
    // Warm up (plans cached, JIT), then take the heap after a full collection.
    runClients(fixture, orders, 10, new ConcurrentLinkedQueue<>(), new AtomicLong());
    long heapBefore = heapAfterGc();

    ConcurrentLinkedQueue<long[]> latencies = new ConcurrentLinkedQueue<>();
    AtomicLong errors = new AtomicLong();
    long start = System.nanoTime();
    List<String> failures = runClients(fixture, orders, seconds, latencies, errors);
    double elapsed = (System.nanoTime() - start) / 1e9;
    long heapAfter = heapAfterGc();

    long[] lookups = latencies.stream().filter(l -> l[0] == 0).mapToLong(l -> l[1]).sorted()
        .toArray();
    long[] analytics = latencies.stream().filter(l -> l[0] == 1).mapToLong(l -> l[1]).sorted()
        .toArray();
    String report = String.format(Locale.ROOT, "| statements | clients | seconds | errors |"
        + " throughput (stmt/s) | lookup p50 / p99 (ms) | analytical p50 / p99 (ms) |"
        + " heap after GC before / after (MiB) |%n|---|---|---|---|---|---|---|---|%n"
        + "| %d | %d | %.0f | %d | %.0f | %.2f / %.2f | %.2f / %.2f | %d / %d |%n",
        latencies.size(), CLIENTS, elapsed, errors.get(), latencies.size() / elapsed,
        percentile(lookups, 0.5), percentile(lookups, 0.99), percentile(analytics, 0.5),
        percentile(analytics, 0.99), heapBefore >> 20, heapAfter >> 20);
    LOG.info("Load test:\n{}", report);
    Files.writeString(Path.of("target", "load-report-" + CLIENTS + ".md"), report);

    assertThat(failures).as("failed statements").isEmpty();
    assertThat(errors.get()).isZero();
    assertThat(lookups.length).isGreaterThan(CLIENTS);
    assertThat(analytics.length).isGreaterThan(CLIENTS);
    // Stable: what survives a full collection did not grow by more than a quarter (plus
    // caches' slack).
    assertThat(heapAfter).as("heap after GC: %d MiB before, %d MiB after", heapBefore >> 20,
        heapAfter >> 20).isLessThan(heapBefore + heapBefore / 4 + (64L << 20));
  }

  private static List<String> runClients(DemoServerFixture fixture, int orders, long seconds,
      ConcurrentLinkedQueue<long[]> latencies, AtomicLong errors) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<?>> clients = new ArrayList<>();
      for (int client = 0; client < CLIENTS; client++) {
        int seed = client;
        clients.add(pool.submit(() -> {
          Random random = new Random(seed);
          try (Connection c = DriverManager.getConnection(fixture.server().jdbcUrl());
               PreparedStatement lookup = c.prepareStatement("SELECT o_orderkey, o_custkey,"
                   + " o_totalprice, o_orderdate FROM shop.public.orders WHERE o_orderkey = ?")) {
            while (System.nanoTime() < end) {
              long t = System.nanoTime();
              int kind = random.nextInt(10) < 8 ? 0 : 1;
              try {
                if (kind == 0) {
                  int key = 1 + random.nextInt(orders);
                  lookup.setInt(1, key);
                  try (ResultSet rs = lookup.executeQuery()) {
                    while (rs.next()) {
                      if (rs.getInt(1) != key) {
                        failures.add("lookup " + key + " returned " + rs.getInt(1));
                      }
                    }
                  }
                } else {
                  analytical(c, random.nextInt(3), failures);
                }
                latencies.add(new long[] {kind, System.nanoTime() - t});
              } catch (SQLException | RuntimeException e) {
                errors.incrementAndGet();
                failures.add(e.toString());
              }
            }
          } catch (SQLException e) {
            errors.incrementAndGet();
            failures.add("connection: " + e);
          }
          return null;
        }));
      }
      for (Future<?> f : clients) {
        f.get(seconds + 120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    return new ArrayList<>(failures).subList(0, Math.min(failures.size(), 20));
  }

  /** The small analytical statements (PostgreSQL; PostgreSQL and DuckDB; Parquet). */
  private static final String[] ANALYTICAL = {
      "SELECT o_orderstatus, count(*) AS n, sum(o_totalprice) AS t FROM shop.public.orders"
          + " GROUP BY o_orderstatus",
      "SELECT n.n_name, count(*) AS n FROM analytics.tpch.supplier s JOIN shop.public.nation n"
          + " ON s.s_nationkey = n.n_nationkey GROUP BY n.n_name",
      "SELECT l_returnflag, l_linestatus, count(*) AS n, avg(l_quantity) AS q"
          + " FROM lake.tpch.lineitem GROUP BY l_returnflag, l_linestatus"};

  /** Each analytical statement's row count, from DuckDB over the same rows. */
  private static int[] expected;

  /** One small analytical statement, checked by its row count. */
  private static void analytical(Connection c, int which, ConcurrentLinkedQueue<String> failures)
      throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(ANALYTICAL[which])) {
      int n = 0;
      while (rs.next()) {
        n++;
      }
      if (n != expected[which]) {
        failures.add(ANALYTICAL[which] + ": " + n + " rows, expected " + expected[which]);
      }
    }
  }

  private static long heapAfterGc() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
      least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
    }
    return least;
  }

  private static double percentile(long[] sortedNanos, double p) {
    if (sortedNanos.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.min(sortedNanos.length - 1, Math.floor(p * sortedNanos.length));
    return sortedNanos[i] / 1e6;
  }
}
