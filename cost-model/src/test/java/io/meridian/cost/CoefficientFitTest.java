package io.meridian.cost;

import io.meridian.cost.CoefficientFit.Family;
import io.meridian.cost.CoefficientFit.Observation;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class CoefficientFitTest {
  private static final EngineCoefficients BUILT_IN = EngineCoefficients.builtIn();

  @Test void recoversTheCoefficientsThatMadeTheTimesDespiteNoiseAndOutliers() {
    Random random = new Random(7);
    List<Observation> observations = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      double rows = 10_000 + random.nextInt(2_000_000);
      double noise = 1 + 0.1 * random.nextGaussian();
      // Every tenth statement was slowed fivefold by something else.
      double slowed = i % 10 == 3 ? 5 : 1;
      observations.add(new Observation(Family.JVM, 0.08 * rows * noise * slowed + 1500,
          Map.of("enumerable.row-cpu", rows)));
      double engineRows = 1_000 + random.nextInt(5_000_000);
      observations.add(new Observation(Family.ENGINE,
          (7000 + 0.01 * engineRows) * (1 + 0.05 * random.nextGaussian()),
          Map.of("duckdb-engine.row-cpu", engineRows)));
      double moved = 1_000 + random.nextInt(500_000);
      double scanned = moved * (1 + random.nextInt(20));
      observations.add(new Observation(Family.READ, 2000 + 0.3 * moved + 0.05 * scanned,
          Map.of("transfer.jdbc.value", moved, "postgres.row-cpu", scanned)));
    }
    CoefficientFit.Result result = CoefficientFit.fit(observations, BUILT_IN, "test-1");
    EngineCoefficients fitted = result.coefficients();
    assertThat(fitted.version()).isEqualTo("test-1");
    // Through the origin, the JVM's fixed part adds a little to the per-row cost.
    assertThat(fitted.get("enumerable.row-cpu")).isCloseTo(0.08, within(0.01));
    assertThat(fitted.get("duckdb-engine.fixed")).isCloseTo(7000, within(1000.0));
    assertThat(fitted.get("duckdb-engine.row-cpu")).isCloseTo(0.01, within(0.002));
    assertThat(fitted.get("transfer.jdbc.value")).isCloseTo(0.3, within(0.01));
    assertThat(fitted.get("postgres.row-cpu")).isCloseTo(0.05, within(0.005));
    // What no observation mentions keeps its value.
    assertThat(fitted.get("transfer.arrow.value")).isEqualTo(BUILT_IN.get("transfer.arrow.value"));
    assertThat(result.outcome("enumerable.row-cpu").fitted()).isTrue();
    assertThat(result.outcome("enumerable.row-cpu").previous())
        .isEqualTo(BUILT_IN.get("enumerable.row-cpu"));
  }

  @Test void aCoefficientTheObservationsCannotTellApartIsKept() {
    List<Observation> observations = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      observations.add(new Observation(Family.JVM, 1000 + i, Map.of("enumerable.row-cpu",
          100_000.0 * (i + 1))));
    }
    for (int i = 0; i < 10; i++) {
      // Always the same number of rows: a per-row cost and a fixed one look alike.
      observations.add(new Observation(Family.ENGINE, 9000 + i,
          Map.of("duckdb-engine.row-cpu", 50_000.0)));
    }
    CoefficientFit.Result result = CoefficientFit.fit(observations, BUILT_IN, "test-2");
    assertThat(result.outcome("enumerable.row-cpu").fitted()).isFalse();
    assertThat(result.outcome("enumerable.row-cpu").note()).contains("3 observations");
    assertThat(result.outcome("duckdb-engine.row-cpu").fitted()).isFalse();
    assertThat(result.outcome("duckdb-engine.row-cpu").note()).contains("do not vary enough");
    assertThat(result.coefficients().get("enumerable.row-cpu"))
        .isEqualTo(BUILT_IN.get("enumerable.row-cpu"));
    assertThat(result.coefficients().get("duckdb-engine.row-cpu"))
        .isEqualTo(BUILT_IN.get("duckdb-engine.row-cpu"));
  }

  @Test void leastSquaresKeepsCoefficientsNonNegative() {
    double[][] x = {{1, 1}, {2, 1}, {3, 1}, {4, 1}};
    double[] y = {10, 8, 6, 4}; // a falling line: its slope would be negative
    double[] b = LeastSquares.nonNegative(x, y);
    assertThat(b[0]).isZero();
    assertThat(b[1]).isCloseTo(7, within(1e-9));
  }
}
