package io.meridian.planner;

import com.google.common.collect.ImmutableList;

import org.apache.calcite.plan.RelOptLattice;
import org.apache.calcite.plan.RelOptMaterialization;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.plan.hep.HepMatchOrder;
import org.apache.calcite.plan.hep.HepProgram;
import org.apache.calcite.plan.hep.HepProgramBuilder;
import org.apache.calcite.rel.RelNode;
import io.meridian.planner.metadata.MeridianMetadata;
import org.apache.calcite.rel.rules.CoreRules;
import org.apache.calcite.rel.rules.JoinPushThroughJoinRule;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.tools.Program;
import org.apache.calcite.tools.Programs;
import io.meridian.adapter.jdbc.BackendConvention;
import io.meridian.cost.EngineCoefficients;
import io.meridian.planner.rules.FileScanRules;
import io.meridian.planner.rules.FilterPullCommonFactorsRule;
import io.meridian.planner.rules.JoinRightNestedToLeftDeepRule;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The sequence of planning phases Meridian runs on every statement:
 * <ol>
 *   <li>sub-query removal, decorrelation, field trimming (as Calcite does);
 *   <li>normalisation (HEP): join conditions pushed into joins, common factors of OR
 *   predicates pulled out, and the inner joins of each join tree gathered into a multi-join
 *   and ordered heuristically from the backends' row counts (no exhaustive join enumeration:
 *   planning stays in milliseconds for 8-way joins);
 *   <li>pushdown (Volcano): each subplan a backend can run goes to that backend, by cost;
 *   <li>physical tweaks (calc merging);
 *   <li>placement ({@link PlacementEngine}): what spans backends runs in the JVM or in the
 *   embedded DuckDB engine, by cost or as the session's {@link Placement} forces.
 * </ol>
 */
public final class FederatedPrograms {
  /** Rules that enumerate join orders exhaustively; the heuristic ordering replaces them. */
  public static final ImmutableList<RelOptRule> EXHAUSTIVE_JOIN_RULES = ImmutableList.of(
      CoreRules.JOIN_COMMUTE,
      CoreRules.JOIN_COMMUTE_OUTER,
      CoreRules.JOIN_ASSOCIATE,
      JoinPushThroughJoinRule.LEFT,
      JoinPushThroughJoinRule.RIGHT);

  private FederatedPrograms() {
  }

  /** Returns the whole program, with cross-backend work placed by the built-in costs. */
  public static Program federated() {
    return federated(Placement.AUTO, true, true, EngineCoefficients.builtIn());
  }

  /**
   * Returns the whole program, with cross-backend work placed as {@code placement} says, by
   * {@code coefficients} where it is chosen by cost, and the engine's inputs narrowed by each
   * other's join keys where that pays and {@code reduce} allows it, and an input grouped in its
   * backend below the joins where that pays and {@code preAggregate} allows it.
   */
  public static Program federated(Placement placement, boolean reduce, boolean preAggregate,
      EngineCoefficients coefficients) {
    return Programs.sequence(
        Programs.subQuery(MeridianMetadata.PROVIDER),
        Programs.decorrelate(),
        Programs.measure(MeridianMetadata.PROVIDER),
        // Before trimming, which puts a projection between a version's scan and its period.
        Programs.of(new HepProgramBuilder().addRuleInstance(FileScanRules.AS_OF.toRule())
            .build(), true, MeridianMetadata.PROVIDER),
        Programs.trim(),
        FederatedPrograms::normalizeAndPlace,
        Programs.calc(MeridianMetadata.PROVIDER),
        (planner, rel, traits, materializations, lattices) ->
            PlacementEngine.place(rel, placement, reduce, preAggregate, coefficients));
  }

  /**
   * Joins with more inputs than this are not reordered (the heuristic's cost grows steeply
   * with the number of inputs; SQLite's corpus has 64-way joins): they keep the written order.
   */
  static final int MAX_REORDERED_JOIN_INPUTS = 16;

  /**
   * The normalisation phase. Statements that read more than {@link #MAX_REORDERED_JOIN_INPUTS}
   * tables keep their written join order.
   */
  private static RelNode normalizeAndPlace(RelOptPlanner planner, RelNode rel,
      RelTraitSet requiredOutputTraits, List<RelOptMaterialization> materializations,
      List<RelOptLattice> lattices) {
    BackendConvention backend = WholeStatementPushdown.singleBackend(rel);
    if (backend != null) {
      // The backend orders its own joins: no join ordering, and no cost-based search unless
      // part of the statement cannot be written in the backend's SQL.
      RelNode light = Programs.of(normalizeWithoutOrdering(), true,
          MeridianMetadata.PROVIDER)
          .run(planner, rel, requiredOutputTraits, materializations, lattices);
      RelNode whole = WholeStatementPushdown.tryPush(light, backend, requiredOutputTraits);
      if (whole != null) {
        return whole;
      }
    }
    boolean order = RelOptUtil.findAllTables(rel).size() <= MAX_REORDERED_JOIN_INPUTS;
    HepProgram program = order ? normalize() : normalizeWithoutOrdering();
    RelNode normalized = Programs.of(program, true, MeridianMetadata.PROVIDER)
        .run(planner, rel, requiredOutputTraits, materializations, lattices);
    return place(planner, normalized, requiredOutputTraits, materializations, lattices);
  }

  /** Normalisation without join reordering: joins keep the order the statement wrote. */
  static HepProgram normalizeWithoutOrdering() {
    return conditionsIntoJoins().build();
  }

  /**
   * Common OR factors pulled out, filters pushed into joins, then lake scans narrowed to the
   * files their filters may match.
   */
  private static HepProgramBuilder conditionsIntoJoins() {
    return new HepProgramBuilder()
        .addRuleCollection(ImmutableList.of(
            FilterPullCommonFactorsRule.FILTER.toRule(),
            FilterPullCommonFactorsRule.JOIN.toRule()))
        .addRuleCollection(ImmutableList.of(
            CoreRules.FILTER_INTO_JOIN,
            CoreRules.JOIN_CONDITION_PUSH,
            CoreRules.FILTER_PROJECT_TRANSPOSE,
            CoreRules.FILTER_MERGE,
            CoreRules.PROJECT_MERGE))
        .addRuleInstance(FileScanRules.PRUNE.toRule());
  }

  /** The normalisation phase: conditions into joins, then heuristic join ordering. */
  static HepProgram normalize() {
    return conditionsIntoJoins()
        .addMatchOrder(HepMatchOrder.BOTTOM_UP)
        .addRuleInstance(CoreRules.JOIN_TO_MULTI_JOIN)
        .addRuleInstance(CoreRules.MULTI_JOIN_OPTIMIZE)
        .addMatchOrder(HepMatchOrder.BOTTOM_UP)
        .addRuleInstance(JoinRightNestedToLeftDeepRule.CONFIG.toRule())
        .build();
  }

  /** The placement phase: Volcano over the rules the planner holds, by cost. */
  private static RelNode place(RelOptPlanner planner, RelNode rel,
      RelTraitSet requiredOutputTraits, List<RelOptMaterialization> materializations,
      List<RelOptLattice> lattices) {
    materializations.forEach(planner::addMaterialization);
    lattices.forEach(planner::addLattice);
    planner.setRoot(rel);
    RelNode root = rel.getTraitSet().equals(requiredOutputTraits) ? rel
        : planner.changeTraits(rel, requiredOutputTraits);
    planner.setRoot(requireNonNull(root, "root"));
    return requireNonNull(planner.chooseDelegate().findBestExp(), "no plan");
  }
}
