package io.meridian.adapter;

/**
 * Creates the {@link StorageBackend} for one configured catalog of a given type. Implementations
 * are registered in {@code META-INF/services/io.meridian.adapter.StorageBackendFactory}.
 */
public interface StorageBackendFactory {
  /** Returns the configuration type this factory serves, lower case. */
  String type();

  /**
   * Creates the backend. Validates the specification eagerly (throwing
   * {@link CatalogConfigException} for a missing or malformed field) but does not require the
   * backend to be reachable: a backend that is down is reported by
   * {@link StorageBackend#checkAvailable()} and retried, it does not stop other catalogs.
   */
  StorageBackend create(CatalogSpec spec);
}
