package io.meridian.benchmarks;

import io.meridian.server.MeridianServer;
import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.workload.WorkloadLog;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

import static io.meridian.benchmarks.Measurements.geomean;
import static io.meridian.benchmarks.Measurements.median;

/**
 * The overhead of the workload log (issue 6: throughput of a point-query workload with the log
 * on vs off, at least 0.97): two servers over the same demo in one process, one recording every
 * statement and one not, driven by the same point lookups ({@link PointLookupBenchmark}'s) in
 * alternating blocks. Each round runs one block on each server, in turn first, and gives one
 * ratio of throughputs; the rounds' median is the result. Side by side in one process, the two
 * share the machine's noise, JIT and PostgreSQL, where separate JMH forks (each a new JVM and
 * server) differed by several percent from each other with the log off alone.
 *
 * <p>A pause between blocks lets the log write what the block recorded (its writer gathers a
 * batch every half second), so that no block pays for another's statements; a block is long
 * against that pause, so the writes left for the pause are a small share of a block's.
 *
 * <p>Run: {@code java -cp ... io.meridian.benchmarks.RecordingOverhead [rounds] [block-seconds]
 * [scale]} (defaults 10, 10, 0.1); results as Markdown on stdout.
 */
public final class RecordingOverhead {
  private static final Logger LOG = LoggerFactory.getLogger(RecordingOverhead.class);
  private static final String SQL =
      "SELECT c_name, c_acctbal FROM shop.public.customer WHERE c_custkey = ?";

  private RecordingOverhead() {
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    double blockSeconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
    double scale = args.length > 2 ? Double.parseDouble(args[2]) : 0.1;
    Path dataDir = DemoState.dataDir();
    Path serverDirs = Files.createTempDirectory("meridian-recording-");
    try (DemoEnvironment demo = DemoEnvironment.start(dataDir, scale);
         MeridianServer logged = MeridianServer.start(demo.config("127.0.0.1", 0,
             serverDirs.resolve("on")).withWorkloadLog(true));
         MeridianServer unlogged = MeridianServer.start(demo.config("127.0.0.1", 0,
             serverDirs.resolve("off")).withWorkloadLog(false));
         Connection on = DriverManager.getConnection(logged.jdbcUrl());
         Connection off = DriverManager.getConnection(unlogged.jdbcUrl());
         PreparedStatement withLog = on.prepareStatement(SQL);
         PreparedStatement withoutLog = off.prepareStatement(SQL)) {
      long customers = Math.round(150_000 * demo.scale());
      LOG.info("Warming up both servers ({} s each)", blockSeconds);
      block(withLog, customers, blockSeconds);
      block(withoutLog, customers, blockSeconds);
      pause(logged.workloadLog());
      List<Double> ratios = new ArrayList<>();
      double[] onRates = new double[rounds];
      double[] offRates = new double[rounds];
      long recorded = 0;
      long writerNanos = writerCpuNanos();
      for (int r = 0; r < rounds; r++) {
        boolean onFirst = r % 2 == 0;
        for (int i = 0; i < 2; i++) {
          boolean logOn = onFirst == (i == 0);
          Block block = block(logOn ? withLog : withoutLog, customers, blockSeconds);
          if (logOn) {
            onRates[r] = block.rate();
            recorded += block.lookups();
          } else {
            offRates[r] = block.rate();
          }
          pause(logged.workloadLog());
        }
        ratios.add(onRates[r] / offRates[r]);
        LOG.info("Round {}/{}: log on {} lookups/s, off {}: {}", r + 1, rounds,
            Math.round(onRates[r]), Math.round(offRates[r]),
            String.format(Locale.ROOT, "%.3f", onRates[r] / offRates[r]));
      }
      writerNanos = writerCpuNanos() - writerNanos;
      double[] sorted = ratios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      StringBuilder md = new StringBuilder();
      md.append(String.format(Locale.ROOT, "Recording overhead: %d rounds of %.0f s blocks,"
          + " demo scale %s, one client%n%n", rounds, blockSeconds, scale));
      md.append("| round | log on (lookups/s) | log off | on / off |\n|---:|---:|---:|---:|\n");
      for (int r = 0; r < rounds; r++) {
        md.append(String.format(Locale.ROOT, "| %d | %.0f | %.0f | %.3f |%n", r + 1,
            onRates[r], offRates[r], ratios.get(r)));
      }
      md.append(String.format(Locale.ROOT, "%nMedian on / off **%.3f** (geomean %.3f, range"
          + " %.3f to %.3f); median throughput on %.0f, off %.0f lookups/s; the log's writer"
          + " used %.1f µs of CPU per statement recorded (%d statements, %d dropped).%n",
          median(sorted), geomean(ratios), sorted[0], sorted[sorted.length - 1],
          median(onRates), median(offRates), writerNanos / 1e3 / recorded,
          recorded, logged.workloadLog().dropped()));
      System.out.print(md);
    } finally {
      try (java.util.stream.Stream<Path> files = Files.walk(serverDirs)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    System.exit(0);
  }

  /** One block's lookups, and their rate per second. */
  private record Block(long lookups, double rate) {
  }

  /** Runs lookups for {@code seconds}. */
  private static Block block(PreparedStatement statement, long customers, double seconds)
      throws SQLException {
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long count = 0;
    long now;
    do {
      statement.setLong(1, 1 + ThreadLocalRandom.current().nextLong(customers));
      try (ResultSet rs = statement.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("a point lookup found no customer");
        }
      }
      count++;
      now = System.nanoTime();
    } while (now < end);
    return new Block(count, count / ((now - start) / 1e9));
  }

  /** Waits until the log has written what it recorded, and a second at least. */
  private static void pause(WorkloadLog log) throws InterruptedException {
    long start = System.nanoTime();
    log.flush();
    long left = 1_000 - (System.nanoTime() - start) / 1_000_000;
    if (left > 0) {
      Thread.sleep(left);
    }
  }

  /** CPU time of the log's writer thread so far. */
  private static long writerCpuNanos() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long nanos = 0;
    for (ThreadInfo info : threads.dumpAllThreads(false, false)) {
      if (info.getThreadName().startsWith("meridian-workload-log")) {
        nanos += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return nanos;
  }
}
