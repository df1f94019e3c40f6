package io.meridian.planner.rel;

import io.meridian.adapter.jdbc.BackendConvention;
import io.meridian.cost.EngineCoefficients;

import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.enumerable.EnumerableRelImplementor;
import org.apache.calcite.adapter.enumerable.JavaRowFormat;
import org.apache.calcite.adapter.enumerable.PhysType;
import org.apache.calcite.adapter.enumerable.PhysTypeImpl;
import org.apache.calcite.adapter.jdbc.JdbcTable;
import org.apache.calcite.linq4j.tree.BlockBuilder;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.linq4j.tree.ParameterExpression;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.prepare.Prepare;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.TableModify;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.schema.Schemas;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.util.BuiltInMethod;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.sql.DataSource;

import static java.util.Objects.requireNonNull;

/**
 * Inserts rows computed anywhere (another backend, the JVM) into a backend table: the rows are
 * streamed from the input and written with batched parameterised {@code INSERT} statements in
 * one transaction ({@link BackendWriter}). Used where the backend cannot run the whole
 * statement itself, for example {@code INSERT INTO shop.public.t SELECT ... FROM
 * analytics.tpch.part}: the ETL pattern of moving a table between engines.
 */
public final class EnumerableBackendInsert extends TableModify implements EnumerableRel {
  private static final double TRANSFER_PER_ROW =
      EngineCoefficients.builtIn().get("planner.backend-row");

  private final BackendConvention target;

  public EnumerableBackendInsert(RelOptCluster cluster, RelTraitSet traits, RelOptTable table,
      Prepare.CatalogReader catalogReader, RelNode input, BackendConvention target) {
    super(cluster, traits, table, catalogReader, input, Operation.INSERT, null, null, false);
    this.target = requireNonNull(target, "target");
  }

  @Override public RelNode copy(RelTraitSet traitSet, List<RelNode> inputs) {
    return new EnumerableBackendInsert(getCluster(), traitSet, getTable(), getCatalogReader(),
        sole(inputs), target);
  }

  @Override public RelOptCost computeSelfCost(RelOptPlanner planner, RelMetadataQuery mq) {
    // Writing row by row through JDBC costs more than letting the backend run INSERT ... SELECT
    // itself, so this is chosen only when the backend cannot.
    double rows = mq.getRowCount(getInput());
    double cost = rows * TRANSFER_PER_ROW * 3;
    // Volcano compares costs by their row component alone.
    return planner.getCostFactory().makeCost(cost, cost, 0);
  }

  /** Returns {@code INSERT INTO table (c1, ...) VALUES (?, ...)} in the backend's dialect. */
  String insertSql() {
    JdbcTable jdbcTable = requireNonNull(getTable().unwrap(JdbcTable.class), "jdbc table");
    SqlDialect dialect = target.dialect;
    List<RelDataTypeField> fields = getTable().getRowType().getFieldList();
    return "INSERT INTO " + jdbcTable.tableName().toSqlString(dialect).getSql() + " ("
        + fields.stream().map(f -> dialect.quoteIdentifier(f.getName()))
            .collect(Collectors.joining(", "))
        + ") VALUES (" + fields.stream().map(f -> "?").collect(Collectors.joining(", ")) + ")";
  }

  /**
   * Appends to {@code builder} the input's rows as an {@code Enumerable<Object[]>} (boxed
   * values, whatever the input's physical row format), and returns that expression.
   */
  static Expression rowsAsArrays(BlockBuilder builder, Result input, int fieldCount) {
    Expression rows = builder.append("rows", input.block);
    ParameterExpression row = Expressions.parameter(input.physType.getJavaRowType(), "row");
    List<Expression> values = new ArrayList<>();
    for (int i = 0; i < fieldCount; i++) {
      values.add(Expressions.box(input.physType.fieldReference(row, i)));
    }
    return builder.append("arrays", Expressions.call(rows, BuiltInMethod.SELECT.method,
        Expressions.lambda(Expressions.newArrayInit(Object.class, values), row)));
  }

  @Override public Result implement(EnumerableRelImplementor implementor, Prefer pref) {
    BlockBuilder builder = new BlockBuilder();
    Result input = implementor.visitChild(this, 0, (EnumerableRel) getInput(), Prefer.ARRAY);
    Expression asArrays = rowsAsArrays(builder, input, getInput().getRowType().getFieldCount());
    List<Expression> types = new ArrayList<>();
    for (int i = 0; i < getInput().getRowType().getFieldCount(); i++) {
      types.add(Expressions.constant(
          getTable().getRowType().getFieldList().get(i).getType().getSqlTypeName().getName()));
    }
    Expression dataSource = Schemas.unwrap(target.expression, DataSource.class);
    Expression count = builder.append("count", Expressions.call(BackendWriter.class, "insert",
        dataSource, Expressions.constant(insertSql()), asArrays,
        Expressions.newArrayInit(String.class, types)));
    builder.add(Expressions.return_(null,
        Expressions.call(BuiltInMethod.SINGLETON_ENUMERABLE.method, count)));
    PhysType physType = PhysTypeImpl.of(implementor.getTypeFactory(), getRowType(),
        JavaRowFormat.SCALAR);
    return implementor.result(physType, builder.toBlock());
  }
}
