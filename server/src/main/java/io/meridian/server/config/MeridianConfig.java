package io.meridian.server.config;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;

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
 * @param costOverrides cost-model coefficients that replace the built-in ones (section
 *     {@code cost} of the file), by key
 * @param usersFile the users allowed in (HTTP BASIC), one per line
 *     {@code name: MD5:<hash>, meridian} (Jetty's realm format; {@code CRYPT:} hashes too), or
 *     null for a server without authentication
 * @param tls the server's key for HTTPS, or null for plain HTTP
 * @param workloadLog whether statements are recorded in the workload log
 *     ({@code <dataDir>/workload/}, queried as {@code meridian.system.*})
 * @param calibration how cost coefficients are calibrated: {@link #CALIBRATION_AUTO},
 *     {@link #CALIBRATION_MANUAL} or {@link #CALIBRATION_OFF}
 * @param access which users may read and write which catalogs, or null for every
 *     authenticated user reading and writing all (needs {@code usersFile})
 * @param limits what one user may take of the server at once
 */
public record MeridianConfig(String host, int port, String serialization, Path dataDir,
    ImmutableList<CatalogSpec> catalogs, ImmutableMap<String, Double> costOverrides,
    @org.checkerframework.checker.nullness.qual.Nullable Path usersFile,
    @org.checkerframework.checker.nullness.qual.Nullable Tls tls, boolean workloadLog,
    String calibration, @org.checkerframework.checker.nullness.qual.Nullable AccessRules access,
    Limits limits) {
  /** Calibration refits coefficients from the workload log by itself, and on request. */
  public static final String CALIBRATION_AUTO = "auto";
  /** Calibration runs only on request ({@code CALIBRATE}); stored results are used. */
  public static final String CALIBRATION_MANUAL = "manual";
  /** No calibration: the built-in coefficients with the configuration's overrides, always. */
  public static final String CALIBRATION_OFF = "off";

  /**
   * The server's TLS key: a keystore file (PKCS12 or JKS) and its password, which
   * {@link #toString()} never shows.
   */
  public record Tls(Path keystore, String keystorePassword) {
    public Tls {
      requireNonNull(keystore, "keystore");
      requireNonNull(keystorePassword, "keystorePassword");
    }

    @Override public String toString() {
      return "Tls[keystore=" + keystore + ", keystorePassword=***]";
    }
  }

  /**
   * What one user (the authenticated user, else the user name the client gives) may take of
   * the server at once.
   *
   * @param statementsPerUser the most statements a user may have executing at once (a
   *     statement past it is refused with SQL state 53400); 0 for no limit
   */
  public record Limits(int statementsPerUser) {
    /** No limits. */
    public static final Limits NONE = new Limits(0);

    public Limits {
      if (statementsPerUser < 0) {
        throw new IllegalArgumentException("statementsPerUser must be >= 0");
      }
    }
  }

  /** Returns a copy with other limits. */
  public MeridianConfig withLimits(Limits newLimits) {
    return new MeridianConfig(host, port, serialization, dataDir, catalogs, costOverrides,
        usersFile, tls, workloadLog, calibration, access, newLimits);
  }

  /** The default port. */
  public static final int DEFAULT_PORT = 8765;

  public MeridianConfig {
    requireNonNull(host, "host");
    requireNonNull(serialization, "serialization");
    requireNonNull(dataDir, "dataDir");
    requireNonNull(catalogs, "catalogs");
    requireNonNull(costOverrides, "costOverrides");
    requireNonNull(calibration, "calibration");
    requireNonNull(limits, "limits");
    if (access != null && usersFile == null) {
      throw new IllegalArgumentException("access rules need a users file");
    }
  }

  /** A configuration that calibrates automatically ({@link #CALIBRATION_AUTO}). */
  public MeridianConfig(String host, int port, String serialization, Path dataDir,
      ImmutableList<CatalogSpec> catalogs, ImmutableMap<String, Double> costOverrides,
      @org.checkerframework.checker.nullness.qual.Nullable Path usersFile,
      @org.checkerframework.checker.nullness.qual.Nullable Tls tls, boolean workloadLog) {
    this(host, port, serialization, dataDir, catalogs, costOverrides, usersFile, tls,
        workloadLog, CALIBRATION_AUTO, null, Limits.NONE);
  }

  /** A configuration with the built-in cost coefficients and no authentication. */
  public MeridianConfig(String host, int port, String serialization, Path dataDir,
      ImmutableList<CatalogSpec> catalogs) {
    this(host, port, serialization, dataDir, catalogs, ImmutableMap.of(), null, null, true);
  }

  /** Returns a copy listening on another port. */
  public MeridianConfig withPort(int newPort) {
    return new MeridianConfig(host, newPort, serialization, dataDir, catalogs, costOverrides,
        usersFile, tls, workloadLog, calibration, access, limits);
  }

  /** Returns a copy with other cost coefficient overrides. */
  public MeridianConfig withCostOverrides(ImmutableMap<String, Double> overrides) {
    return new MeridianConfig(host, port, serialization, dataDir, catalogs, overrides, usersFile,
        tls, workloadLog, calibration, access, limits);
  }

  /** Returns a copy bound to another address. */
  public MeridianConfig withHost(String newHost) {
    return new MeridianConfig(newHost, port, serialization, dataDir, catalogs, costOverrides,
        usersFile, tls, workloadLog, calibration, access, limits);
  }

  /** Returns a copy keeping its data elsewhere. */
  public MeridianConfig withDataDir(Path newDataDir) {
    return new MeridianConfig(host, port, serialization, newDataDir, catalogs, costOverrides,
        usersFile, tls, workloadLog, calibration, access, limits);
  }

  /** Returns a copy that serves HTTPS with this key. */
  public MeridianConfig withTls(Tls newTls) {
    return new MeridianConfig(host, port, serialization, dataDir, catalogs, costOverrides,
        usersFile, newTls, workloadLog, calibration, access, limits);
  }

  /** Returns a copy that lets in only the users of a file (HTTP BASIC). */
  public MeridianConfig withUsersFile(Path file) {
    return new MeridianConfig(host, port, serialization, dataDir, catalogs, costOverrides, file,
        tls, workloadLog, calibration, access, limits);
  }

  /** Returns a copy with the workload log on or off. */
  public MeridianConfig withWorkloadLog(boolean on) {
    return new MeridianConfig(host, port, serialization, dataDir, catalogs, costOverrides,
        usersFile, tls, on, calibration, access, limits);
  }

  /** Returns a copy with another calibration mode (auto, manual or off). */
  public MeridianConfig withCalibration(String mode) {
    return new MeridianConfig(host, port, serialization, dataDir, catalogs, costOverrides,
        usersFile, tls, workloadLog, mode, access, limits);
  }

  /** Returns a copy with access rules (the users file must be set). */
  public MeridianConfig withAccess(AccessRules rules) {
    return new MeridianConfig(host, port, serialization, dataDir, catalogs, costOverrides,
        usersFile, tls, workloadLog, calibration, rules, limits);
  }
}
