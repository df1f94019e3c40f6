package io.meridian.benchmarks;

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
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Pre-aggregation below a join, side by side: aggregates over cross-backend joins of the demo
 * layout whose functions read one side only, through Meridian with pre-aggregation on (its
 * choice) and off ({@code preaggregation=off}), and on all data co-located in one DuckDB. Run:
 * {@code java -jar ... PreAggregationBenchmark -p scale=1}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.nio=ALL-UNNAMED")
public class PreAggregationBenchmark {
  /**
   * The queries: orders (PostgreSQL, over JDBC, narrowed by the suppliers' keys) per nation of
   * the supplier whose key is the order's customer's; lineitems (Parquet, as Arrow) per order
   * priority; part suppliers (the DuckDB file, as Arrow) per market segment, forced to the
   * DuckDB engine (by cost the customers would be sent to the DuckDB file).
   */
  static final Map<String, String> QUERIES = Map.of(
      "ordersByNation", "SELECT s.s_nationkey, count(*) AS n, sum(o.o_totalprice) AS total,"
          + " min(o.o_orderdate) AS first FROM shop.public.orders o"
          + " JOIN analytics.tpch.supplier s ON o.o_custkey = s.s_suppkey"
          + " GROUP BY s.s_nationkey ORDER BY s.s_nationkey",
      "linesByPriority", "SELECT o.o_orderpriority, sum(l.l_quantity) AS q, count(*) AS n,"
          + " max(l.l_shipdate) AS last FROM lake.tpch.lineitem l"
          + " JOIN shop.public.orders o ON l.l_orderkey = o.o_orderkey"
          + " GROUP BY o.o_orderpriority ORDER BY o.o_orderpriority",
      "partsBySegment", "SELECT c.c_mktsegment, sum(ps.ps_availqty) AS q,"
          + " sum(ps.ps_supplycost * ps.ps_availqty) AS value"
          + " FROM analytics.tpch.partsupp ps JOIN shop.public.customer c"
          + " ON ps.ps_suppkey = c.c_custkey GROUP BY c.c_mktsegment ORDER BY c.c_mktsegment");

  @Param({"1"})
  public double scale;

  @Param({"ordersByNation", "linesByPriority", "partsBySegment"})
  public String query;

  private DemoState state;
  private Connection on;
  private Connection off;
  private String sql;
  private String colocatedSql;

  @Setup(Level.Trial) public void setUp() throws Exception {
    state = new DemoState(scale);
    on = DriverManager.getConnection(state.server.jdbcUrl(), session("auto"));
    off = DriverManager.getConnection(state.server.jdbcUrl(), session("off"));
    sql = QUERIES.get(query);
    colocatedSql = sql.replace("shop.public.", "tpch.").replace("analytics.tpch.", "tpch.")
        .replace("lake.tpch.", "tpch.");
    try (var s = on.createStatement()) {
      // The Parquet table's footers hold no distinct counts for its keys.
      s.execute("ANALYZE lake.tpch.lineitem");
    }
  }

  private Properties session(String preAggregation) {
    Properties info = new Properties();
    info.setProperty("preaggregation", preAggregation);
    if (query.equals("partsBySegment")) {
      info.setProperty("placement", "duckdb");
    }
    return info;
  }

  @TearDown(Level.Trial) public void tearDown() throws Exception {
    on.close();
    off.close();
    state.close();
  }

  /** Meridian, pre-aggregation on: its choice. */
  @Benchmark public long preAggregationOn() throws Exception {
    return Drain.run(on, sql);
  }

  /** Meridian, {@code preaggregation=off}. */
  @Benchmark public long preAggregationOff() throws Exception {
    return Drain.run(off, sql);
  }

  /** The co-located limit: the same query on one DuckDB holding all tables. */
  @Benchmark public long colocatedDuckDb() throws Exception {
    return Drain.run(state.colocated, colocatedSql);
  }
}
