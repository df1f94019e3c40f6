package io.meridian.adapter;

import com.google.common.collect.ImmutableSortedMap;

import java.util.ServiceLoader;

/** The registry of backend types found on the class path. */
public final class StorageBackends {
  private static final ImmutableSortedMap<String, StorageBackendFactory> FACTORIES = load();

  private StorageBackends() {
  }

  private static ImmutableSortedMap<String, StorageBackendFactory> load() {
    ImmutableSortedMap.Builder<String, StorageBackendFactory> builder =
        ImmutableSortedMap.naturalOrder();
    for (StorageBackendFactory factory : ServiceLoader.load(StorageBackendFactory.class)) {
      builder.put(factory.type(), factory);
    }
    return builder.build();
  }

  /** Returns the names of all known backend types, sorted. */
  public static java.util.Set<String> types() {
    return FACTORIES.keySet();
  }

  /** Creates the backend for a catalog; an unknown type fails naming the catalog and field. */
  public static StorageBackend create(CatalogSpec spec) {
    StorageBackendFactory factory = FACTORIES.get(spec.type());
    if (factory == null) {
      throw new CatalogConfigException(spec.name(), "type",
          "has unknown value '" + spec.type() + "' (known types: "
              + String.join(", ", FACTORIES.keySet()) + ")");
    }
    return factory.create(spec);
  }
}
