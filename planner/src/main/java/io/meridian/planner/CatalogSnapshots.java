package io.meridian.planner;

import io.meridian.adapter.jdbc.BackendCatalogSchema;

import org.apache.calcite.jdbc.CalciteSchema;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * Keeps each connection's view of the catalogs current. Calcite's connection-level schema
 * objects snapshot the names of a catalog's schemas and tables on first use; when DDL (through
 * any connection) has changed a catalog since, the snapshot is dropped before the next
 * statement is prepared.
 */
final class CatalogSnapshots {
  /** The catalog generation each connection's schema object was last refreshed at. */
  private static final Map<CalciteSchema, Long> SEEN = new WeakHashMap<>();

  private CatalogSnapshots() {
  }

  static void refresh(CalciteSchema root) {
    for (CalciteSchema catalog : root.getSubSchemaMap().values()) {
      BackendCatalogSchema backend = catalog.schema instanceof org.apache.calcite.schema.Wrapper w
          ? w.unwrap(BackendCatalogSchema.class) : null;
      if (backend == null) {
        continue;
      }
      long generation = backend.generation();
      Long seen;
      synchronized (SEEN) {
        seen = SEEN.put(catalog, generation);
      }
      if (seen != null && seen != generation) {
        catalog.setCache(false);
        catalog.setCache(true);
      }
    }
  }
}
