package io.meridian.adapter.iceberg;

import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.ScannableTable;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.iceberg.HistoryEntry;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.SnapshotUtil;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;

/**
 * A table's own history as a table: {@code "t$snapshots"} (every snapshot the metadata keeps:
 * when, which operation, its parent and summary) and {@code "t$history"} (when each snapshot
 * became current, and whether it is still an ancestor of the current one).
 */
final class IcebergMetadataTable extends AbstractTable implements ScannableTable {
  /** The metadata tables, by suffix. */
  enum Kind {
    SNAPSHOTS, HISTORY;

    static @Nullable Kind of(String suffix) {
      for (Kind kind : values()) {
        if (kind.name().equalsIgnoreCase(suffix)) {
          return kind;
        }
      }
      return null;
    }

    String suffix() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Table table;
  private final Kind kind;

  IcebergMetadataTable(Table table, Kind kind) {
    this.table = table;
    this.kind = kind;
  }

  @Override public RelDataType getRowType(RelDataTypeFactory typeFactory) {
    RelDataTypeFactory.Builder builder = typeFactory.builder();
    if (kind == Kind.SNAPSHOTS) {
      builder.add("committed_at", SqlTypeName.TIMESTAMP, 3)
          .add("snapshot_id", SqlTypeName.BIGINT)
          .add("parent_id", SqlTypeName.BIGINT).nullable(true)
          .add("operation", SqlTypeName.VARCHAR).nullable(true)
          .add("schema_id", SqlTypeName.INTEGER).nullable(true)
          .add("manifest_list", SqlTypeName.VARCHAR).nullable(true)
          .add("summary", SqlTypeName.VARCHAR).nullable(true);
    } else {
      builder.add("made_current_at", SqlTypeName.TIMESTAMP, 3)
          .add("snapshot_id", SqlTypeName.BIGINT)
          .add("parent_id", SqlTypeName.BIGINT).nullable(true)
          .add("is_current_ancestor", SqlTypeName.BOOLEAN);
    }
    return builder.build();
  }

  @Override public Enumerable<@Nullable Object[]> scan(DataContext root) {
    List<@Nullable Object[]> rows = new ArrayList<>();
    if (kind == Kind.SNAPSHOTS) {
      for (Snapshot s : table.snapshots()) {
        rows.add(new Object[] {s.timestampMillis(), s.snapshotId(), s.parentId(), s.operation(),
            s.schemaId(), s.manifestListLocation(), new TreeMap<>(s.summary()).toString()});
      }
    } else {
      Set<Long> ancestors = new java.util.HashSet<>(SnapshotUtil.currentAncestorIds(table));
      for (HistoryEntry entry : table.history()) {
        Snapshot s = table.snapshot(entry.snapshotId());
        rows.add(new Object[] {entry.timestampMillis(), entry.snapshotId(),
            s == null ? null : s.parentId(), ancestors.contains(entry.snapshotId())});
      }
    }
    return Linq4j.asEnumerable(rows);
  }
}
