package io.meridian.benchmarks;

import java.util.Arrays;
import java.util.List;

/** The summaries the single-run benchmarks report: medians and geometric means of ratios. */
final class Measurements {
  private Measurements() {
  }

  /** The median of the values (the mean of the middle two for an even count). */
  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** The geometric mean of ratios (1 for none). */
  static double geomean(List<Double> ratios) {
    return Math.exp(ratios.stream().mapToDouble(Math::log).average().orElse(0));
  }
}
