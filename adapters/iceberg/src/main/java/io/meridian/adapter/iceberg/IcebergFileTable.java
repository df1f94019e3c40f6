package io.meridian.adapter.iceberg;

import io.meridian.adapter.LakeWritableTable;
import io.meridian.adapter.PrunableTable;
import io.meridian.adapter.TimeTravelTable;
import io.meridian.adapter.jdbc.LakeViewTable;
import io.meridian.adapter.jdbc.StatisticsJdbcTable;

import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexNode;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A snapshot read by DuckDB: the DuckDB view over the snapshot's data files, as a table of the
 * catalog's DuckDB convention (so filters, projections, aggregates and joins with other tables of
 * the catalog are pushed into DuckDB), that Iceberg's planning can narrow to fewer files and
 * move to another snapshot.
 */
final class IcebergFileTable extends LakeViewTable
    implements PrunableTable, TimeTravelTable, LakeWritableTable {
  private final IcebergBackend backend;
  private final IcebergSnapshotRead read;

  IcebergFileTable(IcebergBackend backend, IcebergSnapshotRead read, StatisticsJdbcTable view) {
    super(view);
    this.backend = backend;
    this.read = read;
  }

  @Override public @Nullable String prunedName(RexNode condition, RelDataType rowType) {
    return backend.prune(read,
        IcebergFilters.toExpression(condition, rowType, read.schema()));
  }

  @Override public long append(Enumerable<Object[]> rows) {
    return backend.append(read, rows);
  }

  @Override public String nameAsOf(long epochMillis) {
    return backend.nameAsOf(read, epochMillis);
  }
}
