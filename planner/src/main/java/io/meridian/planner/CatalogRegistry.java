package io.meridian.planner;

import com.google.common.collect.ImmutableMap;

import io.meridian.adapter.CatalogConfigException;
import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.StorageBackend;
import io.meridian.adapter.StorageBackends;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The storage layer as the planner sees it: every configured catalog's backend, by name. Created
 * once per server and shared by all connections; closing it closes the backends.
 */
public final class CatalogRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogRegistry.class);

  /** The name of Meridian's own catalog, which no configured catalog may take. */
  public static final String RESERVED = "meridian";

  private final ImmutableMap<String, StorageBackend> backends;

  private CatalogRegistry(ImmutableMap<String, StorageBackend> backends) {
    this.backends = backends;
  }

  /**
   * Creates the backends of all catalogs. A configuration error in any catalog fails the whole
   * call (and closes what was created); an unreachable backend does not.
   */
  public static CatalogRegistry create(List<CatalogSpec> specs) {
    return create(specs, List.of());
  }

  /**
   * Creates the backends of all catalogs, plus Meridian's own ({@code builtIn}, e.g. the
   * workload log's {@code meridian}), whose names no configured catalog may take.
   */
  public static CatalogRegistry create(List<CatalogSpec> specs, List<StorageBackend> builtIn) {
    Map<String, StorageBackend> created = new LinkedHashMap<>();
    try {
      for (CatalogSpec spec : specs) {
        String key = spec.name().toLowerCase(Locale.ROOT);
        if (created.containsKey(key)) {
          throw new CatalogConfigException(spec.name(), "name",
              "is used by two catalogs (catalog names are case-insensitive)");
        }
        if (key.equals(RESERVED)) {
          throw new CatalogConfigException(spec.name(), "name",
              "is reserved for Meridian's own catalog (the workload log)");
        }
        created.put(key, StorageBackends.create(spec));
      }
      builtIn.forEach(b -> created.put(b.catalogName().toLowerCase(Locale.ROOT), b));
    } catch (RuntimeException e) {
      created.values().forEach(StorageBackend::close);
      builtIn.forEach(StorageBackend::close);
      throw e;
    }
    ImmutableMap.Builder<String, StorageBackend> builder = ImmutableMap.builder();
    created.values().forEach(b -> builder.put(b.catalogName(), b));
    return new CatalogRegistry(builder.build());
  }

  /** Returns the backends by catalog name, in configuration order. */
  public ImmutableMap<String, StorageBackend> backends() {
    return backends;
  }

  @Override public void close() {
    for (StorageBackend backend : backends.values()) {
      try {
        backend.close();
      } catch (RuntimeException e) {
        LOG.warn("closing {} failed: {}", backend, e.toString());
      }
    }
  }
}
