package io.meridian.server.demo;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;

import io.meridian.adapter.CatalogSpec;
import io.meridian.server.config.MeridianConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The embedded default: a federated TPC-H-derived data set served with no installs.
 *
 * <ul>
 *   <li>{@code shop}: an embedded PostgreSQL (io.zonky) holding customer, orders, nation, region
 *   in database {@code shop}, schema {@code public};
 *   <li>{@code analytics}: an embedded DuckDB file holding part, partsupp, supplier in schema
 *   {@code tpch};
 *   <li>{@code lake}: Parquet files holding lineitem, {@code lake.tpch.lineitem}.
 * </ul>
 *
 * <p>Data are generated on first start into {@code <data-dir>/demo/sf-<scale>/} and reused
 * afterwards. A DuckDB database with all eight tables ({@code colocated.duckdb}) is kept beside
 * them: it is the oracle for differential tests and the co-located baseline for benchmarks.
 */
public final class DemoEnvironment implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DemoEnvironment.class);

  /** Where each table of the demo lives. */
  public static final ImmutableMap<String, String> LAYOUT = ImmutableMap.<String, String>builder()
      .put("customer", "shop").put("orders", "shop").put("nation", "shop").put("region", "shop")
      .put("part", "analytics").put("partsupp", "analytics").put("supplier", "analytics")
      .put("lineitem", "lake")
      .buildOrThrow();

  private static final String READY = "READY";

  private final Path dir;
  private final EmbeddedPostgres postgres;
  private final double scale;
  private final DataDirectoryLock lock;

  private DemoEnvironment(Path dir, EmbeddedPostgres postgres, double scale,
      DataDirectoryLock lock) {
    this.dir = dir;
    this.postgres = postgres;
    this.scale = scale;
    this.lock = lock;
  }

  /** Generates the data if missing, starts the embedded PostgreSQL, and returns the demo. */
  public static DemoEnvironment start(Path dataDir, double scale)
      throws IOException, SQLException {
    if (!(scale > 0) || scale > 100) {
      throw new IllegalArgumentException("demo scale must be > 0 and <= 100, got " + scale);
    }
    Path dir = dataDir.resolve("demo").resolve("sf-" + format(scale)).toAbsolutePath();
    Files.createDirectories(dir.getParent());
    DataDirectoryLock lock = DataDirectoryLock.acquire(dir.getParent());
    try {
      return start(dir, scale, lock);
    } catch (IOException | SQLException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  private static DemoEnvironment start(Path dir, double scale, DataDirectoryLock lock)
      throws IOException, SQLException {
    boolean fresh = !Files.exists(dir.resolve(READY));
    if (fresh) {
      if (Files.exists(dir)) {
        LOG.info("Removing incomplete demo data in {}", dir);
        deleteRecursively(dir);
      }
      Files.createDirectories(dir);
    }
    EmbeddedPostgres postgres = startPostgres(dir.resolve("postgres"));
    DemoEnvironment demo = new DemoEnvironment(dir, postgres, scale, lock);
    try {
      if (fresh) {
        demo.generate();
      } else {
        LOG.info("Reusing demo data (TPC-H-derived, scale {}) in {}", format(scale), dir);
      }
    } catch (IOException | SQLException | RuntimeException e) {
      demo.close();
      throw e;
    }
    return demo;
  }

  private static EmbeddedPostgres startPostgres(Path dataDirectory) throws IOException {
    long start = System.nanoTime();
    EmbeddedPostgres pg = EmbeddedPostgres.builder()
        .setDataDirectory(dataDirectory)
        .setCleanDataDirectory(false)
        .setPort(0)
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setRegisterShutdownHook(true)
        .start();
    LOG.info("Embedded PostgreSQL started on 127.0.0.1:{} in {} ms", pg.getPort(),
        (System.nanoTime() - start) / 1_000_000);
    return pg;
  }

  private void generate() throws IOException, SQLException {
    long start = System.nanoTime();
    LOG.info("Generating the demo data set (TPC-H-derived, scale {}) into {}", format(scale),
        dir);
    Path staging = dir.resolve("staging");
    Map<String, Long> counts = TpchDataGenerator.generate(scale, staging);

    LOG.info("Loading the co-located oracle database (all tables in one DuckDB)");
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:" + colocatedDatabase());
         Statement s = duck.createStatement()) {
      s.execute("CREATE SCHEMA tpch");
      for (String table : TpchSchema.COLUMNS.keySet()) {
        s.execute(TpchSchema.createTable("tpch", table));
        s.execute("COPY tpch." + table + " FROM '" + staging.resolve(table + ".tbl")
            + "' (FORMAT csv, DELIMITER '|', HEADER false, QUOTE '')");
      }
      LOG.info("Writing lake/tpch/lineitem.parquet");
      Path lake = lakeDirectory().resolve("tpch");
      Files.createDirectories(lake);
      Path tmp = lake.resolve("_lineitem.parquet.tmp");
      s.execute("COPY tpch.lineitem TO '" + tmp + "' (FORMAT parquet)");
      Files.move(tmp, lake.resolve("lineitem.parquet"), StandardCopyOption.ATOMIC_MOVE);
    }

    LOG.info("Loading analytics.duckdb (part, partsupp, supplier)");
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:" + analyticsDatabase());
         Statement s = duck.createStatement()) {
      s.execute("CREATE SCHEMA tpch");
      for (Map.Entry<String, String> e : LAYOUT.entrySet()) {
        if (e.getValue().equals("analytics")) {
          s.execute(TpchSchema.createTable("tpch", e.getKey()));
          s.execute("COPY tpch." + e.getKey() + " FROM '" + staging.resolve(e.getKey() + ".tbl")
              + "' (FORMAT csv, DELIMITER '|', HEADER false, QUOTE '')");
        }
      }
      s.execute("CHECKPOINT");
    }

    LOG.info("Loading PostgreSQL database 'shop' (customer, orders, nation, region)");
    try (Connection pg = postgres.getPostgresDatabase().getConnection();
         Statement s = pg.createStatement()) {
      s.execute("CREATE DATABASE shop");
    }
    try (Connection pg = DriverManager.getConnection(postgresUrl(), "postgres", "");
         Statement s = pg.createStatement()) {
      CopyManager copy = new CopyManager(pg.unwrap(BaseConnection.class));
      for (Map.Entry<String, String> e : LAYOUT.entrySet()) {
        if (e.getValue().equals("shop")) {
          String table = e.getKey();
          s.execute(TpchSchema.createTable("public", table));
          try (Reader in = Files.newBufferedReader(staging.resolve(table + ".tbl"))) {
            long n = copy.copyIn("COPY public." + table
                + " FROM STDIN WITH (FORMAT text, DELIMITER '|')", in);
            LOG.info("  loaded shop.public.{}: {} rows", table, n);
          }
        }
      }
      s.execute("ANALYZE");
    }

    deleteRecursively(staging);
    Properties ready = new Properties();
    ready.setProperty("scale", format(scale));
    counts.forEach((t, n) -> ready.setProperty("rows." + t, Long.toString(n)));
    try (var out = Files.newBufferedWriter(dir.resolve(READY))) {
      ready.store(out, "Meridian demo data set, complete");
    }
    LOG.info("Demo data set ready in {} s", (System.nanoTime() - start) / 1_000_000_000);
  }

  /** Returns the JDBC URL of the demo's PostgreSQL database {@code shop}. */
  public String postgresUrl() {
    return postgresUrl("shop");
  }

  /** Returns the JDBC URL of a database of the demo's PostgreSQL server (user postgres). */
  public String postgresUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + database;
  }

  /** Returns the DuckDB file holding all eight tables in schema {@code tpch} (the oracle). */
  public Path colocatedDatabase() {
    return dir.resolve("colocated.duckdb");
  }

  /**
   * Opens the co-located database read-only (any number of readers may share the file) with
   * schema {@code tpch} as the default, so that the TPC-H queries run on it as written.
   */
  public Connection openColocated() throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:duckdb:" + colocatedDatabase(),
        io.meridian.adapter.duckdb.DuckDbDataSource.connectionProperties(true));
    try (Statement s = c.createStatement()) {
      s.execute("SET search_path = 'tpch'");
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** Returns the DuckDB file of the {@code analytics} catalog. */
  public Path analyticsDatabase() {
    return dir.resolve("analytics.duckdb");
  }

  /** Returns the root directory of the {@code lake} catalog. */
  public Path lakeDirectory() {
    return dir.resolve("lake");
  }

  /** Returns the scale factor of the data. */
  public double scale() {
    return scale;
  }

  /** Returns the catalogs of the demo, as a configuration file would declare them. */
  public ImmutableList<CatalogSpec> catalogs() {
    return ImmutableList.of(
        new CatalogSpec("shop", "postgres",
            Map.of("url", postgresUrl(), "user", "postgres", "password", "")),
        new CatalogSpec("analytics", "duckdb", Map.of("path", analyticsDatabase().toString())),
        new CatalogSpec("lake", "parquet", Map.of("path", lakeDirectory().toString())));
  }

  /** Returns a whole server configuration serving the demo. */
  public MeridianConfig config(String host, int port, Path dataDir) {
    return new MeridianConfig(host, port, "PROTOBUF", dataDir, catalogs());
  }

  /** Stops the embedded PostgreSQL; the data stay for the next start. */
  @Override public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      lock.close();
    }
  }

  /** Returns a scale factor as the data directories name it ({@code 0.1}, {@code 1}). */
  public static String format(double scale) {
    return BigDecimal.valueOf(scale).stripTrailingZeros().toPlainString();
  }

  /** Deletes a file or a directory with everything in it; nothing when it does not exist. */
  public static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
