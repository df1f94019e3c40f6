package io.meridian.server.config;

import com.google.common.collect.ImmutableList;

import io.meridian.adapter.CatalogSpec;

import java.nio.file.Path;

import static java.util.Objects.requireNonNull;

/**
 * A whole, validated Meridian configuration.
 *
 * @param host the address the server binds to (127.0.0.1 unless configured)
 * @param port the HTTP port of the Avatica server; 0 picks a free port
 * @param serialization the Avatica wire format, {@code PROTOBUF} or {@code JSON}
 * @param dataDir where Meridian keeps its own data (demo data, workload log)
 * @param catalogs the catalogs, in file order
 */
public record MeridianConfig(String host, int port, String serialization, Path dataDir,
    ImmutableList<CatalogSpec> catalogs) {
  /** The default port. */
  public static final int DEFAULT_PORT = 8765;

  public MeridianConfig {
    requireNonNull(host, "host");
    requireNonNull(serialization, "serialization");
    requireNonNull(dataDir, "dataDir");
    requireNonNull(catalogs, "catalogs");
  }

  /** Returns a copy listening on another port. */
  public MeridianConfig withPort(int newPort) {
    return new MeridianConfig(host, newPort, serialization, dataDir, catalogs);
  }

  /** Returns a copy bound to another address. */
  public MeridianConfig withHost(String newHost) {
    return new MeridianConfig(newHost, port, serialization, dataDir, catalogs);
  }
}
