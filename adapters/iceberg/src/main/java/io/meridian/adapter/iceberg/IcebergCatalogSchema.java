package io.meridian.adapter.iceberg;

import io.meridian.adapter.CatalogVersion;
import io.meridian.adapter.jdbc.BackendCatalogSchema;

import com.google.common.collect.ImmutableSet;

import org.apache.calcite.schema.Schema;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.Wrapper;
import org.apache.calcite.schema.impl.AbstractSchema;
import org.apache.calcite.schema.lookup.IgnoreCaseLookup;
import org.apache.calcite.schema.lookup.LikePattern;
import org.apache.calcite.schema.lookup.Lookup;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.Set;

/**
 * The Calcite schema of an Iceberg catalog: one sub-schema per namespace. It unwraps to the
 * catalog's DuckDB schema of views (so the planner treats the fast-path tables as one pushdown
 * place) and reports a generation that changes when a table it has read gets a new snapshot.
 */
final class IcebergCatalogSchema extends AbstractSchema implements Wrapper, CatalogVersion {
  private final IcebergBackend backend;
  private final Lookup<IcebergNamespaceSchema> namespaces;

  IcebergCatalogSchema(IcebergBackend backend) {
    this.backend = backend;
    this.namespaces = new IgnoreCaseLookup<>() {
      @Override public @Nullable IcebergNamespaceSchema get(String name) {
        return names().contains(name) ? new IcebergNamespaceSchema(backend, name) : null;
      }

      @Override public Set<String> getNames(LikePattern pattern) {
        org.apache.calcite.linq4j.function.Predicate1<String> matcher = pattern.matcher();
        return names().stream().filter(matcher::apply).collect(ImmutableSet.toImmutableSet());
      }
    };
  }

  private Set<String> names() {
    if (!(backend.catalog() instanceof SupportsNamespaces)) {
      return Set.of();
    }
    ImmutableSet.Builder<String> names = ImmutableSet.builder();
    for (Namespace namespace : ((SupportsNamespaces) backend.catalog()).listNamespaces()) {
      names.add(String.join(".", namespace.levels()));
    }
    return names.build();
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
    return backend.generation();
  }

  /** Table names resolve to snapshots and narrowed scans that are not listed. */
  @Override public boolean cachesTables() {
    return false;
  }

  @Override public <T> @Nullable T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    if (clazz.isInstance(backend)) {
      return clazz.cast(backend); // LakeCatalog: DDL
    }
    BackendCatalogSchema files = backend.files();
    return files.unwrap(clazz);
  }
}
