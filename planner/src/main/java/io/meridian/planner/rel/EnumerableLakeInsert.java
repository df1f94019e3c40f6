package io.meridian.planner.rel;

import io.meridian.adapter.LakeWritableTable;

import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.enumerable.EnumerableRelImplementor;
import org.apache.calcite.adapter.enumerable.JavaRowFormat;
import org.apache.calcite.adapter.enumerable.PhysType;
import org.apache.calcite.adapter.enumerable.PhysTypeImpl;
import org.apache.calcite.linq4j.tree.BlockBuilder;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.prepare.Prepare;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.TableModify;
import org.apache.calcite.util.BuiltInMethod;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Appends rows computed anywhere to a lake table (Iceberg): the rows stream from the input into
 * the table's own writer, which commits them as one snapshot at the end or, on any failure,
 * deletes what it wrote ({@link LakeWritableTable}).
 */
public final class EnumerableLakeInsert extends TableModify implements EnumerableRel {
  public EnumerableLakeInsert(RelOptCluster cluster, RelTraitSet traits, RelOptTable table,
      Prepare.CatalogReader catalogReader, RelNode input) {
    super(cluster, traits, table, catalogReader, input, Operation.INSERT, null, null, false);
  }

  @Override public RelNode copy(RelTraitSet traitSet, List<RelNode> inputs) {
    return new EnumerableLakeInsert(getCluster(), traitSet, getTable(), getCatalogReader(),
        sole(inputs));
  }

  @Override public Result implement(EnumerableRelImplementor implementor, Prefer pref) {
    LakeWritableTable target = requireNonNull(getTable().unwrap(LakeWritableTable.class),
        "lake table");
    BlockBuilder builder = new BlockBuilder();
    Result input = implementor.visitChild(this, 0, (EnumerableRel) getInput(), Prefer.ARRAY);
    Expression asArrays = EnumerableBackendInsert.rowsAsArrays(builder, input,
        getInput().getRowType().getFieldCount());
    Expression count = builder.append("count", Expressions.call(
        implementor.stash(target, LakeWritableTable.class), "append", asArrays));
    builder.add(Expressions.return_(null,
        Expressions.call(BuiltInMethod.SINGLETON_ENUMERABLE.method, count)));
    PhysType physType = PhysTypeImpl.of(implementor.getTypeFactory(), getRowType(),
        JavaRowFormat.SCALAR);
    return implementor.result(physType, builder.toBlock());
  }
}
