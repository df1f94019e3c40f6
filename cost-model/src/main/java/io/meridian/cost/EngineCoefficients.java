package io.meridian.cost;

import com.google.common.collect.ImmutableMap;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;

/**
 * Per-engine cost coefficients: the cost of processing one row in an engine, and of moving one
 * row between two engines, in microseconds. Loaded from the versioned resource
 * {@code io/meridian/cost/engine-coefficients.properties}, then overridden by configuration,
 * then replaced by calibration ({@link CoefficientFit}) as the workload log shows what rows
 * really cost.
 *
 * <p>Keys are {@code <engine-kind>.<coefficient>}, for example {@code postgres.row-cpu} or
 * {@code transfer.jdbc.value}.
 */
public final class EngineCoefficients {
  private static final String RESOURCE = "/io/meridian/cost/engine-coefficients.properties";

  private final String version;
  private final ImmutableMap<String, Double> values;

  private EngineCoefficients(String version, ImmutableMap<String, Double> values) {
    this.version = version;
    this.values = values;
  }

  /** Loads the built-in coefficients. */
  public static EngineCoefficients builtIn() {
    Properties p = new Properties();
    try (InputStream in = EngineCoefficients.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE);
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return fromProperties(p);
  }

  /** Parses coefficients; every value except {@code version} must be a non-negative number. */
  public static EngineCoefficients fromProperties(Properties p) {
    ImmutableMap.Builder<String, Double> builder = ImmutableMap.builder();
    for (String key : p.stringPropertyNames()) {
      if (key.equals("version")) {
        continue;
      }
      builder.put(key, value(key, p.getProperty(key)));
    }
    return new EngineCoefficients(p.getProperty("version", "unversioned"),
        builder.buildOrThrow());
  }

  /**
   * Parses one coefficient's value: a finite number >= 0.
   *
   * @throws IllegalArgumentException naming the key if it is not
   */
  public static double value(String key, String text) {
    double v;
    try {
      v = Double.parseDouble(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("cost coefficient '" + key + "' is not a number");
    }
    check(key, v);
    return v;
  }

  /** Returns a copy with some coefficients replaced (configuration overrides). */
  public EngineCoefficients withOverrides(Map<String, Double> overrides) {
    Map<String, Double> merged = new java.util.TreeMap<>(values);
    merged.putAll(overrides);
    return withValues(version + "+overrides", merged);
  }

  /** Returns a coefficient set with these values, as version {@code version}. */
  public EngineCoefficients withValues(String version, Map<String, Double> values) {
    values.forEach(EngineCoefficients::check);
    return new EngineCoefficients(version, ImmutableMap.copyOf(new java.util.TreeMap<>(values)));
  }

  private static void check(String key, double v) {
    if (v < 0 || Double.isNaN(v) || Double.isInfinite(v)) {
      throw new IllegalArgumentException("cost coefficient '" + key + "' must be >= 0");
    }
  }

  /** Whether the set has a coefficient {@code key}. */
  public boolean has(String key) {
    return values.containsKey(key);
  }

  /** Returns the version of the coefficient set. */
  public String version() {
    return version;
  }

  /** Returns one coefficient; a missing key is a programming error and fails. */
  public double get(String key) {
    Double v = values.get(key);
    if (v == null) {
      throw new IllegalArgumentException("no cost coefficient '" + key + "'");
    }
    return v;
  }

  /** Returns all coefficients. */
  public ImmutableMap<String, Double> asMap() {
    return values;
  }
}
