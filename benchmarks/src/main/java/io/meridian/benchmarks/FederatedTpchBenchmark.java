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

import java.util.concurrent.TimeUnit;

/**
 * Federated TPC-H-derived queries over the demo layout (PostgreSQL, DuckDB, Parquet), per query:
 * Meridian over Avatica with its chosen placement, Meridian with every cross-backend operator
 * forced into the JVM (the approach of Calcite's JDBC adapter, with Meridian's pushdown), and
 * the same query on all data co-located in one DuckDB (the lower bound). Run: {@code java -jar ... FederatedTpchBenchmark -p scale=1}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.nio=ALL-UNNAMED")
public class FederatedTpchBenchmark {
  @Param({"0.1"})
  public double scale;

  @Param({"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
      "16", "17", "18", "19", "20", "21", "22"})
  public int query;

  private DemoState state;
  private String federatedSql;
  private String colocatedSql;

  @Setup(Level.Trial) public void setUp() throws Exception {
    state = new DemoState(scale);
    federatedSql = TpchQueries.forDemoLayout(query);
    colocatedSql = TpchQueries.query(query);
  }

  @TearDown(Level.Trial) public void tearDown() throws Exception {
    state.close();
  }

  /** Meridian: the federated query through the Avatica thin driver. */
  @Benchmark public long meridian() throws Exception {
    return Drain.run(state.meridian, federatedSql);
  }

  /** Meridian with {@code placement=jvm}: cross-backend joins and aggregates in the JVM. */
  @Benchmark public long meridianJvmPlacement() throws Exception {
    return Drain.run(state.meridianJvm, federatedSql);
  }

  /** The co-located limit: the original query on one DuckDB holding all tables. */
  @Benchmark public long colocatedDuckDb() throws Exception {
    return Drain.run(state.colocated, colocatedSql);
  }
}
