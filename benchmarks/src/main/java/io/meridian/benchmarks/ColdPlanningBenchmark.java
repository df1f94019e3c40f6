package io.meridian.benchmarks;

import io.meridian.server.testing.TpchQueries;

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
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * Planning latency, cold: the first {@code EXPLAIN PLAN FOR} of a federated TPC-H-derived query
 * in a fresh JVM (one shot per fork, nothing warmed but the server's start), what the first user
 * of a newly started server waits. {@link PlanningBenchmark} is the warm figure.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 3, jvmArgsAppend = "--add-opens=java.base/java.nio=ALL-UNNAMED")
public class ColdPlanningBenchmark {
  @Param({"1", "5", "7", "9", "18", "21"})
  public int query;

  private DemoState state;
  private Connection engine;
  private String explain;

  @Setup(Level.Trial) public void setUp() throws Exception {
    state = new DemoState(0.01);
    engine = state.server.driver().open(new java.util.Properties());
    explain = "EXPLAIN PLAN FOR " + TpchQueries.forDemoLayout(query);
  }

  @TearDown(Level.Trial) public void tearDown() throws Exception {
    engine.close();
    state.close();
  }

  @Benchmark public int plan() throws Exception {
    try (Statement s = engine.createStatement(); ResultSet rs = s.executeQuery(explain)) {
      rs.next();
      return rs.getString(1).length();
    }
  }
}
