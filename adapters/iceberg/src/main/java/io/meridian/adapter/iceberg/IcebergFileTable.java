package io.meridian.adapter.iceberg;

import io.meridian.adapter.PrunableTable;
import io.meridian.adapter.TimeTravelTable;

import org.apache.calcite.config.CalciteConnectionConfig;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.schema.Schema;
import org.apache.calcite.schema.Statistic;
import org.apache.calcite.schema.TemporalTable;
import org.apache.calcite.schema.TranslatableTable;
import org.apache.calcite.schema.Wrapper;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlNode;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A snapshot read by DuckDB: the DuckDB view over the snapshot's data files, as a table of the
 * catalog's DuckDB convention (so filters, projections, aggregates and joins with other tables of
 * the catalog are pushed into DuckDB), that Iceberg's planning can narrow to fewer files and
 * move to another snapshot.
 */
final class IcebergFileTable
    implements TranslatableTable, TemporalTable, PrunableTable, TimeTravelTable, Wrapper,
    io.meridian.adapter.LakeWritableTable {
  private final IcebergBackend backend;
  private final IcebergSnapshotRead read;
  private final TranslatableTable view;

  IcebergFileTable(IcebergBackend backend, IcebergSnapshotRead read,
      org.apache.calcite.schema.Table view) {
    this.backend = backend;
    this.read = read;
    this.view = (TranslatableTable) view;
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

  @Override public Schema.TableType getJdbcTableType() {
    return Schema.TableType.TABLE;
  }

  @Override public boolean isRolledUp(String column) {
    return false;
  }

  @Override public boolean rolledUpColumnValidInsideAgg(String column, SqlCall call,
      @Nullable SqlNode parent, @Nullable CalciteConnectionConfig config) {
    return true;
  }

  @Override public @Nullable String prunedName(RexNode condition, RelDataType rowType) {
    return backend.prune(read,
        IcebergFilters.toExpression(condition, rowType, read.schema()));
  }

  @Override public long append(org.apache.calcite.linq4j.Enumerable<Object[]> rows) {
    return backend.append(read, rows);
  }

  @Override public String nameAsOf(long epochMillis) {
    return backend.nameAsOf(read, epochMillis);
  }

  @Override public String getSysStartFieldName() {
    return "";
  }

  @Override public String getSysEndFieldName() {
    return "";
  }

  @Override public <C> @Nullable C unwrap(Class<C> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    if (clazz == javax.sql.DataSource.class
        || clazz == org.apache.calcite.schema.ModifiableTable.class) {
      return null; // writes go to Iceberg (LakeWritableTable), never into the DuckDB view
    }
    return view instanceof Wrapper ? ((Wrapper) view).unwrap(clazz) : null;
  }
}
