package io.meridian.benchmarks;

import io.meridian.server.MeridianServer;
import io.meridian.server.demo.DemoEnvironment;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * An OLTP point lookup (one customer by key, a prepared statement) through Meridian over
 * Avatica, with the workload log on and off, and through PostgreSQL's own driver: Meridian's
 * per-statement latency, and what recording every statement costs (the ratio of the two
 * Meridian figures).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.nio=ALL-UNNAMED")
public class PointLookupBenchmark {
  private static final String SQL =
      "SELECT c_name, c_acctbal FROM shop.public.customer WHERE c_custkey = ?";

  @Param({"true", "false"})
  public boolean workloadLog;

  private DemoEnvironment demo;
  private MeridianServer server;
  private Connection meridian;
  private Connection postgres;
  private PreparedStatement viaMeridian;
  private PreparedStatement direct;
  private long customers;

  @Setup(Level.Trial) public void setUp() throws Exception {
    demo = DemoState.startDemo(0.1);
    server = MeridianServer.start(demo.config("127.0.0.1", 0, DemoState.dataDir())
        .withWorkloadLog(workloadLog));
    meridian = DriverManager.getConnection(server.jdbcUrl());
    viaMeridian = meridian.prepareStatement(SQL);
    postgres = DemoState.postgres(demo);
    direct = postgres.prepareStatement(SQL.replace("shop.public.", "public."));
    customers = Math.round(150_000 * demo.scale());
  }

  @TearDown(Level.Trial) public void tearDown() throws Exception {
    meridian.close();
    postgres.close();
    server.close();
    demo.close();
  }

  private static String lookup(PreparedStatement statement, long key) throws SQLException {
    statement.setLong(1, key);
    try (ResultSet rs = statement.executeQuery()) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /** One lookup through Meridian (Avatica over HTTP on loopback). */
  @Benchmark public String meridian() throws SQLException {
    return lookup(viaMeridian, 1 + ThreadLocalRandom.current().nextLong(customers));
  }

  /** The same lookup through PostgreSQL's own JDBC driver. */
  @Benchmark public String postgres() throws SQLException {
    return lookup(direct, 1 + ThreadLocalRandom.current().nextLong(customers));
  }
}
