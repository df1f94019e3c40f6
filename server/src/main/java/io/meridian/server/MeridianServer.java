package io.meridian.server;

import io.meridian.adapter.StorageBackend;
import io.meridian.cost.EngineCoefficients;
import io.meridian.planner.CatalogRegistry;
import io.meridian.planner.MeridianDriver;
import io.meridian.server.config.MeridianConfig;
import io.meridian.server.workload.CostCalibrator;
import io.meridian.server.workload.WorkloadLog;

import org.apache.calcite.avatica.remote.Driver.Serialization;
import org.apache.calcite.avatica.remote.LocalService;
import org.apache.calcite.avatica.server.AvaticaHandler;
import org.apache.calcite.avatica.server.AvaticaJsonHandler;
import org.apache.calcite.avatica.server.HttpServer;
import org.apache.calcite.avatica.server.ServerCustomizer;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * A running Meridian server: the catalogs, the engine, and the Avatica HTTP endpoint that JDBC
 * clients (sqlline, DBeaver, BI tools) connect to with the Avatica thin driver.
 *
 * <p>Backends are probed at start-up. One that does not answer is reported and probed again in
 * the background; it never stops the other catalogs from serving, and statements that need it
 * fail with a message naming it.
 */
public final class MeridianServer implements AutoCloseable {
  static {
    // Calcite compiles each statement's generated Java with Janino (tens of milliseconds);
    // keep the compiled classes of recent statements, so a statement run again (a dashboard's
    // query, a prepared point lookup) skips the compiler. Must be set before Calcite reads it.
    System.getProperties().putIfAbsent("calcite.bindable.cache.maxSize", "1000");
  }

  private static final Logger LOG = LoggerFactory.getLogger(MeridianServer.class);
  private static final long RETRY_SECONDS = 15;

  private final MeridianConfig config;
  private final CatalogRegistry catalogs;
  private final MeridianDriver driver;
  private final MeridianMeta meta;
  private final WorkloadLog workload;
  private final CostCalibrator calibrator;
  private final HttpServer http;
  private final ScheduledExecutorService prober;
  private final Map<String, Boolean> available;

  private MeridianServer(MeridianConfig config, CatalogRegistry catalogs, MeridianDriver driver,
      MeridianMeta meta, WorkloadLog workload, CostCalibrator calibrator, HttpServer http,
      ScheduledExecutorService prober, Map<String, Boolean> available) {
    this.workload = workload;
    this.calibrator = calibrator;
    this.config = config;
    this.catalogs = catalogs;
    this.driver = driver;
    this.meta = meta;
    this.available = available;
    this.http = http;
    this.prober = prober;
  }

  /** The role every user of a users file must have to be let in. */
  public static final String USER_ROLE = "meridian";

  /** Creates the catalogs, probes them and starts serving. */
  public static MeridianServer start(MeridianConfig config) throws SQLException {
    requireNonNull(config, "config");
    WorkloadLog workload = config.workloadLog() ? openWorkloadLog(config.dataDir()) : null;
    CostCalibrator calibrator = null;
    CatalogRegistry catalogs;
    try {
      catalogs = CatalogRegistry.create(config.catalogs(),
          workload == null ? List.of() : List.of(workload.catalog()));
    } catch (RuntimeException e) {
      if (workload != null) {
        workload.close();
      }
      throw e;
    }
    try {
      MeridianDriver driver = new MeridianDriver(catalogs,
          EngineCoefficients.builtIn().withOverrides(config.costOverrides()));
      Properties cache = new Properties();
      MeridianMeta meta = new MeridianMeta(driver, cache, workload, config.limits());
      if (workload != null) {
        workload.loadObservationsInto(driver.observedCardinalities());
        if (!config.calibration().equals(MeridianConfig.CALIBRATION_OFF)) {
          // The starting coefficients give way to the newest calibrated ones.
          calibrator = CostCalibrator.start(workload, driver,
              config.calibration().equals(MeridianConfig.CALIBRATION_AUTO));
        }
      }
      Serialization serialization = Serialization.valueOf(config.serialization());
      ServerCustomizer<Server> bind = server -> {
        for (Connector c : server.getConnectors()) {
          if (c instanceof ServerConnector) {
            ServerConnector connector = (ServerConnector) c;
            connector.setHost(config.host());
            SslConnectionFactory tls = connector.getConnectionFactory(SslConnectionFactory.class);
            if (tls != null) {
              connector.addFirstConnectionFactory(new PlainHttpRefusal(tls));
            }
          }
        }
      };
      LocalService service = new LocalService(meta);
      AvaticaHandler avatica = serialization == Serialization.JSON
          ? new AvaticaJsonHandler(service) : new ProtobufEndpoint(service);
      Map<String, Boolean> available = new ConcurrentHashMap<>();
      HttpServer.Builder<Server> builder = new HttpServer.Builder<Server>()
          .withHandler(new HealthEndpoint(avatica, () -> Map.copyOf(available), meta.monitor(),
              config.access()))
          .withPort(config.port())
          .withServerCustomizers(List.of(bind), Server.class);
      if (config.usersFile() != null) {
        // HTTP BASIC against the users file; every user needs the role 'meridian'.
        builder.withBasicAuthentication(config.usersFile().toString(),
            new String[] {USER_ROLE});
        LOG.info("Authentication: HTTP BASIC, users from {}; {}", config.usersFile(),
            config.access() == null ? "every user reads and writes every catalog"
                : "catalog access by the rules of section 'access'");
      }
      if (config.tls() != null) {
        java.io.File keystore = config.tls().keystore().toFile();
        builder.withTLS(keystore, config.tls().keystorePassword(), keystore,
            config.tls().keystorePassword());
        LOG.info("TLS: HTTPS with the key in {}", config.tls().keystore());
      }
      HttpServer http = builder.build();
      if (config.usersFile() == null && !config.host().equals("127.0.0.1")
          && !config.host().equals("localhost") && !config.host().equals("::1")) {
        LOG.warn("Binding to {} without authentication: anyone who can reach this address can"
            + " query every catalog", config.host());
      }
      ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "meridian-backend-prober");
        t.setDaemon(true);
        return t;
      });
      MeridianServer server =
          new MeridianServer(config, catalogs, driver, meta, workload, calibrator, http,
              prober, available);
      server.probeAll(true);
      http.start();
      prober.scheduleWithFixedDelay(() -> server.probeAll(false), RETRY_SECONDS,
          RETRY_SECONDS, TimeUnit.SECONDS);
      return server;
    } catch (RuntimeException | SQLException e) {
      if (calibrator != null) {
        calibrator.close();
      }
      if (workload != null) {
        workload.close();
      }
      catalogs.close();
      throw e;
    }
  }

  private void probeAll(boolean startup) {
    for (StorageBackend backend : catalogs.backends().values()) {
      Boolean before = available.get(backend.catalogName());
      if (!startup && Boolean.TRUE.equals(before)) {
        continue; // only backends that were down are probed again
      }
      try {
        backend.checkAvailable();
        available.put(backend.catalogName(), true);
        if (startup) {
          LOG.info("catalog '{}' ({}) is available", backend.catalogName(), backend.type());
        } else {
          LOG.info("catalog '{}' ({}) is available again", backend.catalogName(),
              backend.type());
        }
      } catch (SQLException | RuntimeException e) {
        available.put(backend.catalogName(), false);
        if (startup) {
          LOG.warn("{}; the other catalogs are served, and it is retried every {} s",
              e.getMessage(), RETRY_SECONDS);
        } else {
          LOG.debug("still unavailable: {}", e.getMessage());
        }
      }
    }
  }

  /**
   * Opens the workload log in the data directory; a log that cannot be opened (e.g. a
   * read-only directory, or another server using it) is reported and left off, never fatal.
   */
  private static WorkloadLog openWorkloadLog(java.nio.file.Path dataDir) {
    try {
      return WorkloadLog.open(dataDir);
    } catch (java.io.IOException | SQLException | RuntimeException e) {
      LOG.warn("Workload log is off: cannot open it in {}: {}", dataDir, e.getMessage());
      return null;
    }
  }

  /** Returns the workload log, or null when it is off. */
  public WorkloadLog workloadLog() {
    return workload;
  }

  /** Returns whether each catalog answered its last probe. */
  public Map<String, Boolean> catalogAvailability() {
    return Map.copyOf(available);
  }

  /** Returns the port the server listens on. */
  public int port() {
    return http.getPort();
  }

  /** Returns the JDBC URL a client gives the Avatica thin driver. */
  public String jdbcUrl() {
    String host = config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host();
    return "jdbc:avatica:remote:url=" + (config.tls() == null ? "http" : "https") + "://" + host
        + ":" + port() + ";serialization=" + config.serialization();
  }

  /**
   * Returns the JDBC URL a client gives Meridian's own driver
   * ({@link io.meridian.jdbc.MeridianClientDriver}): Avatica's protocol, with cancel, keys and
   * fewer round trips.
   */
  public String clientUrl() {
    return io.meridian.jdbc.MeridianClientDriver.urlFor(jdbcUrl());
  }

  /** Returns the engine driver (for in-process use: tests, benchmarks). */
  public MeridianDriver driver() {
    return driver;
  }

  /**
   * Stops serving: no new requests, every client connection closed, then every backend closed.
   * A backend that does not close within ten seconds (a statement still running in it) is left
   * to the process exit; embedded DuckDB files stay consistent through their write-ahead log.
   */
  @Override public void close() {
    prober.shutdownNow();
    http.stop();
    meta.closeAllConnections();
    if (calibrator != null) {
      calibrator.close();
    }
    if (workload != null) {
      workload.close(); // writes what is queued, before the catalogs (and its database) close
    }
    Thread closer = new Thread(catalogs::close, "meridian-close-catalogs");
    closer.setDaemon(true);
    closer.start();
    try {
      closer.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (closer.isAlive()) {
      LOG.warn("some catalogs did not close within 10 s; exiting anyway");
    }
  }

  /** Blocks until the HTTP server stops. */
  public void join() throws InterruptedException {
    http.join();
  }
}
