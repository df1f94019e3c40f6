package io.meridian.planner;

import io.meridian.adapter.jdbc.BackendConvention;
import io.meridian.planner.rel.BackendToEnumerableConverter;

import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.jdbc.JdbcRel;
import org.apache.calcite.plan.Convention;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.plan.hep.HepMatchOrder;
import org.apache.calcite.plan.hep.HepPlanner;
import org.apache.calcite.plan.hep.HepProgram;
import org.apache.calcite.plan.hep.HepProgramBuilder;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.convert.ConverterRule;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.rules.CoreRules;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The fast path of placement: a statement whose tables all live in one backend, and all of
 * whose operators that backend's dialect can express, becomes one SQL statement for that
 * backend without a cost-based search. Each operator is converted bottom-up to the backend's
 * convention by the backend's own rules; if any is left over (a function the dialect lacks,
 * say), the statement goes to the cost-based placement instead.
 *
 * <p>This is what makes a single-backend statement cost Meridian milliseconds of planning
 * whatever its size (SQLite's corpus has 64-way joins), and it never gives the backend's work
 * to another engine.
 */
final class WholeStatementPushdown {
  private static final Logger LOG = LoggerFactory.getLogger(WholeStatementPushdown.class);

  private static final List<RelOptRule> REDUCE = List.of(
      CoreRules.FILTER_REDUCE_EXPRESSIONS,
      CoreRules.PROJECT_REDUCE_EXPRESSIONS,
      CoreRules.JOIN_REDUCE_EXPRESSIONS,
      CoreRules.WINDOW_REDUCE_EXPRESSIONS);

  private WholeStatementPushdown() {
  }

  /**
   * Returns the backend that holds every table the statement reads, or null when the
   * statement reads more than one catalog (or none).
   */
  static @Nullable BackendConvention singleBackend(RelNode rel) {
    Set<Convention> places = new HashSet<>();
    collectScanConventions(rel, places);
    return places.size() == 1 && places.iterator().next() instanceof BackendConvention
        ? (BackendConvention) places.iterator().next() : null;
  }

  /**
   * Returns the whole statement as one fragment of {@code convention}, the backend holding all
   * its tables ({@link #singleBackend}), or null when it cannot be.
   */
  static @Nullable RelNode tryPush(RelNode rel, BackendConvention convention,
      RelTraitSet requiredOutputTraits) {
    List<RelOptRule> rules = new ArrayList<>();
    for (RelOptRule rule : convention.rules()) {
      // Only conversions into the backend; the rules that leave it (to the JVM) are the
      // cost-based search's.
      if (rule instanceof ConverterRule
          && ((ConverterRule) rule).getOutConvention() == convention) {
        rules.add(new WhenInputsConverted((ConverterRule) rule, convention));
      }
    }
    HepProgram program = new HepProgramBuilder()
        // Constant expressions are computed first (as the cost-based planner does): the
        // backend gets DATE '1998-09-02', not DATE '1998-12-01' - INTERVAL '90' DAY(3).
        .addRuleCollection(REDUCE)
        .addMatchOrder(HepMatchOrder.BOTTOM_UP)
        .addRuleCollection(rules)
        .build();
    RelOptPlanner volcano = rel.getCluster().getPlanner();
    HepPlanner hep = new HepPlanner(program, volcano.getContext(), true, null,
        volcano.getCostFactory());
    hep.setExecutor(volcano.getExecutor());
    hep.setRoot(rel);
    RelNode converted;
    try {
      converted = hep.findBestExp();
    } catch (RuntimeException e) {
      // Calcite's JDBC rules assume the cost-based planner in places (an empty VALUES, whose
      // trait set holds every collation, breaks their conversion): let that planner do it.
      LOG.debug("fast path failed, placing by cost: {}", e.toString());
      return null;
    }
    if (!allIn(converted, convention)) {
      LOG.debug("statement is not wholly expressible in {}; placing by cost", convention);
      return null;
    }
    // simplify(): an empty VALUES (a filter that folded to FALSE) carries every collation.
    RelNode result = new BackendToEnumerableConverter(converted.getCluster(),
        converted.getTraitSet().replace(EnumerableConvention.INSTANCE).simplify(), converted);
    return result.getTraitSet().satisfies(requiredOutputTraits) ? result : null;
  }

  /**
   * A conversion that fires only once all inputs are in the backend: a converter rule converts
   * an input it finds elsewhere through the cluster's (cost-based) planner, which is not
   * running here.
   */
  private static final class WhenInputsConverted extends RelOptRule {
    private final ConverterRule delegate;
    private final Convention convention;

    WhenInputsConverted(ConverterRule delegate, Convention convention) {
      super(operand(delegate.getOperand().getMatchedClass(), any()),
          "WhenInputsConverted:" + delegate);
      this.delegate = delegate;
      this.convention = convention;
    }

    @Override public boolean matches(RelOptRuleCall call) {
      RelNode rel = call.rel(0);
      if (!delegate.getOperand().matches(rel)) {
        return false;
      }
      for (RelNode input : rel.getInputs()) {
        if (input.getConvention() != convention) {
          return false;
        }
      }
      return delegate.matches(call);
    }

    @Override public void onMatch(RelOptRuleCall call) {
      delegate.onMatch(call);
    }
  }

  private static void collectScanConventions(RelNode rel, Set<Convention> places) {
    if (rel instanceof TableScan) {
      places.add(rel.getConvention());
    }
    for (RelNode input : rel.getInputs()) {
      collectScanConventions(input, places);
    }
  }

  private static boolean allIn(RelNode rel, Convention convention) {
    if (!(rel instanceof JdbcRel) || rel.getConvention() != convention) {
      return false;
    }
    for (RelNode input : rel.getInputs()) {
      if (!allIn(input, convention)) {
        return false;
      }
    }
    return true;
  }
}
