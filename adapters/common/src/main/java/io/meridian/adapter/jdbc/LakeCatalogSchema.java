package io.meridian.adapter.jdbc;

import io.meridian.adapter.CatalogVersion;

import com.google.common.collect.ImmutableSet;

import org.apache.calcite.schema.Schema;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.Wrapper;
import org.apache.calcite.schema.impl.AbstractSchema;
import org.apache.calcite.schema.lookup.IgnoreCaseLookup;
import org.apache.calcite.schema.lookup.LikePattern;
import org.apache.calcite.schema.lookup.Lookup;
import org.apache.calcite.schema.lookup.Named;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.Locale;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * The Calcite schema of a catalog of versioned lake tables (Iceberg, Delta): one sub-schema per
 * namespace, whose tables resolve through {@link Tables#lookup} to more names than they list
 * ({@code t@<version>}, {@code t$history}, narrowed scans). It unwraps to the catalog's DuckDB
 * schema of views (so the planner treats the views as one pushdown place) and to its owner
 * (DDL), and reports a generation that changes when a table read so far got a new version.
 */
public final class LakeCatalogSchema extends AbstractSchema implements Wrapper, CatalogVersion {
  /** What a lake catalog provides to its schema. */
  public interface Tables {
    /** The namespaces. */
    Set<String> namespaces();

    /** The tables of a namespace (only the plain names). */
    Set<String> tableNames(String namespace);

    /** Resolves a name of a namespace, plain or suffixed, or returns null. */
    @Nullable Table lookup(String namespace, String name);

    /** Re-reads the tables read so far; changes when any of them has a new version. */
    long generation();

    /** The catalog's DuckDB schema of views. */
    BackendCatalogSchema files();
  }

  private final Tables tables;
  private final Object owner;
  private final Lookup<Schema> namespaces;

  /** Creates the schema; {@code owner} is what it unwraps to besides itself (the backend). */
  public LakeCatalogSchema(Tables tables, Object owner) {
    this.tables = requireNonNull(tables, "tables");
    this.owner = requireNonNull(owner, "owner");
    this.namespaces = new IgnoreCaseLookup<>() {
      @Override public @Nullable Schema get(String name) {
        return tables.namespaces().contains(name) ? new Namespace(name) : null;
      }

      @Override public Set<String> getNames(LikePattern pattern) {
        org.apache.calcite.linq4j.function.Predicate1<String> matcher = pattern.matcher();
        return tables.namespaces().stream().filter(matcher::apply)
            .collect(ImmutableSet.toImmutableSet());
      }
    };
  }

  @Override public Lookup<? extends Schema> subSchemas() {
    return namespaces;
  }

  @Override public Lookup<Table> tables() {
    return Lookup.empty();
  }

  @Override public boolean isMutable() {
    return false;
  }

  @Override public long generation() {
    return tables.generation();
  }

  /** Table names resolve to versions and narrowed scans that are not listed. */
  @Override public boolean cachesTables() {
    return false;
  }

  @Override public <T> @Nullable T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    if (clazz.isInstance(owner)) {
      return clazz.cast(owner);
    }
    return tables.files().unwrap(clazz);
  }

  /** One namespace: its tables, their versions and their metadata tables. */
  private final class Namespace extends AbstractSchema {
    private final String name;

    Namespace(String name) {
      this.name = name;
    }

    @Override public Lookup<Table> tables() {
      return new Lookup<>() {
        @Override public @Nullable Table get(String table) {
          return tables.lookup(name, table);
        }

        @Override public @Nullable Named<Table> getIgnoreCase(String table) {
          Table exact = get(table);
          if (exact != null) {
            return new Named<>(table, exact);
          }
          // t, t@123, t$history: match the table part of the name ignoring case.
          int cut = firstOf(table, '@', '$');
          String base = cut < 0 ? table : table.substring(0, cut);
          for (String candidate : tables.tableNames(name)) {
            if (candidate.equalsIgnoreCase(base)) {
              String suffix = cut < 0 ? "" : table.substring(cut).toLowerCase(Locale.ROOT);
              Table found = get(candidate + suffix);
              return found == null ? null : new Named<>(candidate + suffix, found);
            }
          }
          return null;
        }

        @Override public Set<String> getNames(LikePattern pattern) {
          org.apache.calcite.linq4j.function.Predicate1<String> matcher = pattern.matcher();
          return tables.tableNames(name).stream().filter(matcher::apply)
              .collect(ImmutableSet.toImmutableSet());
        }
      };
    }
  }

  private static int firstOf(String name, char a, char b) {
    int i = name.indexOf(a);
    int j = name.indexOf(b);
    return i < 0 ? j : j < 0 ? i : Math.min(i, j);
  }
}
