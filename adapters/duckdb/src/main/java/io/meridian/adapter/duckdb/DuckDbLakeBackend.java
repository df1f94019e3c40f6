package io.meridian.adapter.duckdb;

import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.StorageBackend;
import io.meridian.adapter.jdbc.BackendCatalogSchema;
import io.meridian.adapter.jdbc.LakeCatalogSchema;

import org.apache.calcite.schema.Schema;

import static java.util.Objects.requireNonNull;

/**
 * A catalog of versioned lake tables (Iceberg, Delta) whose plain-Parquet reads go through
 * views in its own DuckDB ({@link DuckDbLakeViews}), served as a {@link LakeCatalogSchema}.
 */
public abstract class DuckDbLakeBackend implements StorageBackend, LakeCatalogSchema.Tables {
  protected final CatalogSpec spec;
  protected final DuckDbLakeViews views;
  private final LakeCatalogSchema schema;

  protected DuckDbLakeBackend(CatalogSpec spec) {
    this.spec = requireNonNull(spec, "spec");
    this.views = new DuckDbLakeViews(spec);
    this.schema = new LakeCatalogSchema(this, this);
  }

  @Override public final String catalogName() {
    return spec.name();
  }

  @Override public final String type() {
    return spec.type();
  }

  @Override public final Schema schema() {
    return schema;
  }

  @Override public final BackendCatalogSchema files() {
    return views.schema();
  }

  @Override public void close() {
    views.close();
  }
}
