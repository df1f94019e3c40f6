package io.meridian.benchmarks;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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
}
