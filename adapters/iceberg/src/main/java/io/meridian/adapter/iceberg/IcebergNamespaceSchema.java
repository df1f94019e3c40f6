package io.meridian.adapter.iceberg;

import com.google.common.collect.ImmutableSet;

import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.impl.AbstractSchema;
import org.apache.calcite.schema.lookup.LikePattern;
import org.apache.calcite.schema.lookup.Lookup;
import org.apache.calcite.schema.lookup.Named;
import org.apache.iceberg.catalog.TableIdentifier;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.Locale;
import java.util.Set;

/** One Iceberg namespace: its tables, their snapshots and their metadata tables. */
final class IcebergNamespaceSchema extends AbstractSchema {
  private final IcebergBackend backend;
  private final String namespace;

  IcebergNamespaceSchema(IcebergBackend backend, String namespace) {
    this.backend = backend;
    this.namespace = namespace;
  }

  @Override public Lookup<Table> tables() {
    return new Lookup<>() {
      @Override public @Nullable Table get(String name) {
        return backend.lookup(namespace, name);
      }

      @Override public @Nullable Named<Table> getIgnoreCase(String name) {
        Table exact = get(name);
        if (exact != null) {
          return new Named<>(name, exact);
        }
        // t, t@123, t$snapshots: match the table part of the name ignoring case.
        int cut = firstOf(name, '@', '$');
        String base = cut < 0 ? name : name.substring(0, cut);
        for (String table : tableNames()) {
          if (table.equalsIgnoreCase(base)) {
            String suffix = cut < 0 ? "" : name.substring(cut).toLowerCase(Locale.ROOT);
            Table found = get(table + suffix);
            return found == null ? null : new Named<>(table + suffix, found);
          }
        }
        return null;
      }

      @Override public Set<String> getNames(LikePattern pattern) {
        org.apache.calcite.linq4j.function.Predicate1<String> matcher = pattern.matcher();
        return tableNames().stream().filter(matcher::apply)
            .collect(ImmutableSet.toImmutableSet());
      }
    };
  }

  private static int firstOf(String name, char a, char b) {
    int i = name.indexOf(a);
    int j = name.indexOf(b);
    return i < 0 ? j : j < 0 ? i : Math.min(i, j);
  }

  private Set<String> tableNames() {
    ImmutableSet.Builder<String> names = ImmutableSet.builder();
    for (TableIdentifier id : backend.catalog().listTables(IcebergBackend.namespace(namespace))) {
      names.add(id.name());
    }
    return names.build();
  }
}
