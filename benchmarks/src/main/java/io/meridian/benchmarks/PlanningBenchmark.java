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
 * Planning latency (warm): {@code EXPLAIN PLAN FOR} each federated TPC-H-derived query on an
 * in-process engine connection, so that only parsing, validation and planning are timed.
 * Cold (the first plan in a fresh JVM, what the first user of a new server waits): run it with
 * JMH's {@code -bm ss -wi 0 -i 1 -f 5}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.nio=ALL-UNNAMED")
public class PlanningBenchmark {
  @Param({"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
      "16", "17", "18", "19", "20", "21", "22"})
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
