package io.meridian.adapter.jdbc;

import org.apache.calcite.adapter.jdbc.JdbcConvention;
import org.apache.calcite.adapter.jdbc.JdbcSchema;
import org.apache.calcite.adapter.jdbc.JdbcTable;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.lookup.LikePattern;
import org.apache.calcite.schema.lookup.LoadingCacheLookup;
import org.apache.calcite.schema.lookup.Lookup;
import org.apache.calcite.schema.lookup.Named;
import org.apache.calcite.sql.SqlDialect;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.time.Duration;
import java.util.Set;
import javax.sql.DataSource;

/**
 * One backend schema: Calcite's {@link JdbcSchema} whose tables report their statistics (and,
 * in a lake catalog, are served as its lake tables).
 */
final class StatisticsJdbcSchema extends JdbcSchema {
  private final Lookup<Table> tables;

  StatisticsJdbcSchema(DataSource dataSource, SqlDialect dialect, JdbcConvention convention,
      @Nullable String catalog, String schema, TableStatisticsCache statistics,
      Duration metadataExpiry,
      java.util.function.Function<StatisticsJdbcTable, Table> serve,
      java.util.function.Predicate<String> unlisted) {
    super(dataSource, dialect, convention, catalog, schema);
    // Calcite's JDBC schema reads the backend's metadata (getTables, getColumns) each time a
    // table is looked up, that is for every statement; cache the tables (and so their row
    // types) like the schema list.
    Lookup<Table> plain = new LoadingCacheLookup<>(super.tables(), metadataExpiry);
    this.tables = new Lookup<Table>() {
      @Override public @Nullable Table get(String name) {
        return wrap(plain.get(name));
      }

      @Override public @Nullable Named<Table> getIgnoreCase(
          String name) {
        Named<Table> named = plain.getIgnoreCase(name);
        return named == null ? null
            : new Named<>(named.name(), wrap(named.entity()));
      }

      @Override public Set<String> getNames(LikePattern pattern) {
        Set<String> names = plain.getNames(pattern);
        return names.stream().anyMatch(unlisted)
            ? names.stream().filter(unlisted.negate())
                .collect(com.google.common.collect.ImmutableSet.toImmutableSet())
            : names;
      }

      private @Nullable Table wrap(@Nullable Table table) {
        return table instanceof JdbcTable
            ? serve.apply(new StatisticsJdbcTable((JdbcTable) table, statistics)) : table;
      }
    };
  }

  @Override public Lookup<Table> tables() {
    return tables;
  }
}
