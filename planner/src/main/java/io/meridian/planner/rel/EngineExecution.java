package io.meridian.planner.rel;

import io.meridian.planner.engine.DuckDbEngine;
import io.meridian.planner.engine.EngineInput;
import io.meridian.planner.engine.KeyReduction;
import io.meridian.planner.workload.FragmentCounters;

import com.google.common.collect.ImmutableList;

import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.enumerable.EnumerableRelImplementor;
import org.apache.calcite.adapter.enumerable.JavaRowFormat;
import org.apache.calcite.adapter.enumerable.PhysType;
import org.apache.calcite.adapter.enumerable.PhysTypeImpl;
import org.apache.calcite.adapter.jdbc.JdbcConvention;
import org.apache.calcite.linq4j.tree.BlockBuilder;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.AbstractRelNode;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelWriter;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.schema.Schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

import static java.util.Objects.requireNonNull;

/**
 * A subplan placed on a processing engine other than the JVM: its inputs (each a fragment a
 * backend runs, or a part that stays in the JVM) are shipped to the engine as Arrow and the
 * subplan runs there as one SQL statement over them. {@code EXPLAIN} shows the engine, the SQL,
 * how each input arrives (and which are narrowed by another's join keys, {@link KeyReduction}),
 * the estimated rows and the cost comparison that chose the engine.
 */
public final class EngineExecution extends AbstractRelNode implements EnumerableRel {
  private final String engine;
  private final Class<?> runtime;
  private final DuckDbEngine.Plan plan;
  private final ImmutableList<RelNode> inputs;
  private final double rows;
  private final double rowsIn;
  private final String decision;

  /**
   * Creates an engine execution.
   *
   * @param runtime the class whose static {@code execute(DuckDbEngine.Plan, Object[])} runs the
   *     plan (returning an {@code Enumerable<Object[]>}), called by generated code
   * @param plan what the engine runs and how each input reaches it
   * @param inputs the plan nodes that produce the inputs (a backend fragment whose statement
   *     the engine sends itself is shown, not run, from here)
   * @param rowsIn the rows the engine's operators take in, by the estimates (the quantity its
   *     per-row cost multiplies)
   */
  public EngineExecution(RelOptCluster cluster, RelTraitSet traits, RelDataType rowType,
      String engine, Class<?> runtime, DuckDbEngine.Plan plan, List<RelNode> inputs,
      double rows, double rowsIn, String decision) {
    super(cluster, traits);
    this.rowType = requireNonNull(rowType, "rowType");
    this.engine = requireNonNull(engine, "engine");
    this.runtime = requireNonNull(runtime, "runtime");
    this.plan = requireNonNull(plan, "plan");
    this.inputs = ImmutableList.copyOf(inputs);
    this.rows = rows;
    this.rowsIn = rowsIn;
    this.decision = requireNonNull(decision, "decision");
  }

  /** Returns the rows the engine's operators take in, by the estimates. */
  public double rowsIn() {
    return rowsIn;
  }

  /** Returns the engine's name ({@code duckdb}). */
  public String engine() {
    return engine;
  }

  /** Returns how input {@code i} reaches the engine. */
  public EngineInput input(int i) {
    return plan.inputs().get(i);
  }

  /** Returns the statement the engine runs. */
  public String sql() {
    return plan.sql();
  }

  @Override public List<RelNode> getInputs() {
    return inputs;
  }

  @Override public void replaceInput(int ordinalInParent, RelNode p) {
    throw new UnsupportedOperationException("an engine execution is built after planning");
  }

  @Override public RelNode copy(RelTraitSet traitSet, List<RelNode> newInputs) {
    return new EngineExecution(getCluster(), traitSet, rowType, engine, runtime, plan,
        newInputs, rows, rowsIn, decision);
  }

  @Override protected RelDataType deriveRowType() {
    return rowType;
  }

  @Override public double estimateRowCount(RelMetadataQuery mq) {
    return rows;
  }

  @Override public RelOptCost computeSelfCost(RelOptPlanner planner, RelMetadataQuery mq) {
    return planner.getCostFactory().makeCost(rows, 0, 0);
  }

  @Override public RelWriter explainTerms(RelWriter pw) {
    super.explainTerms(pw);
    for (int i = 0; i < inputs.size(); i++) {
      pw.input(DuckDbEngine.inputName(i), inputs.get(i));
    }
    StringBuilder shipped = new StringBuilder();
    for (int i = 0; i < inputs.size(); i++) {
      EngineInput input = plan.inputs().get(i);
      shipped.append(i > 0 ? ", " : "").append(DuckDbEngine.inputName(i)).append(": ");
      if (input.sameAs() >= 0) {
        shipped.append("the rows of ").append(DuckDbEngine.inputName(input.sameAs()));
        continue;
      }
      if (!engine.equals("duckdb")) {
        // An engine that is a backend: its own fragments run there, other rows are sent to it.
        shipped.append(input.fromBackend() ? "runs in the backend" : "rows from the JVM, sent"
            + " as VALUES");
        continue;
      }
      switch (input.source()) {
      case BACKEND_ARROW:
        shipped.append("Arrow from DuckDB");
        break;
      case BACKEND_JDBC:
        shipped.append("JDBC rows as Arrow");
        break;
      default:
        shipped.append("rows from the JVM");
      }
      if (input.grouping() != null) {
        shipped.append(", grouped in its backend");
      }
      for (KeyReduction reduction : plan.reductionsOf(i)) {
        shipped.append(", ").append(reduction.describe());
      }
    }
    return pw.item("engine", engine)
        .item("sql", plan.sql().replace('\n', ' '))
        .item("inputs", shipped.toString())
        .item("rows", String.format(Locale.ROOT, "%.0f", rows))
        .item("placement", decision);
  }

  @Override public Result implement(EnumerableRelImplementor implementor, Prefer pref) {
    BlockBuilder builder = new BlockBuilder();
    List<Expression> inputExpressions = new ArrayList<>();
    List<EngineInput> specs = new ArrayList<>(plan.inputs());
    for (int i = 0; i < inputs.size(); i++) {
      EngineInput input = plan.inputs().get(i);
      if (input.sameAs() >= 0) {
        inputExpressions.add(Expressions.constant(null));
        continue;
      }
      if (input.fromBackend()) {
        // The engine sends the backend's statement itself: no row passes generated code.
        JdbcConvention convention =
            (JdbcConvention) inputs.get(i).getInput(0).getConvention();
        inputExpressions.add(Schemas.unwrap(convention.expression, DataSource.class));
        continue;
      }
      Result result = implementor.visitChild(this, i, (EnumerableRel) inputs.get(i),
          Prefer.ARRAY);
      Expression rows = builder.append(DuckDbEngine.inputName(i), result.block);
      specs.set(i, input.withScalar(result.format == JavaRowFormat.SCALAR));
      if (result.format != JavaRowFormat.SCALAR && result.format != JavaRowFormat.ARRAY) {
        rows = builder.append(DuckDbEngine.inputName(i) + "_rows",
            result.physType.convertTo(rows, JavaRowFormat.ARRAY));
      }
      inputExpressions.add(rows);
    }
    PhysType physType = PhysTypeImpl.of(implementor.getTypeFactory(), getRowType(),
        JavaRowFormat.ARRAY, false);
    builder.add(Expressions.return_(null, Expressions.call(FragmentCounters.class, "counted",
        Expressions.call(runtime, "execute",
            implementor.stash(new DuckDbEngine.Plan(plan.sql(), specs, plan.reductions(),
                plan.readOrder(), plan.output()), DuckDbEngine.Plan.class),
            Expressions.newArrayInit(Object.class, inputExpressions)),
        Expressions.constant(getId()))));
    return implementor.result(physType, builder.toBlock());
  }
}
