package io.meridian.adapter.delta;

import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.duckdb.DuckDbLakeBackend;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;

import io.delta.kernel.Snapshot;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.expressions.Predicate;

import org.apache.calcite.schema.Table;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * A directory of Delta tables ({@code <path>/<schema>/<table>/_delta_log}) read through Delta
 * Kernel. Snapshots whose files DuckDB can read as plain Parquet (no deletion vectors, no column
 * mapping) are views in the catalog's DuckDB over exactly those files, partition values added as
 * constants; others are read by Kernel's reader, which applies deletion vectors.
 *
 * <p>Names: {@code t} (latest version), {@code "t@<version>"}, and
 * {@code t FOR SYSTEM_TIME AS OF TIMESTAMP '...'} (the version current at that UTC instant).
 */
final class DeltaBackend extends DuckDbLakeBackend {
  private final Path root;
  private final Engine engine;
  /** Whether every read goes through Kernel's reader (configuration {@code reader: kernel}). */
  private final boolean kernelReader;
  /** The latest version of each table read so far, by {@code schema.table}. */
  private final Map<String, Long> latest = new ConcurrentHashMap<>();
  private final Map<String, DeltaSnapshotRead> reads = new ConcurrentHashMap<>();
  private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();
  private final Cache<String, DeltaSnapshotRead> pruned =
      CacheBuilder.newBuilder().maximumSize(10_000).build();

  DeltaBackend(CatalogSpec spec, Path root, Engine engine, boolean kernelReader) {
    super(spec);
    this.kernelReader = kernelReader;
    this.root = requireNonNull(root, "root");
    this.engine = requireNonNull(engine, "engine");
  }

  @Override public void checkAvailable() throws SQLException {
    if (!Files.isDirectory(root)) {
      throw new SQLException("catalog '" + spec.name() + "' (delta) is unavailable: " + root
          + " is not a directory", "08001");
    }
  }

  @Override public Set<String> namespaces() {
    return directories(root, false);
  }

  @Override public Set<String> tableNames(String namespace) {
    return directories(root.resolve(namespace), true);
  }

  private static Set<String> directories(Path dir, boolean tables) {
    Set<String> names = new TreeSet<>();
    if (!Files.isDirectory(dir)) {
      return names;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      entries.filter(Files::isDirectory)
          .filter(p -> !tables || Files.isDirectory(p.resolve("_delta_log")))
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith(".") && !n.startsWith("_"))
          .forEach(names::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
    return names;
  }

  private io.delta.kernel.Table table(String namespace, String name) {
    return io.delta.kernel.Table.forPath(engine,
        root.resolve(namespace).resolve(name).toString());
  }

  /**
   * Returns the latest version of a table from its log folder's listing (the highest
   * {@code <version>.json}), without reading the log: this runs before every statement.
   * Returns -1 when the table has no commit.
   */
  private long latestVersion(String namespace, String name) {
    Path log = root.resolve(namespace).resolve(name).resolve("_delta_log");
    long latest = -1;
    try (Stream<Path> entries = Files.list(log)) {
      for (Path entry : (Iterable<Path>) entries::iterator) {
        java.util.regex.Matcher m = COMMIT.matcher(entry.getFileName().toString());
        if (m.matches()) {
          latest = Math.max(latest, Long.parseLong(m.group(1)));
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return latest;
  }

  private static final java.util.regex.Pattern COMMIT =
      java.util.regex.Pattern.compile("(\\d{20})\\.json");

  @Override public long generation() {
    long generation = 17;
    for (String key : latest.keySet()) {
      int dot = key.indexOf('.');
      long version = latestVersion(key.substring(0, dot), key.substring(dot + 1));
      if (version < 0) {
        latest.remove(key); // dropped: the next statement that reads it says so
      } else {
        latest.put(key, version);
      }
      generation = 31 * generation + version;
    }
    return generation;
  }

  /** The suffix of a table's history table. */
  private static final String HISTORY = "$history";

  /**
   * Returns {@code t$history}: each version the log holds, when it was committed and whether
   * it is the latest. Versions whose commit files were cleaned up are not listed.
   */
  private Table history(String namespace, String name) {
    return new DeltaHistoryTable(namespace, name);
  }

  /** {@code t$history} as a scannable table. */
  private final class DeltaHistoryTable extends org.apache.calcite.schema.impl.AbstractTable
      implements org.apache.calcite.schema.ScannableTable {
    private final String namespace;
    private final String name;

    DeltaHistoryTable(String namespace, String name) {
      this.namespace = namespace;
      this.name = name;
    }

    @Override public org.apache.calcite.rel.type.RelDataType getRowType(
        org.apache.calcite.rel.type.RelDataTypeFactory typeFactory) {
      return typeFactory.builder()
          .add("version", org.apache.calcite.sql.type.SqlTypeName.BIGINT)
          .add("committed_at", org.apache.calcite.sql.type.SqlTypeName.TIMESTAMP, 3)
          .add("is_latest", org.apache.calcite.sql.type.SqlTypeName.BOOLEAN)
          .build();
    }

    @Override public org.apache.calcite.linq4j.Enumerable<@Nullable Object[]> scan(
        org.apache.calcite.DataContext root) {
      long latestVersion = latestVersion(namespace, name);
      java.util.List<@Nullable Object[]> rows = new java.util.ArrayList<>();
      for (long v = 0; v <= latestVersion; v++) {
        Snapshot s;
        try {
          s = snapshot(namespace, name, v);
        } catch (RuntimeException e) {
          continue; // cleaned up
        }
        rows.add(new Object[] {v, s.getTimestamp(engine), v == latestVersion});
      }
      return org.apache.calcite.linq4j.Linq4j.asEnumerable(rows);
    }
  }

  /** Returns a version of a table, loaded once (a version never changes). */
  private Snapshot snapshot(String namespace, String name, long version) {
    return snapshots.computeIfAbsent(namespace + '.' + name + '@' + version,
        k -> table(namespace, name).getSnapshotAsOfVersion(engine, version));
  }

  @Override public @Nullable Table lookup(String namespace, String name) {
    DeltaSnapshotRead narrowed = pruned.getIfPresent(namespace + '.' + name);
    if (narrowed != null) {
      return tableFor(narrowed);
    }
    if (name.endsWith(HISTORY)) {
      String base = name.substring(0, name.length() - HISTORY.length());
      return tableNames(namespace).contains(base) ? history(namespace, base) : null;
    }
    int at = name.indexOf('@');
    String base = at < 0 ? name : name.substring(0, at);
    if (!tableNames(namespace).contains(base)) {
      return null;
    }
    Snapshot snapshot;
    try {
      if (at < 0) {
        long version = latestVersion(namespace, base);
        latest.put(namespace + '.' + base, version);
        snapshot = snapshot(namespace, base, version);
      } else {
        snapshot = snapshot(namespace, base, Long.parseLong(name.substring(at + 1)));
      }
    } catch (NumberFormatException e) {
      return null;
    } catch (RuntimeException e) {
      if (at > 0) {
        return null; // no such version
      }
      throw new IllegalStateException("catalog '" + spec.name() + "' (delta): cannot read "
          + namespace + '.' + base + ": " + e.getMessage(), e);
    }
    return tableFor(read(namespace, base, snapshot));
  }

  private DeltaSnapshotRead read(String namespace, String name, Snapshot snapshot) {
    return reads.computeIfAbsent(namespace + '.' + name + '@' + snapshot.getVersion(),
        k -> DeltaSnapshotRead.plan(engine, namespace, name, snapshot, null, -1));
  }

  /** Returns the name of the read narrowed by a predicate, or null when nothing is ruled out. */
  @Nullable String prune(DeltaSnapshotRead read, @Nullable Predicate predicate) {
    if (predicate == null || read.predicate() != null) {
      return null;
    }
    DeltaSnapshotRead narrowed = read.narrow(engine, predicate);
    if (narrowed.fileCount() == read.fileCount()) {
      return null;
    }
    pruned.put(read.namespace() + '.' + narrowed.tableName(), narrowed);
    return narrowed.tableName();
  }

  /** Returns the name of the version current at an instant. */
  String nameAsOf(DeltaSnapshotRead read, long epochMillis) {
    try {
      return read.name() + '@' + table(read.namespace(), read.name())
          .getSnapshotAsOfTimestamp(engine, epochMillis).getVersion();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("table " + spec.name() + '.' + read.namespace() + '.'
          + read.name() + " has no version as of " + java.time.Instant.ofEpochMilli(epochMillis)
          + ": " + e.getMessage());
    }
  }

  Engine engine() {
    return engine;
  }

  private Table tableFor(DeltaSnapshotRead read) {
    if (kernelReader || !read.fastPath()) {
      return new DeltaScanTable(this, read);
    }
    return new DeltaFileTable(this, read,
        views.view(read.namespace(), read.tableName(), read::duckDbQuery, read.rowCount()));
  }
}
