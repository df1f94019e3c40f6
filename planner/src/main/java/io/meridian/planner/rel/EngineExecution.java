package io.meridian.planner.rel;

import io.meridian.planner.engine.DuckDbEngine;
import io.meridian.planner.engine.EngineColumn;
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
 * the estimated rows and the cost comparison that chose the engine.
 */
public final class EngineExecution extends AbstractRelNode implements EnumerableRel {
  private final String engine;
  private final String sql;
  private final ImmutableList<RelNode> inputs;
  private final ImmutableList<List<EngineColumn>> inputColumns;
  private final List<EngineColumn> outputColumns;
  private final ImmutableList<String> arrowSql;
  private final double rows;
  private final String decision;

  /**
   * Creates an engine execution.
   *
   * @param arrowSql for each input, the statement its DuckDB-based backend runs to hand its
   *     rows over as Arrow, with the columns named as the engine expects them; empty where the
   *     input's rows are read in the JVM and converted
   */
  public EngineExecution(RelOptCluster cluster, RelTraitSet traits, RelDataType rowType,
      String engine, String sql, List<RelNode> inputs, List<List<EngineColumn>> inputColumns,
      List<String> arrowSql, List<EngineColumn> outputColumns, double rows, String decision) {
    super(cluster, traits);
    this.rowType = requireNonNull(rowType, "rowType");
    this.engine = requireNonNull(engine, "engine");
    this.sql = requireNonNull(sql, "sql");
    this.inputs = ImmutableList.copyOf(inputs);
    this.inputColumns = ImmutableList.copyOf(inputColumns);
    this.arrowSql = ImmutableList.copyOf(arrowSql);
    this.outputColumns = List.copyOf(outputColumns);
    this.rows = rows;
    this.decision = requireNonNull(decision, "decision");
  }

  /** Returns the engine's name ({@code duckdb}). */
  public String engine() {
    return engine;
  }

  /** Whether input {@code i} goes to the engine as Arrow straight from its backend. */
  public boolean shipsAsArrow(int i) {
    return !arrowSql.get(i).isEmpty();
  }

  /** Returns the statement the engine runs. */
  public String sql() {
    return sql;
  }

  @Override public List<RelNode> getInputs() {
    return inputs;
  }

  @Override public void replaceInput(int ordinalInParent, RelNode p) {
    throw new UnsupportedOperationException("an engine execution is built after planning");
  }

  @Override public RelNode copy(RelTraitSet traitSet, List<RelNode> newInputs) {
    return new EngineExecution(getCluster(), traitSet, rowType, engine, sql, newInputs,
        inputColumns, arrowSql, outputColumns, rows, decision);
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
      shipped.append(i > 0 ? ", " : "").append(DuckDbEngine.inputName(i))
          .append(arrowSql.get(i).isEmpty() ? ": rows from the JVM" : ": Arrow from DuckDB");
    }
    return pw.item("engine", engine)
        .item("sql", sql.replace('\n', ' '))
        .item("inputs", shipped.toString())
        .item("rows", String.format(Locale.ROOT, "%.0f", rows))
        .item("placement", decision);
  }

  @Override public Result implement(EnumerableRelImplementor implementor, Prefer pref) {
    BlockBuilder builder = new BlockBuilder();
    List<Expression> inputExpressions = new ArrayList<>();
    List<Expression> scalar = new ArrayList<>();
    List<Expression> columns = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      columns.add(Expressions.constant(EngineColumn.encode(inputColumns.get(i))));
      if (!arrowSql.get(i).isEmpty()) {
        // The backend's own statement, its result taken as Arrow: no row passes the JVM.
        JdbcConvention convention =
            (JdbcConvention) inputs.get(i).getInput(0).getConvention();
        inputExpressions.add(Expressions.new_(DuckDbEngine.ArrowSource.class,
            Schemas.unwrap(convention.expression, DataSource.class),
            Expressions.constant(arrowSql.get(i))));
        scalar.add(Expressions.constant(false));
        continue;
      }
      Result input = implementor.visitChild(this, i, (EnumerableRel) inputs.get(i),
          Prefer.ARRAY);
      Expression rows = builder.append(DuckDbEngine.inputName(i), input.block);
      boolean isScalar = input.format == JavaRowFormat.SCALAR;
      if (!isScalar && input.format != JavaRowFormat.ARRAY) {
        rows = builder.append(DuckDbEngine.inputName(i) + "_rows",
            input.physType.convertTo(rows, JavaRowFormat.ARRAY));
      }
      inputExpressions.add(rows);
      scalar.add(Expressions.constant(isScalar));
    }
    PhysType physType = PhysTypeImpl.of(implementor.getTypeFactory(), getRowType(),
        JavaRowFormat.ARRAY, false);
    builder.add(Expressions.return_(null, Expressions.call(FragmentCounters.class, "counted",
        Expressions.call(DuckDbEngine.class, "execute",
            Expressions.constant(sql),
            Expressions.newArrayInit(Object.class, inputExpressions),
            Expressions.newArrayInit(boolean.class, scalar),
            Expressions.newArrayInit(String.class, columns),
            Expressions.constant(EngineColumn.encode(outputColumns))),
        Expressions.constant(getId()))));
    return implementor.result(physType, builder.toBlock());
  }
}
