package io.meridian.adapter.delta;

import io.meridian.adapter.CatalogConfigException;
import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.StorageBackend;
import io.meridian.adapter.StorageBackendFactory;

import io.delta.kernel.defaults.engine.DefaultEngine;

import org.apache.hadoop.conf.Configuration;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Serves a directory of Delta tables. Fields: {@code path}, an existing directory holding
 * {@code <schema>/<table>/_delta_log}; {@code reader}: {@code auto} (DuckDB where the files
 * allow it, else Kernel's reader) or {@code kernel} (always Kernel's reader).
 */
public final class DeltaBackendFactory implements StorageBackendFactory {
  @Override public String type() {
    return "delta";
  }

  @Override public StorageBackend create(CatalogSpec spec) {
    Path root = Path.of(spec.require("path")).toAbsolutePath().normalize();
    if (!Files.isDirectory(root)) {
      throw new CatalogConfigException(spec.name(), "path",
          "must be an existing directory (got " + root + ")");
    }
    String reader = spec.optional("reader").orElse("auto");
    if (!reader.equals("auto") && !reader.equals("kernel")) {
      throw new CatalogConfigException(spec.name(), "reader",
          "must be 'auto' or 'kernel' (got '" + reader + "')");
    }
    return new DeltaBackend(spec, root, DefaultEngine.create(new Configuration()),
        reader.equals("kernel"));
  }
}
