package io.meridian.planner.engine;

import io.meridian.cost.EngineCoefficients;

import org.apache.calcite.rel.RelNode;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.function.UnaryOperator;

/**
 * A place in the processing layer where a subplan that spans backends can run: Calcite's
 * in-JVM operators ({@link JvmEngine}), the embedded DuckDB engine
 * ({@link DuckDbProcessingEngine}), and whatever else is registered. The
 * {@code PlacementEngine} asks every engine for its cost of each such subplan and places the
 * subplan in the cheapest engine that takes it (or the one the session's {@code placement}
 * forces); {@code EXPLAIN PLAN FOR} shows every engine's cost.
 *
 * <p>Engines other than the JVM are found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.meridian.planner.engine.ProcessingEngine}), so adding one (a
 * Spark or Trino engine in its own module) touches no other engine. An implementation is
 * stateless and shared by all statements; it needs a public constructor without arguments.
 */
public interface ProcessingEngine {
  /**
   * Returns the engine's name: lower case, unique, shown in {@code EXPLAIN} and accepted by the
   * session property {@code placement} to force the engine.
   */
  String name();

  /**
   * Returns the estimated cost of running {@code subplan} here, in the cost model's units
   * ({@code coefficients}), including reading its inputs; {@link Double#POSITIVE_INFINITY} when
   * the engine cannot take a subplan of this shape at all. Must be cheap: no I/O.
   */
  double cost(EngineSubplan subplan, EngineCoefficients coefficients);

  /**
   * Returns {@code subplan} placed here: one operator of the enumerable convention with the
   * subplan's row type, whose inputs are the subplan's leaves. Returns null when the engine
   * declines on a closer look (a function it lacks, say); the next cheapest engine is tried.
   *
   * @param decision why this engine was chosen (the costs), for {@code EXPLAIN}
   * @param placeInputs places what is below a leaf whose rows reach the engine through the JVM
   */
  @Nullable RelNode place(EngineSubplan subplan, EngineCoefficients coefficients, String decision,
      UnaryOperator<RelNode> placeInputs);
}
