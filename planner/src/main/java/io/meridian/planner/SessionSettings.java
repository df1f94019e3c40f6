package io.meridian.planner;

import io.meridian.planner.metadata.ObservedCardinalities;

import io.meridian.cost.CostModel;
import io.meridian.cost.EngineCoefficients;

import org.apache.calcite.jdbc.CalciteSchema;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.Map;
import java.util.WeakHashMap;

import static java.util.Objects.requireNonNull;

/**
 * What a session's planning depends on beyond its SQL: where cross-backend work may run
 * ({@link Placement}, the {@code placement} connection property), whether the DuckDB engine's
 * inputs may be narrowed by each other's join keys (semi-join reduction, on unless the
 * connection property {@code reduction} is {@code off}), whether an input may be grouped in its
 * backend below the joins (pre-aggregation, on unless the connection property
 * {@code preaggregation} is {@code off}), the cost model (whose coefficients
 * calibration may replace between two statements), and the row counts the
 * server's statements observed ({@link ObservedCardinalities}), and which catalogs the
 * session may read and write ({@link CatalogAccess}). Recorded when a connection
 * opens, found again from the connection's root schema when a statement is prepared.
 */
record SessionSettings(Placement placement, boolean reduce, boolean preAggregate,
    CostModel costModel,
    ObservedCardinalities observed, CatalogAccess access) {
  private static final Map<CalciteSchema, SessionSettings> SESSIONS = new WeakHashMap<>();
  private static final SessionSettings DEFAULT = new SessionSettings(Placement.AUTO, true, true,
      new CostModel(EngineCoefficients.builtIn()), new ObservedCardinalities(),
      CatalogAccess.ALL);

  /** The connection property that turns semi-join reduction off ({@code off}) or on. */
  static final String REDUCTION = "reduction";

  /** The connection property that turns pre-aggregation below joins off ({@code off}) or on. */
  static final String PRE_AGGREGATION = "preaggregation";

  /** Returns whether a switch property's value ({@code auto} or {@code off}) is {@code auto}. */
  static boolean on(String property, @Nullable String value) {
    String v = value == null ? "auto" : value.trim();
    if (!v.equalsIgnoreCase("auto") && !v.equalsIgnoreCase("off")) {
      throw new IllegalArgumentException("unknown " + property + " '" + v
          + "': expected auto or off");
    }
    return v.equalsIgnoreCase("auto");
  }

  SessionSettings {
    requireNonNull(placement, "placement");
    requireNonNull(costModel, "costModel");
    requireNonNull(observed, "observed");
    requireNonNull(access, "access");
  }

  /** Returns the coefficients to plan the next statement with. */
  EngineCoefficients coefficients() {
    return costModel.current();
  }

  /** Records the settings of the session whose root schema is {@code root}. */
  static synchronized void register(CalciteSchema root, SessionSettings settings) {
    SESSIONS.put(root, settings);
  }

  /** Returns the settings of the session whose root schema is {@code root}. */
  static synchronized SessionSettings of(CalciteSchema root) {
    return SESSIONS.getOrDefault(root, DEFAULT);
  }
}
