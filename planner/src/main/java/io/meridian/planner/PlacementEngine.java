package io.meridian.planner;

import io.meridian.cost.EngineCoefficients;
import io.meridian.planner.engine.EngineColumn;
import io.meridian.planner.engine.EngineSubplan;
import io.meridian.planner.engine.JvmEngine;
import io.meridian.planner.engine.ProcessingEngine;
import io.meridian.planner.engine.ProcessingEngines;

import org.apache.calcite.adapter.enumerable.EnumerableBatchNestedLoopJoin;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.enumerable.EnumerableLimit;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.Calc;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Intersect;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.Minus;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.core.SetOp;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rel.core.Union;
import org.apache.calcite.rel.core.Values;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rex.RexCorrelVariable;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexOver;
import org.apache.calcite.rex.RexSubQuery;
import org.apache.calcite.rex.RexVisitorImpl;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The last planning phase: decides where the part of a plan that no single backend can run
 * goes. After cost-based planning, everything a backend can run is inside a backend fragment;
 * what remains (joins, aggregates, sorts over fragments of different backends) would run in
 * the JVM. Each maximal such subplan ({@link EngineSubplan}) is costed by every
 * {@link ProcessingEngine} (the JVM, the embedded DuckDB engine, and any other registered) from
 * the cost model's coefficients and the planner's row estimates, and placed in the cheapest
 * engine that takes it, or in the engine the session's {@link Placement} forces where that one
 * takes it. The decision, with every engine's cost, is shown by {@code EXPLAIN PLAN FOR}.
 *
 * <p>A subplan no other engine takes whole (a function it lacks, a correlated or parameterised
 * expression, a type that cannot travel as Arrow) stays in the JVM, whose operators are then
 * considered again below its top.
 */
public final class PlacementEngine {
  private static final Logger LOG = LoggerFactory.getLogger(PlacementEngine.class);
  /**
   * The decisions of the last placement on this thread that kept a subplan in the JVM, for
   * {@code EXPLAIN} (a subplan placed elsewhere shows its decision on its own operator).
   */
  private static final ThreadLocal<List<String>> KEPT_IN_JVM =
      ThreadLocal.withInitial(ArrayList::new);
  private final Placement placement;
  private final boolean reduce;
  private final boolean preAggregate;
  private final EngineCoefficients coefficients;

  private PlacementEngine(Placement placement, boolean reduce, boolean preAggregate,
      EngineCoefficients coefficients) {
    this.placement = placement;
    this.reduce = reduce;
    this.preAggregate = preAggregate;
    this.coefficients = coefficients;
  }

  /**
   * Returns the plan with subplans moved to the engines chosen for them.
   *
   * @param reduce whether the engine's inputs may be narrowed by each other's join keys
   *     (semi-join reduction); the {@code reduction} connection property turns it off
   * @param preAggregate whether an input may be grouped in its backend below the subplan's
   *     joins (pre-aggregation); the {@code preaggregation} connection property turns it off
   */
  public static RelNode place(RelNode plan, Placement placement, boolean reduce,
      boolean preAggregate, EngineCoefficients coefficients) {
    KEPT_IN_JVM.get().clear();
    if (placement.equals(Placement.JVM)) {
      return plan;
    }
    return new PlacementEngine(placement, reduce, preAggregate, coefficients).visit(plan);
  }

  /**
   * Returns, for the last statement placed on this thread, why each subplan that another
   * engine could have taken stayed in the JVM: the operator and every engine's cost.
   */
  static List<String> keptInJvm() {
    return List.copyOf(KEPT_IN_JVM.get());
  }

  /** Forgets the decisions of the last statement placed on this thread. */
  static void forgetDecisions() {
    KEPT_IN_JVM.get().clear();
  }

  private RelNode visit(RelNode node) {
    if (isEngineOperator(node)) {
      RelNode placed = tryEngines(node);
      if (placed != null) {
        return placed;
      }
    }
    List<RelNode> inputs = new ArrayList<>();
    boolean changed = false;
    for (RelNode input : node.getInputs()) {
      RelNode visited = visit(input);
      inputs.add(visited);
      changed |= visited != input;
    }
    return changed ? node.copy(node.getTraitSet(), inputs) : node;
  }

  /** An engine's cost of the subplan. */
  private record Offer(ProcessingEngine engine, double cost) {
  }

  /**
   * The subplan rooted at {@code top} placed in the engine chosen for it, or null if it stays
   * in the JVM.
   */
  private @Nullable RelNode tryEngines(RelNode top) {
    EngineSubplan subplan = subplan(top);
    if (subplan == null) {
      return null;
    }
    List<Offer> offers = new ArrayList<>();
    for (ProcessingEngine engine : ProcessingEngines.all()) {
      double cost = engine.cost(subplan, coefficients);
      if (cost < Double.POSITIVE_INFINITY) {
        offers.add(new Offer(engine, cost));
      }
    }
    offers.sort(Comparator.comparingDouble(Offer::cost));
    ProcessingEngine forced = placement.forced();
    List<Offer> order = new ArrayList<>(offers);
    String decision;
    if (forced != null) {
      // The forced engine where it takes the subplan, else the JVM.
      order.removeIf(o -> !o.engine().name().equals(forced.name())
          && !o.engine().name().equals(JvmEngine.NAME));
      order.sort(Comparator.comparing(o -> o.engine().name().equals(JvmEngine.NAME)));
      decision = "forced (placement=" + forced.name() + "; cost " + offers.stream()
          .sorted(Comparator.comparing(o -> !o.engine().name().equals(forced.name())))
          .map(o -> o.engine().name() + " " + format(o.cost()))
          .collect(Collectors.joining(", ")) + ")";
    } else {
      decision = "cost " + offers.stream()
          .map(o -> o.engine().name() + " " + format(o.cost()))
          .collect(Collectors.joining(" < "));
    }
    for (Offer offer : order) {
      if (offer.engine().name().equals(JvmEngine.NAME)) {
        LOG.debug("stays in the JVM: {}", decision);
        if (offers.size() > 1) {
          KEPT_IN_JVM.get().add(top.getRelTypeName() + "#" + top.getId() + " stays in the JVM: "
              + decision);
        }
        return null;
      }
      RelNode placed = offer.engine().place(subplan, coefficients, decision, this::visit);
      if (placed != null) {
        return placed;
      }
      decision += "; " + offer.engine().name() + " declined";
    }
    return null;
  }

  private static String format(double cost) {
    return String.format(Locale.ROOT, "%.3g", cost);
  }

  /** The subplan rooted at {@code top}, or null if there is none worth placing. */
  private @Nullable EngineSubplan subplan(RelNode top) {
    List<RelNode> leaves = new ArrayList<>();
    boolean[] work = new boolean[1];
    collectLeaves(top, leaves, work);
    if (!work[0] || leaves.isEmpty()) {
      return null;
    }
    List<List<EngineColumn>> inputColumns = new ArrayList<>();
    for (RelNode leaf : leaves) {
      List<EngineColumn> columns = EngineColumn.of(leaf.getRowType().getFieldList());
      if (columns == null) {
        LOG.debug("stays in the JVM: an input's type cannot be shipped: {}", leaf.getRowType());
        return null;
      }
      inputColumns.add(columns);
    }
    List<EngineColumn> outputColumns = EngineColumn.of(top.getRowType().getFieldList());
    if (outputColumns == null) {
      return null;
    }
    return new EngineSubplan(top, leaves, inputColumns, outputColumns,
        rowsIn(top, top.getCluster().getMetadataQuery()), reduce, preAggregate);
  }

  /**
   * The rows the operators of the subplan rooted at {@code node} take in, summed over the
   * operators: what either engine processes (the subplan ends where {@link #collectLeaves}
   * ends it).
   */
  static double rowsIn(RelNode node, RelMetadataQuery mq) {
    double in = 0;
    for (RelNode input : node.getInputs()) {
      in += EngineSubplan.rows(mq, input);
      if (isEngineOperator(input)) {
        in += rowsIn(input, mq);
      }
    }
    return in;
  }

  private static void collectLeaves(RelNode node, List<RelNode> leaves, boolean[] work) {
    if (!isEngineOperator(node)) {
      leaves.add(node);
      return;
    }
    if (node instanceof Join || node instanceof Aggregate || node instanceof SetOp) {
      work[0] = true;
    }
    for (RelNode input : node.getInputs()) {
      collectLeaves(input, leaves, work);
    }
  }

  /** Whether DuckDB may run this operator of a JVM plan (given its inputs). */
  static boolean isEngineOperator(RelNode node) {
    if (node.getConvention() != EnumerableConvention.INSTANCE) {
      return false;
    }
    if (node instanceof Join) {
      Join join = (Join) node;
      return !(node instanceof EnumerableBatchNestedLoopJoin)
          && join.getVariablesSet().isEmpty() && portable(join.getCondition());
    }
    if (node instanceof Calc) {
      return ((Calc) node).getProgram().getExprList().stream().allMatch(PlacementEngine::portable);
    }
    if (node instanceof Project) {
      return ((Project) node).getProjects().stream().allMatch(PlacementEngine::portable);
    }
    if (node instanceof Filter) {
      return portable(((Filter) node).getCondition());
    }
    return node instanceof Aggregate || node instanceof Sort || node instanceof EnumerableLimit
        || node instanceof Union || node instanceof Intersect || node instanceof Minus
        || node instanceof Values;
  }

  /** An expression the engine's SQL can carry: no correlation, parameter, sub-query, window. */
  private static boolean portable(RexNode rex) {
    try {
      rex.accept(new RexVisitorImpl<Void>(true) {
        @Override public Void visitCorrelVariable(RexCorrelVariable v) {
          throw new IllegalStateException();
        }

        @Override public Void visitDynamicParam(RexDynamicParam p) {
          throw new IllegalStateException();
        }

        @Override public Void visitSubQuery(RexSubQuery s) {
          throw new IllegalStateException();
        }

        @Override public Void visitOver(RexOver over) {
          throw new IllegalStateException();
        }
      });
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

}
