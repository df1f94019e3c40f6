package io.meridian.cost;

import com.google.common.collect.ImmutableList;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Fits cost coefficients to observed times by least squares. Each observation is one timed
 * piece of a statement (the JVM's share of a statement, one run of the DuckDB engine, one
 * backend read), with the quantities the planner multiplies by coefficients for that piece; a
 * {@link Family} says which coefficients explain which piece. Times are in microseconds, so the
 * fitted coefficients are too (microseconds per row, or per statement).
 *
 * <p>A family with one per-unit coefficient (the JVM, the engine) is fitted by medians (see
 * {@link #medianLine}); one with several (reads) by non-negative least squares, then again
 * without the tenth of observations the first fit explains worst. A coefficient is fitted
 * only when the observations can tell it apart: at least
 * {@link #MIN_SAMPLES} observations where its quantity is non-zero, spread at least
 * {@link #MIN_SPREAD}-fold (otherwise a per-row cost cannot be told from a fixed one). Any
 * other keeps its current value and is left out of the fit (its part of the time goes to the
 * fixed part: subtracting a guessed part would pull the others off).
 */
public final class CoefficientFit {
  /** Observations a coefficient needs before it is fitted. */
  public static final int MIN_SAMPLES = 5;
  /** How much larger the largest non-zero quantity must be than the smallest. */
  public static final double MIN_SPREAD = 2;

  /**
   * What explains the time of one kind of piece: the per-unit coefficients (by key) and the
   * fixed part, which is a coefficient of its own ({@code duckdb-engine.fixed}) or only
   * reported (a key no coefficient set has, e.g. {@code jvm.fixed}).
   */
  public enum Family {
    /**
     * The time a statement spends in the JVM's operators, by the rows they take in. Its fixed
     * part differs too much between statements (a complex plan's setup against a point
     * query's) to be taken off the large ones: their whole time is per row.
     */
    JVM("jvm.fixed", false),
    /** One run of the embedded DuckDB engine, without reading its inputs. */
    ENGINE("duckdb-engine.fixed", true),
    /**
     * One backend fragment read, into the JVM over JDBC or into the engine (as Arrow from a
     * DuckDB-based backend, else over JDBC): the backend's work, by the rows it scans
     * ({@code <backend type>.row-cpu}), and the transfer of its values, rows times columns
     * ({@code transfer.jdbc.value}, {@code transfer.jdbc-arrow.value} or
     * {@code transfer.arrow.value}).
     */
    READ("read.fixed", true);

    /** The key of the fixed part. */
    public final String fixedKey;
    /** Whether the fixed part is taken off before the per-unit part is fitted. */
    final boolean fixedFirst;

    Family(String fixedKey, boolean fixedFirst) {
      this.fixedKey = fixedKey;
      this.fixedFirst = fixedFirst;
    }
  }

  /** One timed piece: its family, its time, and its quantity per coefficient key. */
  public record Observation(Family family, double micros, Map<String, Double> quantities) {
    public Observation {
      quantities = Map.copyOf(quantities);
    }
  }

  /**
   * One coefficient's outcome: its value before and after, how many observations had its
   * quantity, and whether it was fitted (or kept, with why).
   */
  public record Outcome(String key, Family family, double previous, double value, int samples,
      boolean fitted, String note) {
  }

  /** A calibration: the new coefficient set and what happened to each coefficient. */
  public record Result(EngineCoefficients coefficients, List<Outcome> outcomes) {
    /** Returns the outcome of one coefficient, or null if no observation mentioned it. */
    public Outcome outcome(String key) {
      return outcomes.stream().filter(o -> o.key().equals(key)).findFirst().orElse(null);
    }
  }

  private CoefficientFit() {
  }

  /**
   * Fits each family's coefficients to its observations and returns {@code current} with the
   * fitted ones replaced, as version {@code version}. A fixed part that is not a coefficient
   * of {@code current} is reported only.
   */
  public static Result fit(List<Observation> observations, EngineCoefficients current,
      String version) {
    Map<String, Double> values = new TreeMap<>(current.asMap());
    List<Outcome> outcomes = new ArrayList<>();
    for (Family family : Family.values()) {
      List<Observation> of = observations.stream().filter(o -> o.family() == family).toList();
      if (!of.isEmpty()) {
        fitFamily(family, of, current, values, outcomes);
      }
    }
    return new Result(current.withValues(version, values), ImmutableList.copyOf(outcomes));
  }

  private static void fitFamily(Family family, List<Observation> observations,
      EngineCoefficients current, Map<String, Double> values, List<Outcome> outcomes) {
    // Per-unit keys, in a stable order, each with whether the observations identify it.
    Map<String, Boolean> identified = new LinkedHashMap<>();
    Map<String, Integer> samples = new TreeMap<>();
    observations.stream().flatMap(o -> o.quantities().keySet().stream()).sorted().distinct()
        .forEach(key -> {
          double[] positive = observations.stream().mapToDouble(o ->
              o.quantities().getOrDefault(key, 0.0)).filter(q -> q > 0).toArray();
          samples.put(key, positive.length);
          double min = Arrays.stream(positive).min().orElse(0);
          double max = Arrays.stream(positive).max().orElse(0);
          identified.put(key, positive.length >= MIN_SAMPLES && current.has(key)
              && max >= MIN_SPREAD * min);
        });
    List<String> fitted = identified.entrySet().stream().filter(Map.Entry::getValue)
        .map(Map.Entry::getKey).toList();
    boolean fixedIsCoefficient = current.has(family.fixedKey);
    // (A per-row key is fitted only with MIN_SAMPLES observations, so only with the fixed.)
    boolean fitFixed = observations.size() >= MIN_SAMPLES;
    int k = fitted.size() + (fitFixed ? 1 : 0);
    double[][] x = new double[observations.size()][k];
    double[] y = new double[observations.size()];
    for (int i = 0; i < observations.size(); i++) {
      Observation o = observations.get(i);
      y[i] = o.micros();
      for (int j = 0; j < fitted.size(); j++) {
        x[i][j] = o.quantities().getOrDefault(fitted.get(j), 0.0);
      }
      if (fitFixed) {
        x[i][k - 1] = 1;
      }
    }
    double[] b = k == 0 ? new double[0]
        : fitted.size() == 1 && fitFixed ? medianLine(x, y, family.fixedFirst)
        : trimmedFit(x, y);
    for (int j = 0; j < fitted.size(); j++) {
      String key = fitted.get(j);
      // A per-row cost of exactly zero says the rows cost nothing measurable; keep a floor so
      // that the planner still prefers fewer rows.
      double value = Math.max(b[j], 1e-6);
      outcomes.add(new Outcome(key, family, current.get(key), value, samples.get(key), true,
          "fitted"));
      values.put(key, value);
    }
    identified.forEach((key, ok) -> {
      if (!ok && current.has(key)) {
        outcomes.add(new Outcome(key, family, current.get(key), current.get(key),
            samples.get(key), false, samples.get(key) < MIN_SAMPLES
                ? "kept: " + samples.get(key) + " observations, " + MIN_SAMPLES + " needed"
                : "kept: its quantities do not vary enough to tell it from the fixed part"));
      }
    });
    double previousFixed = fixedIsCoefficient ? current.get(family.fixedKey) : Double.NaN;
    if (fitFixed) {
      outcomes.add(new Outcome(family.fixedKey, family, previousFixed, b[k - 1],
          observations.size(), true, fixedIsCoefficient ? "fitted" : "fitted (reported only)"));
      if (fixedIsCoefficient) {
        values.put(family.fixedKey, b[k - 1]);
      }
    } else if (fixedIsCoefficient) {
      outcomes.add(new Outcome(family.fixedKey, family, previousFixed, previousFixed,
          observations.size(), false,
          "kept: " + observations.size() + " observations, " + MIN_SAMPLES + " needed"));
    }
  }

  /**
   * A line through {@code (x[i][0], y[i])} with intercept {@code x[i][1] = 1}, from medians:
   * the intercept is the median of what the slope leaves of the quarter of observations with
   * the smallest quantities, the slope the median of {@code (y - intercept) / x} (or of {@code y / x},
   * where the family's fixed part varies too much to take off) over those whose quantity is at
   * least a tenth of the largest. A statement slowed by something else (a garbage collection, a cold cache, another
   * query) moves neither; least squares lets the few largest observations decide, and they are
   * as noisy as any.
   */
  private static double[] medianLine(double[][] x, double[] y, boolean fixedFirst) {
    Integer[] order = new Integer[y.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (i, j) -> Double.compare(x[i][0], x[j][0]));
    // The intercept from the smallest quarter and the slope from the largest observations,
    // each with the other taken off, a few rounds (the smallest quarter need not be near
    // zero).
    double largest = x[order[order.length - 1]][0];
    double intercept = 0;
    double slope = 0;
    for (int round = 0; round < 3; round++) {
      List<Double> small = new ArrayList<>();
      for (int r = 0; r < Math.max(1, order.length / 4); r++) {
        small.add(y[order[r]] - slope * x[order[r]][0]);
      }
      intercept = Math.max(0, median(small));
      // Where the quantity is small, the fixed part's noise swamps the per-unit part.
      List<Double> slopes = new ArrayList<>();
      for (int i = 0; i < y.length; i++) {
        if (x[i][0] > 0 && x[i][0] >= largest / 10) {
          slopes.add((y[i] - (fixedFirst ? intercept : 0)) / x[i][0]);
        }
      }
      slope = Math.max(0, median(slopes));
    }
    return new double[] {slope, intercept};
  }

  private static double median(List<Double> values) {
    if (values.isEmpty()) {
      return 0;
    }
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /**
   * Fits, then fits again without the tenth of the observations furthest from the first fit
   * (a garbage collection or a cold cache in one observation should not move a coefficient).
   */
  private static double[] trimmedFit(double[][] x, double[] y) {
    double[] b = LeastSquares.nonNegative(x, y);
    if (y.length < 20) {
      return b;
    }
    double[] residual = new double[y.length];
    for (int i = 0; i < y.length; i++) {
      double predicted = 0;
      for (int j = 0; j < b.length; j++) {
        predicted += x[i][j] * b[j];
      }
      residual[i] = Math.abs(y[i] - predicted);
    }
    double[] sorted = residual.clone();
    Arrays.sort(sorted);
    double cut = sorted[(int) Math.floor(sorted.length * 0.9)];
    List<Integer> kept = new ArrayList<>();
    for (int i = 0; i < y.length; i++) {
      if (residual[i] <= cut) {
        kept.add(i);
      }
    }
    double[][] kx = new double[kept.size()][];
    double[] ky = new double[kept.size()];
    for (int i = 0; i < kept.size(); i++) {
      kx[i] = x[kept.get(i)];
      ky[i] = y[kept.get(i)];
    }
    return LeastSquares.nonNegative(kx, ky);
  }
}
