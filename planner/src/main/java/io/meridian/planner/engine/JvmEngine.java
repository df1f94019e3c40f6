package io.meridian.planner.engine;

import io.meridian.cost.EngineCoefficients;

import org.apache.calcite.rel.RelNode;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.function.UnaryOperator;

/**
 * Calcite's in-JVM enumerable operators: where a subplan that spans backends runs unless
 * another engine is cheaper, and the only engine that runs everything (correlated,
 * parameterised and windowed expressions). Its inputs are the backends' fragments read over
 * JDBC. A subplan placed here stays as planned, so {@link #place} has nothing to build: the
 * {@code PlacementEngine} leaves the subplan in place and looks for smaller subplans inside it.
 */
public final class JvmEngine implements ProcessingEngine {
  /** The engine's name, also the {@code placement} value that turns the placement phase off. */
  public static final String NAME = "jvm";

  @Override public String name() {
    return NAME;
  }

  /**
   * The rows the operators take in at {@code enumerable.row-cpu} each, and the values read
   * from the backends at {@code transfer.jdbc.value} each.
   */
  @Override public double cost(EngineSubplan subplan, EngineCoefficients coefficients) {
    double cost = subplan.rowsIn() * coefficients.get("enumerable.row-cpu");
    for (int i = 0; i < subplan.leaves().size(); i++) {
      if (EngineSubplan.transferOf(subplan.leaves().get(i)) != EngineInput.Source.JVM) {
        cost += subplan.values(i) * coefficients.get("transfer.jdbc.value");
      }
    }
    return cost;
  }

  @Override public @Nullable RelNode place(EngineSubplan subplan,
      EngineCoefficients coefficients, String decision, UnaryOperator<RelNode> placeInputs) {
    return null;
  }
}
