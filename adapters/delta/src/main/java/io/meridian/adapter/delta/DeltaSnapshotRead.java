package io.meridian.adapter.delta;

import io.meridian.adapter.duckdb.DuckDbSqlDialect;

import io.delta.kernel.Scan;
import io.delta.kernel.ScanBuilder;
import io.delta.kernel.Snapshot;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.data.Row;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.expressions.Predicate;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.data.ScanStateRow;
import io.delta.kernel.internal.util.ColumnMapping;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.CloseableIterator;

import org.checkerframework.checker.nullness.qual.Nullable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.meridian.adapter.duckdb.DuckDbSqlDialect.quote;

/**
 * One planned read of a Delta table: a snapshot (version), its schema and partition columns,
 * the data files Kernel's scan keeps for a predicate (partition pruning, data skipping), and
 * whether DuckDB can read them as plain Parquet (no deletion vectors, no column mapping, only
 * primitive columns) or Kernel's reader must.
 */
final class DeltaSnapshotRead {
  private static final Pattern NUM_RECORDS = Pattern.compile("\"numRecords\"\\s*:\\s*(\\d+)");

  /** One data file: where, its partition values, whether rows of it are deleted. */
  record DataFile(String path, Map<String, String> partition, boolean deletionVector,
      long records) {
  }

  private final String namespace;
  private final String name;
  private final Snapshot snapshot;
  private final @Nullable Predicate predicate;
  private final List<DataFile> files;
  private final int totalFileCount;
  private final @Nullable String slowPathReason;

  private DeltaSnapshotRead(String namespace, String name, Snapshot snapshot,
      @Nullable Predicate predicate, List<DataFile> files, int totalFileCount,
      @Nullable String slowPathReason) {
    this.namespace = namespace;
    this.name = name;
    this.snapshot = snapshot;
    this.predicate = predicate;
    this.files = List.copyOf(files);
    this.totalFileCount = totalFileCount < 0 ? files.size() : totalFileCount;
    this.slowPathReason = slowPathReason == null ? typeReason(snapshot.getSchema())
        : slowPathReason;
  }

  /** Plans the read of a snapshot for a predicate (null: every file). */
  static DeltaSnapshotRead plan(Engine engine, String namespace, String name, Snapshot snapshot,
      @Nullable Predicate predicate, int totalFileCount) {
    ScanBuilder builder = snapshot.getScanBuilder();
    if (predicate != null) {
      builder = builder.withFilter(predicate);
    }
    Scan scan = builder.build();
    Row state = scan.getScanState(engine);
    String reason = ScanStateRow.getColumnMappingMode(state)
        == ColumnMapping.ColumnMappingMode.NONE ? null : "the table maps column names";
    List<DataFile> files = new ArrayList<>();
    try (CloseableIterator<FilteredColumnarBatch> batches = scan.getScanFiles(engine, true)) {
      while (batches.hasNext()) {
        try (CloseableIterator<Row> rows = batches.next().getRows()) {
          while (rows.hasNext()) {
            Row row = rows.next();
            files.add(new DataFile(
                localPath(InternalScanFileUtils.getAddFileStatus(row).getPath()),
                new HashMap<>(InternalScanFileUtils.getPartitionValues(row)),
                InternalScanFileUtils.getDeletionVectorDescriptorFromRow(row) != null,
                records(row)));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (reason == null && files.stream().anyMatch(DataFile::deletionVector)) {
      reason = "files have deletion vectors";
    }
    return new DeltaSnapshotRead(namespace, name, snapshot, predicate, files, totalFileCount,
        reason);
  }

  private static long records(Row scanFile) {
    try {
      Row add = scanFile.getStruct(InternalScanFileUtils.ADD_FILE_ORDINAL);
      int stats = add.getSchema().indexOf("stats");
      if (stats < 0 || add.isNullAt(stats)) {
        return -1;
      }
      Matcher m = NUM_RECORDS.matcher(add.getString(stats));
      return m.find() ? Long.parseLong(m.group(1)) : -1;
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private static String localPath(String location) {
    String path = location.startsWith("file:") ? location.substring("file:".length()) : location;
    while (path.startsWith("//")) {
      path = path.substring(1);
    }
    return java.net.URLDecoder.decode(path.replace("+", "%2B"),
        java.nio.charset.StandardCharsets.UTF_8);
  }

  private static @Nullable String typeReason(StructType schema) {
    for (StructField field : schema.fields()) {
      if (DeltaTypes.duckDbType(field.getDataType()) == null) {
        return "column " + field.getName() + " has a nested type";
      }
    }
    return null;
  }

  /** Returns this read narrowed to the files {@code extra} may match. */
  DeltaSnapshotRead narrow(Engine engine, Predicate extra) {
    Predicate combined = predicate == null ? extra : new Predicate("AND", predicate, extra);
    return plan(engine, namespace, name, snapshot, combined, totalFileCount);
  }

  String namespace() {
    return namespace;
  }

  String name() {
    return name;
  }

  Snapshot snapshot() {
    return snapshot;
  }

  StructType schema() {
    return snapshot.getSchema();
  }

  @Nullable Predicate predicate() {
    return predicate;
  }

  int fileCount() {
    return files.size();
  }

  boolean fastPath() {
    return slowPathReason == null;
  }

  /** Rows in the files where their statistics say; files without statistics count 1 000. */
  long rowCount() {
    return files.stream().mapToLong(f -> f.records() < 0 ? 1_000 : f.records()).sum();
  }

  /** {@code t@<version>}, and for a narrowed read {@code t@<version>/<kept>of<all>files#<hash>}. */
  String tableName() {
    String base = name + '@' + snapshot.getVersion();
    return predicate == null ? base : base + '/' + files.size() + "of" + totalFileCount
        + "files#" + Integer.toHexString(predicate.toString().hashCode());
  }

  /**
   * The DuckDB query over the files: one {@code read_parquet} per group of files with the same
   * partition values (which Delta keeps in its log, not in the files), as constant columns.
   */
  String duckDbQuery() {
    StructType schema = schema();
    List<String> partitionColumns = snapshot.getPartitionColumnNames();
    if (files.isEmpty()) {
      return "SELECT " + schema.fields().stream()
          .map(f -> "CAST(NULL AS " + DeltaTypes.duckDbType(f.getDataType()) + ") AS "
              + quote(f.getName()))
          .collect(Collectors.joining(", ")) + " WHERE false";
    }
    Map<Map<String, String>, List<String>> groups = new LinkedHashMap<>();
    for (DataFile file : files) {
      Map<String, String> key = new HashMap<>();
      partitionColumns.forEach(p -> key.put(p, lookupIgnoreCase(file.partition(), p)));
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(file.path());
    }
    List<String> selects = new ArrayList<>();
    for (Map.Entry<Map<String, String>, List<String>> group : groups.entrySet()) {
      List<String> columns = new ArrayList<>();
      for (StructField field : schema.fields()) {
        String partition = partitionColumns.stream()
            .filter(p -> p.equalsIgnoreCase(field.getName())).findFirst().orElse(null);
        columns.add(partition == null ? DeltaTypes.duckDbColumn(field)
            : DeltaTypes.partitionColumn(field, group.getKey().get(partition)));
      }
      selects.add("SELECT " + String.join(", ", columns) + " FROM read_parquet("
          + group.getValue().stream().map(DuckDbSqlDialect::literal)
              .collect(Collectors.joining(", ", "[", "]"))
          + ", union_by_name = true)");
    }
    return String.join(" UNION ALL ", selects);
  }

  private static @Nullable String lookupIgnoreCase(Map<String, String> values, String key) {
    if (values.containsKey(key)) {
      return values.get(key);
    }
    for (Map.Entry<String, String> e : values.entrySet()) {
      if (e.getKey().equalsIgnoreCase(key)) {
        return e.getValue();
      }
    }
    return null;
  }
}
