package io.meridian.planner;

import io.meridian.planner.engine.JvmEngine;
import io.meridian.planner.engine.ProcessingEngine;
import io.meridian.planner.engine.ProcessingEngines;

import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where the part of a statement that spans backends runs: chosen by cost ({@link #AUTO}, the
 * default), or forced to one {@link ProcessingEngine} for a session with the connection
 * property {@code placement} ({@code jvm}, {@code duckdb}, or any other registered engine's
 * name), so that tests and benchmarks can compare plans. The part that one backend can run goes
 * there in every mode.
 */
public final class Placement {
  /** The connection property that sets a session's placement. */
  public static final String PROPERTY = "placement";

  /** The cheapest engine by the cost model. */
  public static final Placement AUTO = new Placement("auto");

  /** Calcite's in-JVM operators (enumerable), fed by the backends' fragments over JDBC. */
  public static final Placement JVM = new Placement(JvmEngine.NAME);

  private final String name;

  private Placement(String name) {
    this.name = name;
  }

  /** Returns {@code auto} or the forced engine's name. */
  public String name() {
    return name;
  }

  /** Returns the engine this placement forces, or null for {@link #AUTO}. */
  public @Nullable ProcessingEngine forced() {
    return name.equals(AUTO.name) ? null : ProcessingEngines.named(name);
  }

  /**
   * Parses a property value (case-insensitive): {@code auto} or an engine's name.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static Placement parse(String value) {
    String name = value.trim().toLowerCase(Locale.ROOT);
    if (name.equals(AUTO.name)) {
      return AUTO;
    }
    if (name.equals(JVM.name)) {
      return JVM;
    }
    if (ProcessingEngines.named(name) != null) {
      return new Placement(name);
    }
    List<String> accepted = ProcessingEngines.all().stream().map(ProcessingEngine::name)
        .collect(Collectors.toList());
    throw new IllegalArgumentException("unknown placement '" + value + "': expected auto, "
        + String.join(", ", accepted.subList(0, accepted.size() - 1))
        + (accepted.size() > 1 ? " or " : "") + accepted.get(accepted.size() - 1));
  }

  @Override public boolean equals(Object o) {
    return o instanceof Placement && ((Placement) o).name.equals(name);
  }

  @Override public int hashCode() {
    return name.hashCode();
  }

  @Override public String toString() {
    return name;
  }
}
