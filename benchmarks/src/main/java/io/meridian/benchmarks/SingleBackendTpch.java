package io.meridian.benchmarks;

import com.google.common.collect.ImmutableList;

import io.meridian.adapter.CatalogSpec;
import io.meridian.server.MeridianServer;
import io.meridian.server.backends.TpchLoader;
import io.meridian.server.config.MeridianConfig;
import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.testing.TpchQueries;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.meridian.benchmarks.Measurements.geomean;
import static io.meridian.benchmarks.Measurements.median;

/**
 * The single-backend overhead benchmark: TPC-H with all eight tables in one backend (DuckDB, and
 * PostgreSQL), each query run through Meridian (Meridian's client driver, Avatica's protocol over
 * HTTP on loopback, every value read) and through the backend's own JDBC driver, alternately in
 * one process, so that the ratio of the two is what Meridian adds. The same statements also run
 * through Avatica's own driver, which makes three round trips a statement where Meridian's
 * makes one. Also measures Meridian's planning time per query
 * ({@code EXPLAIN PLAN FOR}, a round trip without execution).
 *
 * <p>Run: {@code java -cp ... io.meridian.benchmarks.SingleBackendTpch [scale] [repetitions]
 * [backends]}; results as a Markdown table on stdout and CSV in {@code single-backend.csv}.
 */
public final class SingleBackendTpch {
  private static final Logger LOG = LoggerFactory.getLogger(SingleBackendTpch.class);
  /** A query whose direct run exceeds this is reported as capped, and not repeated. */
  private static final long CAP_SECONDS = 120;

  private SingleBackendTpch() {
  }

  public static void main(String[] args) throws Exception {
    double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
    int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    List<String> backends = args.length > 2 ? Arrays.asList(args[2].split(","))
        : List.of("duckdb", "postgres");
    Path dataDir = Path.of(System.getProperty("meridian.bench.data", "data")).toAbsolutePath();
    StringBuilder csv = new StringBuilder(
        "backend,scale,query,meridian_ms,direct_ms,ratio,meridian_uncached_ms,uncached_ratio,"
            + "avatica_driver_ms,avatica_driver_ratio,planning_ms\n");
    StringBuilder md = new StringBuilder();
    try (DemoEnvironment demo = DemoEnvironment.start(dataDir, scale)) {
      for (String backend : backends) {
        run(demo, dataDir, backend, scale, repetitions, csv, md);
      }
    }
    Files.writeString(Path.of("single-backend.csv"), csv);
    System.out.println(md);
  }

  private static void run(DemoEnvironment demo, Path dataDir, String backend, double scale,
      int repetitions, StringBuilder csv, StringBuilder md) throws Exception {
    CatalogSpec catalog;
    Connection direct;
    switch (backend) {
    case "duckdb":
      catalog = new CatalogSpec("tpch_duckdb", "duckdb",
          Map.of("path", demo.colocatedDatabase().toString(), "read-only", "true"));
      direct = demo.openColocated();
      break;
    case "postgres":
      loadPostgresOnce(demo, dataDir);
      catalog = new CatalogSpec("tpch_pg", "postgres",
          Map.of("url", demo.postgresUrl("tpch"), "user", "postgres"));
      direct = DriverManager.getConnection(demo.postgresUrl("tpch") + "?currentSchema=tpch",
          "postgres", "");
      break;
    default:
      throw new IllegalArgumentException("backend must be duckdb or postgres: " + backend);
    }
    MeridianServer server = MeridianServer.start(new MeridianConfig("127.0.0.1", 0, "PROTOBUF",
        dataDir.resolve("bench-server"), ImmutableList.of(catalog)));
    try (Connection meridian = DriverManager.getConnection(server.clientUrl());
         Connection avatica = DriverManager.getConnection(server.jdbcUrl())) {
      md.append(String.format(Locale.ROOT, "%n### %s, SF %s%n%n", backend, scale))
          .append("| q | Meridian (ms) | direct JDBC (ms) | ratio | Meridian, not cached (ms) |"
              + " ratio, not cached | Avatica's driver (ms) | ratio, Avatica's driver |"
              + " planning (ms) |\n")
          .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
      // Warm the planner (and the JIT) on every query before measuring anything: a server
      // plans the same shapes all day.
      LOG.info("{}: warming up the planner", backend);
      for (int round = 0; round < 5; round++) {
        for (int q = 1; q <= 22; q++) {
          try (Statement s = meridian.createStatement();
               ResultSet rs = s.executeQuery("EXPLAIN PLAN FOR "
                   + TpchQueries.qualifyAll(TpchQueries.query(q), catalog.name() + ".tpch"))) {
            rs.next();
          }
        }
      }
      List<Double> ratios = new ArrayList<>();
      List<Double> uncachedRatios = new ArrayList<>();
      List<Double> avaticaRatios = new ArrayList<>();
      List<Double> plans = new ArrayList<>();
      for (int q = 1; q <= 22; q++) {
        String original = TpchQueries.query(q);
        String qualified = TpchQueries.qualifyAll(original, catalog.name() + ".tpch");
        LOG.info("{} q{}: warming up", backend, q);
        Double first = timed(direct, original);
        if (first == null) {
          md.append(String.format(Locale.ROOT, "| q%02d | | > %d s | capped | | | | | |%n", q,
              CAP_SECONDS));
          csv.append(String.format(Locale.ROOT, "%s,%s,%d,,,capped,,,,,%n", backend, scale, q));
          continue;
        }
        long expectedRows = Drain.run(meridian, qualified);
        if (Drain.run(avatica, qualified) != expectedRows) {
          throw new IllegalStateException("q" + q + ": the two drivers disagree");
        }
        double[] m = new double[repetitions];
        double[] u = new double[repetitions];
        double[] d = new double[repetitions];
        double[] p = new double[repetitions];
        double[] v = new double[repetitions];
        for (int r = 0; r < repetitions; r++) {
          int rep = r;
          int query = q;
          String fresh = qualified + "\n-- run " + System.nanoTime();
          List<Runnable> runs = List.of(
              // A connection keeps its prepared queries: the same text runs without planning.
              () -> m[rep] = timed(() -> {
                if (Drain.run(meridian, qualified) != expectedRows) {
                  throw new IllegalStateException("q" + query + " row count changed");
                }
              }),
              // A text never seen before (a unique comment) is parsed, validated and planned.
              () -> u[rep] = timed(() -> Drain.run(meridian, fresh)),
              () -> d[rep] = timed(() -> Drain.run(direct, original)),
              // The same, repeated text through Avatica's own driver (three round trips a
              // statement, where Meridian's driver makes one).
              () -> v[rep] = timed(() -> Drain.run(avatica, qualified)));
          // Each system goes first in turn: none always follows the same one.
          for (int k = 0; k < runs.size(); k++) {
            runs.get((k + r) % runs.size()).run();
          }
          p[r] = timed(() -> {
            try (Statement s = meridian.createStatement();
                 ResultSet rs = s.executeQuery("EXPLAIN PLAN FOR " + fresh)) {
              rs.next();
            }
          });
        }
        double mm = median(m);
        double um = median(u);
        double dm = median(d);
        double pm = median(p);
        double vm = median(v);
        avaticaRatios.add(vm / dm);
        ratios.add(mm / dm);
        uncachedRatios.add(um / dm);
        plans.add(pm);
        LOG.info("{} q{}: Meridian {} ms (not cached {} ms), direct {} ms, planning {} ms",
            backend, q, Math.round(mm), Math.round(um), Math.round(dm), Math.round(pm));
        md.append(String.format(Locale.ROOT,
            "| q%02d | %.1f | %.1f | %.2f | %.1f | %.2f | %.1f | %.2f | %.1f |%n",
            q, mm, dm, mm / dm, um, um / dm, vm, vm / dm, pm));
        csv.append(String.format(Locale.ROOT, "%s,%s,%d,%.2f,%.2f,%.4f,%.2f,%.4f,%.2f,%.4f,%.2f%n",
            backend, scale, q, mm, dm, mm / dm, um, um / dm, vm, vm / dm, pm));
      }
      double repeated = geomean(ratios);
      double uncached = geomean(uncachedRatios);
      double avaticaDriver = geomean(avaticaRatios);
      double[] sortedPlans = plans.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      md.append(String.format(Locale.ROOT, "%nGeometric mean of the ratio: **%.3f** (statement"
          + " text repeated), **%.3f** (new text each run), %.3f (Avatica's driver, text"
          + " repeated); planning (new text) median %.1f ms, p95 %.1f ms, over %d queries.%n",
          repeated, uncached, avaticaDriver, median(sortedPlans),
          percentile(sortedPlans, 0.95), ratios.size()));
    } finally {
      direct.close();
      server.close();
    }
  }

  /** A measured run that may fail. */
  private interface Run {
    void run() throws Exception;
  }

  /** Milliseconds a run takes. */
  private static double timed(Run run) {
    long t0 = System.nanoTime();
    try {
      run.run();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return (System.nanoTime() - t0) / 1e6;
  }

  /** Loads all eight tables into PostgreSQL database {@code tpch}, once per data directory. */
  private static void loadPostgresOnce(DemoEnvironment demo, Path dataDir) throws Exception {
    Path marker = dataDir.resolve("bench-postgres-sf-" + demo.scale() + ".ready");
    if (Files.exists(marker)) {
      return;
    }
    Path csv = dataDir.resolve("bench-csv");
    LOG.info("exporting TPC-H SF {} as CSV for PostgreSQL", demo.scale());
    TpchLoader.exportCsv(demo.colocatedDatabase(), csv);
    try (Connection c = DriverManager.getConnection(demo.postgresUrl("postgres"), "postgres",
        ""); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS tpch");
      s.execute("CREATE DATABASE tpch");
    }
    LOG.info("loading TPC-H SF {} into PostgreSQL", demo.scale());
    TpchLoader.loadPostgres(demo.postgresUrl("tpch"), csv);
    try (Connection c = DriverManager.getConnection(demo.postgresUrl("tpch"), "postgres", "");
         Statement s = c.createStatement()) {
      s.execute("ANALYZE");
    }
    Files.writeString(marker, "ready\n");
  }

  /**
   * Runs a query with the cap (the backend cancels it: {@code setQueryTimeout}); returns its
   * time in ms, or null when it exceeded the cap.
   */
  private static Double timed(Connection connection, String sql) throws Exception {
    long t0 = System.nanoTime();
    try (Statement s = connection.createStatement()) {
      s.setQueryTimeout((int) CAP_SECONDS);
      try (ResultSet rs = s.executeQuery(sql)) {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          for (int i = 1; i <= n; i++) {
            rs.getObject(i);
          }
        }
      }
      return (System.nanoTime() - t0) / 1e6;
    } catch (java.sql.SQLException e) {
      if ((System.nanoTime() - t0) / 1e9 >= CAP_SECONDS - 1) {
        return null;
      }
      throw e;
    }
  }


  private static double percentile(double[] sorted, double p) {
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
