package io.meridian.planner.rel;

import io.meridian.planner.workload.FragmentCounters;

import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.enumerable.EnumerableRelImplementor;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.linq4j.tree.GotoStatement;
import org.apache.calcite.linq4j.tree.Statement;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.SingleRel;
import org.apache.calcite.rel.metadata.RelMetadataQuery;

import java.util.ArrayList;
import java.util.List;

/**
 * Counts the rows that pass between two of the JVM's operators, for the workload log: with
 * the fragments' counts, the rows the JVM's operators actually took in, which calibration
 * weighs the JVM's time against. Added to the plan as it is implemented (never shown by
 * EXPLAIN); without a statement's counters current it passes rows through untouched.
 */
public final class EnumerableRowCounter extends SingleRel implements EnumerableRel {
  public EnumerableRowCounter(RelOptCluster cluster, RelTraitSet traits, RelNode input) {
    super(cluster, traits, input);
  }

  @Override public RelNode copy(RelTraitSet traitSet, List<RelNode> inputs) {
    return new EnumerableRowCounter(getCluster(), traitSet, sole(inputs));
  }

  @Override public double estimateRowCount(RelMetadataQuery mq) {
    return mq.getRowCount(getInput());
  }

  @Override public RelOptCost computeSelfCost(RelOptPlanner planner, RelMetadataQuery mq) {
    return planner.getCostFactory().makeTinyCost();
  }

  @Override public Result implement(EnumerableRelImplementor implementor, Prefer pref) {
    Result result = implementor.visitChild(this, 0, (EnumerableRel) getInput(), pref);
    List<Statement> statements = result.block.statements;
    Statement last = statements.isEmpty() ? null : statements.get(statements.size() - 1);
    if (!(last instanceof GotoStatement) || ((GotoStatement) last).expression == null) {
      return result;
    }
    List<Statement> wrapped = new ArrayList<>(statements.subList(0, statements.size() - 1));
    wrapped.add(Expressions.return_(null, Expressions.call(FragmentCounters.class,
        "countedRows", ((GotoStatement) last).expression, Expressions.constant(getId()))));
    return new Result(Expressions.block(wrapped), result.physType, result.format);
  }
}
