package io.meridian.adapter.delta;

import io.meridian.adapter.PrunableTable;
import io.meridian.adapter.TimeTravelTable;
import io.meridian.adapter.jdbc.LakeViewTable;
import io.meridian.adapter.jdbc.StatisticsJdbcTable;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexNode;
import org.checkerframework.checker.nullness.qual.Nullable;

/** A Delta version read by the catalog's DuckDB through a view over its data files. */
final class DeltaFileTable extends LakeViewTable
    implements PrunableTable, TimeTravelTable {
  private final DeltaBackend backend;
  private final DeltaSnapshotRead read;

  DeltaFileTable(DeltaBackend backend, DeltaSnapshotRead read, StatisticsJdbcTable view) {
    super(view);
    this.backend = backend;
    this.read = read;
  }

  @Override public @Nullable String prunedName(RexNode condition, RelDataType rowType) {
    return backend.prune(read, DeltaFilters.toPredicate(condition, rowType, read.schema()));
  }

  @Override public String nameAsOf(long epochMillis) {
    return backend.nameAsOf(read, epochMillis);
  }
}
