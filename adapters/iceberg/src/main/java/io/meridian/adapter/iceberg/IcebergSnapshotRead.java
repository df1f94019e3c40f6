package io.meridian.adapter.iceberg;

import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableScan;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.meridian.adapter.duckdb.DuckDbSqlDialect.quote;
import static io.meridian.adapter.duckdb.DuckDbSqlDialect.literal;

/**
 * One planned read of an Iceberg table: a snapshot, the schema it is read with, the data files
 * Iceberg's scan planning kept for a filter, and whether DuckDB can read those files as plain
 * Parquet (the fast path) or Iceberg's reader must (deletes, renamed columns, nested types).
 */
final class IcebergSnapshotRead {
  private final String namespace;
  private final String name;
  private final Table table;
  private final @Nullable Snapshot snapshot;
  private final Schema schema;
  private final Expression filter;
  private final List<FileScanTask> tasks;
  private final int totalFileCount;
  private final @Nullable String slowPathReason;

  private IcebergSnapshotRead(String namespace, String name, Table table,
      @Nullable Snapshot snapshot, Schema schema, Expression filter, List<FileScanTask> tasks,
      int totalFileCount) {
    this.namespace = namespace;
    this.name = name;
    this.table = table;
    this.snapshot = snapshot;
    this.schema = schema;
    this.filter = filter;
    this.tasks = List.copyOf(tasks);
    this.totalFileCount = totalFileCount < 0 ? tasks.size() : totalFileCount;
    this.slowPathReason = slowPathReason();
  }

  /** Plans the read of a snapshot ({@code -1}: the table has none) for a filter. */
  static IcebergSnapshotRead plan(String namespace, String name, Table table, long snapshotId,
      Expression filter) {
    Snapshot snapshot = snapshotId < 0 ? null : table.snapshot(snapshotId);
    Schema schema = snapshot == null || snapshot.schemaId() == null ? table.schema()
        : table.schemas().getOrDefault(snapshot.schemaId(), table.schema());
    return new IcebergSnapshotRead(namespace, name, table, snapshot, schema, filter,
        planFiles(table, snapshot, filter), -1);
  }

  /** Returns this read restricted to the files {@code extra} may match. */
  IcebergSnapshotRead narrow(Expression extra) {
    Expression combined = Expressions.and(filter, extra);
    return new IcebergSnapshotRead(namespace, name, table, snapshot, schema, combined,
        planFiles(table, snapshot, combined), totalFileCount);
  }

  private static List<FileScanTask> planFiles(Table table, @Nullable Snapshot snapshot,
      Expression filter) {
    if (snapshot == null) {
      return List.of();
    }
    TableScan scan = table.newScan().useSnapshot(snapshot.snapshotId()).filter(filter)
        .includeColumnStats();
    List<FileScanTask> tasks = new ArrayList<>();
    try (CloseableIterable<FileScanTask> planned = scan.planFiles()) {
      planned.forEach(tasks::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return tasks;
  }

  String namespace() {
    return namespace;
  }

  String name() {
    return name;
  }

  Table table() {
    return table;
  }

  @Nullable Snapshot snapshot() {
    return snapshot;
  }

  Schema schema() {
    return schema;
  }

  Expression filter() {
    return filter;
  }

  boolean filtered() {
    return filter.op() != Expression.Operation.TRUE;
  }

  List<FileScanTask> tasks() {
    return tasks;
  }

  int fileCount() {
    return tasks.size();
  }

  int totalFileCount() {
    return totalFileCount;
  }

  /** Whether DuckDB reads the files directly. */
  boolean fastPath() {
    return slowPathReason == null;
  }

  /** Why Iceberg's reader must read this snapshot, or null when DuckDB can. */
  @Nullable String slowPathReasonText() {
    return slowPathReason;
  }

  /** Rows in the files, less rows removed by position deletes (equality deletes not counted). */
  long rowCount() {
    long rows = 0;
    Set<String> deletes = new HashSet<>();
    for (FileScanTask task : tasks) {
      rows += task.file().recordCount();
      for (DeleteFile delete : task.deletes()) {
        if (delete.content() == org.apache.iceberg.FileContent.POSITION_DELETES
            && deletes.add(delete.location())) {
          rows -= delete.recordCount();
        }
      }
    }
    return Math.max(rows, 0);
  }

  /**
   * Returns the name of this read as a table of the schema: {@code t@<snapshot>}, and for a
   * pruned read {@code t@<snapshot>/<kept>of<all>files#<hash of the filter>}.
   */
  String tableName() {
    String base = name + IcebergBackend.AT + (snapshot == null ? "empty"
        : Long.toString(snapshot.snapshotId()));
    if (!filtered()) {
      return base;
    }
    return base + '/' + fileCount() + "of" + totalFileCount + "files#"
        + Integer.toHexString(filter.toString().hashCode());
  }

  private @Nullable String slowPathReason() {
    for (Types.NestedField field : schema.columns()) {
      if (IcebergTypes.duckDbType(field.type()) == null) {
        return "column " + field.name() + " has nested type " + field.type();
      }
    }
    for (Schema past : table.schemas().values()) {
      for (Types.NestedField field : past.columns()) {
        Types.NestedField byId = schema.findField(field.fieldId());
        Types.NestedField byName = schema.caseInsensitiveFindField(field.name());
        if ((byId != null && !byId.name().equals(field.name()))
            || (byName != null && byName.fieldId() != field.fieldId())) {
          return "column " + field.name() + " was renamed or re-added";
        }
      }
    }
    boolean evolved = table.schemas().size() > 1;
    for (FileScanTask task : tasks) {
      if (!task.deletes().isEmpty()) {
        return "the snapshot has delete files";
      }
      if (task.file().format() != FileFormat.PARQUET) {
        return "data file in " + task.file().format();
      }
      if (localPath(task.file().location()) == null) {
        return "data file not on a local file system: " + task.file().location();
      }
      if (evolved && task.file().valueCounts() == null) {
        return "schema evolved and data files lack column metrics";
      }
    }
    return null;
  }

  private static @Nullable String localPath(String location) {
    if (location.startsWith("file:")) {
      String path = location.substring("file:".length());
      while (path.startsWith("//")) {
        path = path.substring(1);
      }
      return path;
    }
    return location.startsWith("/") ? location : null;
  }

  /** Returns the DuckDB query that reads this snapshot's files (fast path only). */
  String duckDbQuery() {
    List<String> columns = new ArrayList<>();
    boolean evolved = table.schemas().size() > 1;
    for (Types.NestedField field : schema.columns()) {
      boolean present = !tasks.isEmpty() && (!evolved || tasks.stream().anyMatch(t -> {
        Map<Integer, Long> counts = t.file().valueCounts();
        return counts != null && counts.containsKey(field.fieldId());
      }));
      columns.add(present ? IcebergTypes.duckDbColumn(field)
          : "CAST(NULL AS " + IcebergTypes.duckDbType(field.type()) + ") AS "
              + quote(field.name()));
    }
    String select = "SELECT " + String.join(", ", columns);
    if (tasks.isEmpty()) {
      return select + " WHERE false";
    }
    String files = tasks.stream()
        .map(t -> literal(localPath(t.file().location())))
        .distinct()
        .collect(Collectors.joining(", ", "[", "]"));
    return select + " FROM read_parquet(" + files + ", union_by_name = true)";
  }
}
