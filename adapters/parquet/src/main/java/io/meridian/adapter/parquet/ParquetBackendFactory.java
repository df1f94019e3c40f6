package io.meridian.adapter.parquet;

import io.meridian.adapter.CatalogConfigException;
import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.StorageBackend;
import io.meridian.adapter.StorageBackendFactory;
import io.meridian.adapter.duckdb.DuckDbDataSource;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Serves a directory of Parquet files as a catalog ({@link ParquetBackend}). Field:
 * {@code path}, an existing directory.
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
    return new ParquetBackend(spec, root,
        new DuckDbDataSource(":memory:", false, ParquetBackend.viewsOf(spec.name(), root)));
  }
}
