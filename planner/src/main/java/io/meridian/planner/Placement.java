package io.meridian.planner;

import java.util.Locale;

/**
 * Where the part of a statement that spans backends runs: chosen by cost ({@link #AUTO}, the
 * default), or forced for a session with the connection property {@code placement}, so that
 * tests and benchmarks can compare plans. The part that one backend can run goes there in every
 * mode.
 */
public enum Placement {
  /** The cheaper of the JVM and the embedded DuckDB engine, by the cost model. */
  AUTO,
  /** Calcite's in-JVM operators (enumerable), fed by the backends' fragments over JDBC. */
  JVM,
  /** The embedded DuckDB engine wherever it can run the subplan, fed as Arrow. */
  DUCKDB;

  /** The connection property that sets a session's placement. */
  public static final String PROPERTY = "placement";

  /**
   * Parses a property value (case-insensitive).
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static Placement parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown placement '" + value
          + "': expected auto, jvm or duckdb", e);
    }
  }
}
