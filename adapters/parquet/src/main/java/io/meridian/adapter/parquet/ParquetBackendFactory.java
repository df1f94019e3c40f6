package io.meridian.adapter.parquet;

import io.meridian.adapter.CatalogConfigException;
import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.StorageBackend;
import io.meridian.adapter.StorageBackendFactory;
import io.meridian.adapter.duckdb.DuckDbBackendFactory;
import io.meridian.adapter.duckdb.DuckDbDataSource;
import io.meridian.adapter.duckdb.DuckDbSqlDialect;
import io.meridian.adapter.jdbc.CatalogDataSource;
import io.meridian.adapter.jdbc.JdbcBackend;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Serves a directory of Parquet files as a catalog. Field: {@code path}. Each table becomes a
 * view in an in-memory DuckDB database over {@code read_parquet}, so filters and projections
 * reach DuckDB's Parquet reader (row-group pruning from footer statistics, column pruning).
 */
public final class ParquetBackendFactory implements StorageBackendFactory {
  @Override public String type() {
    return "parquet";
  }

  @Override public StorageBackend create(CatalogSpec spec) {
    Path root = Path.of(spec.require("path")).toAbsolutePath().normalize();
    if (!Files.isDirectory(root)) {
      throw new CatalogConfigException(spec.name(), "path",
          "must be an existing directory (got " + root + ")");
    }
    List<String> initSql = new ArrayList<>();
    TreeSet<String> schemas = new TreeSet<>();
    for (ParquetLayout.TableLocation t : ParquetLayout.scan(root)) {
      if (schemas.add(t.schema())) {
        initSql.add("CREATE SCHEMA IF NOT EXISTS " + quote(t.schema()));
      }
      initSql.add("CREATE VIEW " + quote(t.schema()) + "." + quote(t.table())
          + " AS SELECT * FROM read_parquet(" + literal(t.glob())
          + (t.directory() ? ", hive_partitioning = true, union_by_name = true" : "") + ")");
    }
    DuckDbDataSource duckdb = new DuckDbDataSource(":memory:", false, initSql);
    return new JdbcBackend(spec,
        new CatalogDataSource(spec.name(), spec.type(), duckdb, null),
        DuckDbSqlDialect.DEFAULT, "memory",
        s -> DuckDbBackendFactory.isUserSchema(s) && !s.equals("main"),
        DuckDbBackendFactory.ROW_COUNTS, "SELECT 1");
  }

  static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }
}
