package io.meridian.planner;

import io.meridian.adapter.CatalogVersion;

import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.schema.Wrapper;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * Keeps each connection's view of the catalogs current. A connection's schema objects remember
 * the names of a catalog's schemas and tables from first use (listing them is a metadata round
 * trip to the backend); the remembered names are dropped before the next statement is prepared
 * when
 * <ul>
 *   <li>DDL through Meridian (any connection) has changed the catalog since;
 *   <li>they are older than {@link #MAX_AGE_MILLIS} (a table dropped directly in the backend
 *   disappears within that time);
 *   <li>a statement names a schema or table they do not hold ({@link #refreshAll}: a table
 *   created directly in the backend is visible to the very next statement).
 * </ul>
 */
final class CatalogSnapshots {
  /** How long a connection trusts its list of a catalog's names without asking again. */
  static final long MAX_AGE_MILLIS = 10_000;

  /** What each connection-level catalog schema was last refreshed at. */
  private static final Map<CalciteSchema, Seen> SEEN = new WeakHashMap<>();

  private record Seen(long generation, long atMillis) {
  }

  private CatalogSnapshots() {
  }

  /**
   * Drops the out-of-date name lists of the catalogs under {@code root}, and with them the
   * connection's prepared queries ({@link PreparedStatementCache}).
   */
  static void refresh(CalciteSchema root) {
    refresh(root, false);
  }

  /** Drops every name list under {@code root}: a statement named something not in them. */
  static void refreshAll(CalciteSchema root) {
    refresh(root, true);
  }

  private static void refresh(CalciteSchema root, boolean force) {
    boolean refreshed = false;
    long now = System.currentTimeMillis();
    for (CalciteSchema catalog : root.getSubSchemaMap().values()) {
      CatalogVersion version = catalog.schema instanceof Wrapper
          ? ((Wrapper) catalog.schema).unwrap(CatalogVersion.class) : null;
      if (version == null) {
        continue;
      }
      long generation = version.generation();
      boolean stale;
      synchronized (SEEN) {
        Seen seen = SEEN.get(catalog);
        stale = seen == null || force || seen.generation() != generation
            || now - seen.atMillis() > MAX_AGE_MILLIS;
        if (stale) {
          SEEN.put(catalog, new Seen(generation, now));
        }
      }
      if (stale) {
        catalog.setCache(false);
        catalog.setCache(true);
        refreshed = true;
      }
      if (!version.cachesTables()) {
        // Its schemas' lookups go to the catalog each time. Calcite creates a schema's table
        // lookup on first use, enabled whatever the schema's flag says, and setCache does
        // nothing when the flag does not change: create the lookup, then switch it off.
        // (After a refresh the schema objects are new, so this is repeated every statement.)
        try {
          for (CalciteSchema schema : catalog.getSubSchemaMap().values()) {
            schema.tables();
            schema.setCache(true);
            schema.setCache(false);
          }
        } catch (RuntimeException e) {
          // The catalog is unreachable: only statements that read it fail, with its message.
        }
      }
    }
    if (refreshed) {
      PreparedStatementCache.clear(root);
    }
  }
}
