package io.meridian.benchmarks;

import io.meridian.benchmarks.tpch.TpchHarnessRun;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Runs each benchmark body once, on a small data set, so that none of them rots. */
class BenchmarkBodiesTest {
  @Test void federatedTpchBodiesRunAndAgreeOnRowCounts() throws Exception {
    System.setProperty("meridian.bench.data", "target/bench-data");
    FederatedTpchBenchmark b = new FederatedTpchBenchmark();
    b.scale = 0.01;
    b.query = 3;
    b.setUp();
    try {
      long meridian = b.meridian();
      assertThat(meridian).isEqualTo(10);
      assertThat(b.colocatedDuckDb()).isEqualTo(meridian);
      assertThat(b.meridianJvmPlacement()).isEqualTo(meridian);
    } finally {
      b.tearDown();
    }
  }

  @Test void preAggregationBodiesAgreeOnRowCounts() throws Exception {
    System.setProperty("meridian.bench.data", "target/bench-data");
    for (String query : PreAggregationBenchmark.QUERIES.keySet()) {
      PreAggregationBenchmark b = new PreAggregationBenchmark();
      b.scale = 0.01;
      b.query = query;
      b.setUp();
      try {
        long on = b.preAggregationOn();
        assertThat(on).as(query).isPositive();
        assertThat(b.preAggregationOff()).as(query).isEqualTo(on);
        assertThat(b.colocatedDuckDb()).as(query).isEqualTo(on);
      } finally {
        b.tearDown();
      }
    }
  }

  @Test void pointLookupBodiesAgree() throws Exception {
    System.setProperty("meridian.bench.data", "target/bench-data");
    System.setProperty("meridian.bench.scale", "0.01");
    PointLookupBenchmark b = new PointLookupBenchmark();
    b.workloadLog = true;
    b.setUp();
    try {
      assertThat(b.meridian()).isNotBlank();
      assertThat(b.postgres()).isNotBlank();
    } finally {
      b.tearDown();
    }
  }

  @Test void arrowTransferBodiesShipWholeTables() throws Exception {
    System.setProperty("meridian.bench.data", "target/bench-data");
    System.setProperty("meridian.bench.scale", "0.01");
    ArrowTransferBenchmark b = new ArrowTransferBenchmark();
    b.setUp();
    try {
      assertThat(b.parquetToEngine()).isEqualTo(60_175);
      assertThat(b.postgresToEngine()).isEqualTo(15_000);
    } finally {
      b.tearDown();
    }
  }

  @Test void planningBodyProducesAPlan() throws Exception {
    System.setProperty("meridian.bench.data", "target/bench-data");
    PlanningBenchmark b = new PlanningBenchmark();
    b.query = 7;
    b.setUp();
    try {
      assertThat(b.plan()).isPositive();
    } finally {
      b.tearDown();
    }
  }

  /**
   * The federated TPC-H harness on a tiny data set with the systems that need no download
   * (Trino needs its 821 MB server and Java 25: run it with {@code ./meridian bench tpch}):
   * every system's answers pass the oracle check, and the results and charts are written.
   */
  @Test void tpchHarnessChecksAnswersAndWritesResultsAndCharts() throws Exception {
    Path out = Path.of("target/harness-results");
    Map<String, Map<Integer, String>> status = TpchHarnessRun.statuses(
        "--scale", "0.01", "--data-dir", "target/bench-data", "--queries", "3,6",
        "--systems", "duckdb-colocated,meridian,meridian-jvm,calcite", "--repetitions", "1",
        "--cap", "120", "--out", out.toString());
    assertThat(status).containsOnlyKeys("duckdb-colocated", "meridian", "meridian-jvm",
        "calcite");
    status.forEach((system, byQuery) ->
        assertThat(byQuery).as(system).isEqualTo(Map.of(3, "ok", 6, "ok")));
    for (String file : List.of("results.json", "results.csv", "summary.md",
        "tpch-per-query.png", "tpch-totals.png")) {
      assertThat(Files.size(out.resolve(file))).as(file).isGreaterThan(100);
    }
    assertThat(Files.readString(out.resolve("summary.md")))
        .contains("| q03 |", "| q06 |", "calcite", "geomean ratio to meridian",
            "Placement regret", "over 2 queries");
  }

  /**
   * The harness's {@code clickhouse} layout: part and partsupp in a real ClickHouse server,
   * loaded from the oracle, read by Meridian and by plain Calcite's JDBC adapter alike (q16
   * joins both ClickHouse tables with DuckDB's supplier; q14 joins Parquet with ClickHouse).
   */
  @Test void tpchHarnessRunsTheClickHouseLayout() throws Exception {
    Path out = Path.of("target/harness-results-clickhouse");
    Map<String, Map<Integer, String>> status = TpchHarnessRun.statuses(
        "--scale", "0.01", "--layout", "clickhouse", "--data-dir", "target/bench-data",
        "--queries", "14,16", "--systems", "meridian,calcite", "--repetitions", "1",
        "--cap", "120", "--out", out.toString());
    assertThat(status).isEqualTo(Map.of("meridian", Map.of(14, "ok", 16, "ok"),
        "calcite", Map.of(14, "ok", 16, "ok")));
    assertThat(Files.readString(out.resolve("summary.md"))).contains("layout `clickhouse`");
  }

  @Test void tpchHarnessRejectsUnknownSystemsAndQueries() {
    assertThatThrownBy(() -> TpchHarnessRun.statuses("--systems", "meridian,oracle"))
        .hasMessageContaining("unknown system 'oracle'");
    assertThatThrownBy(() -> TpchHarnessRun.statuses("--queries", "0-23"))
        .hasMessageContaining("queries are 1..22");
    assertThatThrownBy(() -> TpchHarnessRun.statuses("--layout", "mars"))
        .hasMessageContaining("unknown layout 'mars'; known: demo, clickhouse");
  }
}
