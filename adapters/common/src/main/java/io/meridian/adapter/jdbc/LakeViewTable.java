package io.meridian.adapter.jdbc;

import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.ModifiableTable;
import org.apache.calcite.schema.Statistic;
import org.apache.calcite.schema.TranslatableTable;
import org.apache.calcite.schema.impl.AbstractTable;
import org.checkerframework.checker.nullness.qual.Nullable;

import javax.sql.DataSource;

import static java.util.Objects.requireNonNull;

/**
 * A lake table read through a DuckDB view over its files: reads are the view's (a table of the
 * catalog's DuckDB convention, so subplans over it are pushed into DuckDB), writes are the
 * subclass's own. The view's data source and modifiability are hidden, so that no rule plans an
 * {@code INSERT} into the view itself.
 */
public abstract class LakeViewTable extends AbstractTable implements TranslatableTable {
  private final StatisticsJdbcTable view;

  protected LakeViewTable(StatisticsJdbcTable view) {
    this.view = requireNonNull(view, "view");
  }

  /** Returns the DuckDB view this table is read through. */
  protected StatisticsJdbcTable view() {
    return view;
  }

  @Override public RelNode toRel(RelOptTable.ToRelContext context, RelOptTable relOptTable) {
    return view.toRel(context, relOptTable);
  }

  @Override public RelDataType getRowType(RelDataTypeFactory typeFactory) {
    return view.getRowType(typeFactory);
  }

  @Override public Statistic getStatistic() {
    return view.getStatistic();
  }

  @Override public <C> @Nullable C unwrap(Class<C> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    if (clazz == DataSource.class || clazz == ModifiableTable.class) {
      return null;
    }
    return view.unwrap(clazz);
  }
}
