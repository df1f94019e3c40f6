package io.meridian.adapter.iceberg;

import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.duckdb.DuckDbLakeBackend;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.schema.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.util.SnapshotUtil;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static java.util.Objects.requireNonNull;

/**
 * A catalog of Iceberg tables. Scans are planned by the Iceberg library (snapshot, partition
 * and file-statistics pruning); where a snapshot's files can be read as plain Parquet (no delete
 * files, no column renamed or re-added, only primitive columns) they are read by an embedded
 * DuckDB through a view over exactly those files, so the planner pushes whole subplans into it
 * as into any DuckDB catalog. Other snapshots are read by Iceberg's own reader, which applies
 * deletes and schema evolution.
 *
 * <p>Table names in SQL: {@code t} (the current snapshot), {@code "t@<snapshot-id>"} (one
 * snapshot), {@code "t$snapshots"} and {@code "t$history"} (metadata), and
 * {@code t FOR SYSTEM_TIME AS OF TIMESTAMP '...'} (the snapshot current at that UTC instant).
 */
final class IcebergBackend extends DuckDbLakeBackend implements io.meridian.adapter.LakeCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(IcebergBackend.class);

  /** Separates a table's name from its snapshot in the names of snapshot tables. */
  static final char AT = '@';

  private final Catalog catalog;
  private final Map<TableIdentifier, org.apache.iceberg.Table> loaded = new ConcurrentHashMap<>();
  private final Map<String, IcebergSnapshotRead> reads = new ConcurrentHashMap<>();
  /** Pruned reads by table name; a plan names them until it is run. */
  private final Cache<String, IcebergSnapshotRead> pruned =
      CacheBuilder.newBuilder().maximumSize(10_000).build();

  IcebergBackend(CatalogSpec spec, Catalog catalog) {
    super(spec);
    this.catalog = requireNonNull(catalog, "catalog");
  }

  @Override public void checkAvailable() throws SQLException {
    try {
      if (catalog instanceof org.apache.iceberg.catalog.SupportsNamespaces) {
        ((org.apache.iceberg.catalog.SupportsNamespaces) catalog).listNamespaces();
      }
    } catch (RuntimeException e) {
      throw new SQLException("catalog '" + spec.name() + "' (iceberg) is unavailable: "
          + e.getMessage(), "08001", e);
    }
  }

  /**
   * Re-reads the metadata of every table read so far and returns a number that changes when
   * any of them has a new current snapshot or schema.
   */
  @Override public long generation() {
    long generation = 17;
    for (Map.Entry<TableIdentifier, org.apache.iceberg.Table> e : loaded.entrySet()) {
      org.apache.iceberg.Table table = e.getValue();
      try {
        table.refresh();
      } catch (RuntimeException ex) {
        // The table was dropped or its catalog is unreachable: the next statement that reads it
        // says so; forget it here.
        loaded.remove(e.getKey());
        generation = 31 * generation + 1;
        continue;
      }
      org.apache.iceberg.Snapshot current = table.currentSnapshot();
      generation = 31 * generation + (current == null ? 0 : current.snapshotId());
      generation = 31 * generation + table.schema().schemaId();
    }
    return generation;
  }

  @Override public java.util.Set<String> namespaces() {
    if (!(catalog instanceof org.apache.iceberg.catalog.SupportsNamespaces)) {
      return java.util.Set.of();
    }
    java.util.Set<String> names = new java.util.TreeSet<>();
    for (org.apache.iceberg.catalog.Namespace ns
        : ((org.apache.iceberg.catalog.SupportsNamespaces) catalog).listNamespaces()) {
      names.add(String.join(".", ns.levels()));
    }
    return names;
  }

  @Override public java.util.Set<String> tableNames(String namespace) {
    java.util.Set<String> names = new java.util.TreeSet<>();
    for (TableIdentifier id : catalog.listTables(namespace(namespace))) {
      names.add(id.name());
    }
    return names;
  }

  /** Returns a table of the catalog, loaded once and refreshed by {@link #generation()}. */
  org.apache.iceberg.Table table(TableIdentifier id) {
    return loaded.computeIfAbsent(id, catalog::loadTable);
  }

  /**
   * Returns the Calcite table for a name in a namespace (see the class comment for the forms),
   * or null when there is no such table.
   */
  @Override public @Nullable Table lookup(String namespace, String name) {
    IcebergSnapshotRead prunedRead = pruned.getIfPresent(namespace + '.' + name);
    if (prunedRead != null) {
      return tableFor(prunedRead);
    }
    int dollar = name.lastIndexOf('$');
    if (dollar > 0) {
      org.apache.iceberg.Table table = existing(namespace, name.substring(0, dollar));
      IcebergMetadataTable.Kind kind = IcebergMetadataTable.Kind.of(name.substring(dollar + 1));
      return table == null || kind == null ? null : new IcebergMetadataTable(table, kind);
    }
    int at = name.indexOf(AT);
    if (at > 0) {
      org.apache.iceberg.Table table = existing(namespace, name.substring(0, at));
      long snapshotId;
      try {
        snapshotId = Long.parseLong(name.substring(at + 1));
      } catch (NumberFormatException e) {
        return null;
      }
      if (table == null || table.snapshot(snapshotId) == null) {
        return null;
      }
      return tableFor(read(namespace, name.substring(0, at), table, snapshotId));
    }
    org.apache.iceberg.Table table = existing(namespace, name);
    if (table == null) {
      return null;
    }
    org.apache.iceberg.Snapshot current = table.currentSnapshot();
    return tableFor(read(namespace, name, table, current == null ? -1 : current.snapshotId()));
  }

  private org.apache.iceberg.@Nullable Table existing(String namespace, String name) {
    TableIdentifier id = TableIdentifier.of(namespace(namespace), name);
    org.apache.iceberg.Table table = loaded.get(id);
    if (table != null) {
      return table;
    }
    if (!catalog.tableExists(id)) {
      return null;
    }
    return table(id);
  }

  /** Returns the Iceberg namespace of a schema name (levels joined by dots). */
  static org.apache.iceberg.catalog.Namespace namespace(String schemaName) {
    return org.apache.iceberg.catalog.Namespace.of(schemaName.split("\\."));
  }

  /** Returns how a snapshot of a table is read (-1: the table has no snapshot yet). */
  IcebergSnapshotRead read(String namespace, String name, org.apache.iceberg.Table table,
      long snapshotId) {
    return reads.computeIfAbsent(namespace + '.' + name + AT + snapshotId,
        k -> IcebergSnapshotRead.plan(namespace, name, table, snapshotId,
            Expressions.alwaysTrue()));
  }

  /**
   * Returns the name of the table that reads only the files of {@code read} that
   * {@code filter} may match, or null when the filter rules none out.
   */
  @Nullable String prune(IcebergSnapshotRead read, Expression filter) {
    if (read.filtered() || filter.op() == Expression.Operation.TRUE) {
      return null;
    }
    IcebergSnapshotRead narrowed = read.narrow(filter);
    if (narrowed.fileCount() == read.fileCount() && read.fastPath()) {
      return null;
    }
    String name = narrowed.tableName();
    pruned.put(read.namespace() + '.' + name, narrowed);
    return name;
  }

  @Override public boolean tableExists(String schemaName, String table) {
    return catalog.tableExists(TableIdentifier.of(namespace(schemaName), table));
  }

  @Override public void createTable(String schemaName, String table, RelDataType rowType) {
    org.apache.iceberg.catalog.Namespace ns = namespace(schemaName);
    if (catalog instanceof org.apache.iceberg.catalog.SupportsNamespaces
        && !((org.apache.iceberg.catalog.SupportsNamespaces) catalog).namespaceExists(ns)) {
      ((org.apache.iceberg.catalog.SupportsNamespaces) catalog).createNamespace(ns);
    }
    catalog.createTable(TableIdentifier.of(ns, table), IcebergAppend.schemaOf(rowType),
        org.apache.iceberg.PartitionSpec.unpartitioned(),
        Map.of(org.apache.iceberg.TableProperties.FORMAT_VERSION, "2"));
    LOG.info("Iceberg catalog {}: created table {}.{}", spec.name(), schemaName, table);
  }

  @Override public void dropTable(String schemaName, String table) {
    TableIdentifier id = TableIdentifier.of(namespace(schemaName), table);
    loaded.remove(id);
    catalog.dropTable(id, true);
    LOG.info("Iceberg catalog {}: dropped table {}.{} and its files", spec.name(), schemaName,
        table);
  }

  /** Appends rows to the table a read belongs to, as one snapshot. */
  long append(IcebergSnapshotRead read, org.apache.calcite.linq4j.Enumerable<Object[]> rows) {
    return IcebergAppend.append(read.table(),
        spec.name() + '.' + read.namespace() + '.' + read.name(), rows);
  }

  /** Returns the name of the snapshot table current at an instant. */
  String nameAsOf(IcebergSnapshotRead read, long epochMillis) {
    org.apache.iceberg.Table table = read.table();
    long id;
    try {
      id = SnapshotUtil.snapshotIdAsOfTime(table, epochMillis);
    } catch (IllegalArgumentException e) {
      // Iceberg's own message does not name the table: this one replaces it.
      throw new IllegalArgumentException("table " + spec.name() + '.' + read.namespace() + '.'
          + read.name() + " has no snapshot as of " + java.time.Instant.ofEpochMilli(epochMillis)
          + " (its first was committed at " + firstCommit(table) + ")");
    }
    return read.name() + AT + id;
  }

  private static String firstCommit(org.apache.iceberg.Table table) {
    return table.history().isEmpty() ? "never"
        : java.time.Instant.ofEpochMilli(table.history().get(0).timestampMillis()).toString();
  }

  private Table tableFor(IcebergSnapshotRead read) {
    if (!read.fastPath()) {
      return new IcebergScanTable(this, read);
    }
    return new IcebergFileTable(this, read,
        views.view(read.namespace(), read.tableName(), read::duckDbQuery, read.rowCount()));
  }

  @Override public void close() {
    super.close();
    if (catalog instanceof java.io.Closeable) {
      try {
        ((java.io.Closeable) catalog).close();
      } catch (IOException e) {
        LOG.warn("Iceberg catalog {}: closing: {}", spec.name(), e.toString());
      }
    }
  }
}
