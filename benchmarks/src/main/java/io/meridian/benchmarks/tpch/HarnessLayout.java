package io.meridian.benchmarks.tpch;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;

import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.duckdb.DuckDbDataSource;
import io.meridian.adapter.duckdb.DuckDbSqlDialect;
import io.meridian.server.backends.ClickHouseServer;
import io.meridian.server.backends.TpchLoader;
import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.demo.TpchSchema;
import io.meridian.server.testing.TpchQueries;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the harness's eight TPC-H tables live, and the engines that hold them, started and
 * loaded for a run. Every system under test reads the same places: Meridian through one catalog
 * per place, Trino through one connector catalog per place with the same names, plain Calcite
 * through one {@code JdbcSchema} per place.
 *
 * <ul>
 *   <li>{@code demo}: the demo's own layout ({@link DemoEnvironment}): customer, orders, nation,
 *   region in PostgreSQL ({@code shop}); part, partsupp, supplier in a DuckDB file
 *   ({@code analytics}); lineitem in Parquet ({@code lake}).
 *   <li>{@code clickhouse}: orders and customer in PostgreSQL ({@code shop}); part and partsupp
 *   in a real ClickHouse server ({@code ch}, MergeTree tables in database {@code tpch}); supplier,
 *   nation, region in a DuckDB file ({@code geo}); lineitem in Parquet ({@code lake}). ClickHouse
 *   and the DuckDB file are loaded from the co-located oracle on first use and kept under the work
 *   directory.
 * </ul>
 */
final class HarnessLayout implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HarnessLayout.class);

  /** The layouts the harness knows, with a line each for {@code --help}. */
  static final ImmutableMap<String, String> KNOWN = ImmutableMap.of(
      "demo", "customer, orders, nation, region in PostgreSQL, part, partsupp, supplier in a"
          + " DuckDB file, lineitem in Parquet",
      "clickhouse", "orders, customer in PostgreSQL, part, partsupp in ClickHouse, supplier,"
          + " nation, region in a DuckDB file, lineitem in Parquet");

  /** The kind of engine a place is. */
  enum Kind { POSTGRES, DUCKDB, PARQUET, CLICKHOUSE }

  /**
   * One place tables live: the catalog (and Trino catalog, and plain-Calcite schema) name, the
   * schema inside it, and where it is: a JDBC URL (PostgreSQL, ClickHouse) or a path (the DuckDB
   * file, the lake's root directory).
   */
  record Place(String catalog, Kind kind, String schema, String location) {
  }

  private final String name;
  private final DemoEnvironment demo;
  private final ImmutableMap<String, Place> placeOfTable;
  private final ClickHouseServer clickHouse;

  private HarnessLayout(String name, DemoEnvironment demo, Map<String, Place> placeOfTable,
      ClickHouseServer clickHouse) {
    this.name = name;
    this.demo = demo;
    this.placeOfTable = ImmutableMap.copyOf(placeOfTable);
    this.clickHouse = clickHouse;
  }

  /** Starts (and loads on first use) the engines of layout {@code name} over the demo's data. */
  static HarnessLayout open(String name, DemoEnvironment demo, Path workDir) throws Exception {
    Place shop = new Place("shop", Kind.POSTGRES, "public", demo.postgresUrl());
    Place lake = new Place("lake", Kind.PARQUET, "tpch", demo.lakeDirectory().toString());
    Map<String, Place> places = new LinkedHashMap<>();
    switch (name) {
    case "demo": {
      Place analytics = new Place("analytics", Kind.DUCKDB, "tpch",
          demo.analyticsDatabase().toString());
      DemoEnvironment.LAYOUT.forEach((table, catalog) -> places.put(table,
          switch (catalog) {
            case "shop" -> shop;
            case "analytics" -> analytics;
            default -> lake;
          }));
      return new HarnessLayout(name, demo, places, null);
    }
    case "clickhouse": {
      Path dir = workDir.resolve("layout-clickhouse")
          .resolve("sf-" + DemoEnvironment.format(demo.scale()));
      Path geoFile = duckDbWith(demo, dir.resolve("geo.duckdb"),
          List.of("supplier", "nation", "region"));
      ClickHouseServer server = startClickHouse(demo, dir, List.of("part", "partsupp"));
      Place geo = new Place("geo", Kind.DUCKDB, "tpch", geoFile.toString());
      Place ch = new Place("ch", Kind.CLICKHOUSE, "tpch", server.jdbcUrl("default"));
      places.put("orders", shop);
      places.put("customer", shop);
      places.put("part", ch);
      places.put("partsupp", ch);
      places.put("supplier", geo);
      places.put("nation", geo);
      places.put("region", geo);
      places.put("lineitem", lake);
      return new HarnessLayout(name, demo, places, server);
    }
    default:
      throw new IllegalArgumentException("unknown layout '" + name + "'; known: "
          + String.join(", ", KNOWN.keySet()));
    }
  }

  String name() {
    return name;
  }

  DemoEnvironment demo() {
    return demo;
  }

  /** Returns the place of each of the eight tables. */
  ImmutableMap<String, Place> placeOfTable() {
    return placeOfTable;
  }

  /** Returns each place once, in the order of the tables. */
  ImmutableList<Place> places() {
    return ImmutableList.copyOf(new java.util.LinkedHashSet<>(placeOfTable.values()));
  }

  /** Returns query {@code n} with each table qualified as {@code catalog.schema.table}. */
  String qualified(int n) {
    Map<String, String> prefix = new LinkedHashMap<>();
    placeOfTable.forEach((table, place) -> prefix.put(table,
        place.catalog() + "." + place.schema()));
    return TpchQueries.qualifyEach(TpchQueries.query(n), prefix);
  }

  /** Returns the layout's places as Meridian catalogs. */
  ImmutableList<CatalogSpec> meridianCatalogs() {
    List<CatalogSpec> out = new ArrayList<>();
    for (Place p : places()) {
      out.add(switch (p.kind()) {
        case POSTGRES -> new CatalogSpec(p.catalog(), "postgres",
            Map.of("url", p.location(), "user", "postgres", "password", ""));
        case DUCKDB -> new CatalogSpec(p.catalog(), "duckdb", Map.of("path", p.location()));
        case PARQUET -> new CatalogSpec(p.catalog(), "parquet", Map.of("path", p.location()));
        case CLICKHOUSE -> new CatalogSpec(p.catalog(), "clickhouse",
            Map.of("url", p.location()));
      });
    }
    return ImmutableList.copyOf(out);
  }

  /** Returns the ClickHouse server's HTTP port (layouts with ClickHouse only). */
  int clickHousePort() {
    if (clickHouse == null) {
      throw new IllegalStateException("layout " + name + " has no ClickHouse");
    }
    return clickHouse.port();
  }

  /** Stops the engines this layout started (the demo's own are the caller's). */
  @Override public void close() {
    if (clickHouse != null) {
      clickHouse.close();
    }
  }

  /** A DuckDB file holding {@code tables} of the oracle in schema tpch; made once. */
  private static Path duckDbWith(DemoEnvironment demo, Path file, List<String> tables)
      throws IOException, SQLException {
    if (Files.exists(file)) {
      return file;
    }
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling("_" + file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.deleteIfExists(tmp.resolveSibling(tmp.getFileName() + ".wal"));
    LOG.info("Layout: writing {} ({})", file, String.join(", ", tables));
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:" + tmp,
        DuckDbDataSource.connectionProperties(false));
        Statement s = duck.createStatement()) {
      s.execute("ATTACH " + DuckDbSqlDialect.literal(demo.colocatedDatabase().toString())
          + " AS oracle (READ_ONLY)");
      s.execute("CREATE SCHEMA tpch");
      for (String table : tables) {
        s.execute(TpchSchema.createTable("tpch", table));
        s.execute("INSERT INTO tpch." + table + " SELECT * FROM oracle.tpch." + table);
      }
      s.execute("DETACH oracle");
      s.execute("CHECKPOINT");
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    return file;
  }

  /**
   * Starts ClickHouse with its data under {@code dir}, loading {@code tables} from the oracle
   * the first time (a marker file says the load completed).
   */
  private static ClickHouseServer startClickHouse(DemoEnvironment demo, Path dir,
      List<String> tables) throws Exception {
    Path data = dir.resolve("clickhouse");
    Path loaded = dir.resolve("clickhouse.loaded");
    if (!Files.exists(loaded) && Files.exists(data)) {
      DemoEnvironment.deleteRecursively(data);
    }
    long start = System.nanoTime();
    ClickHouseServer server = ClickHouseServer.start(repositoryRoot(), data);
    LOG.info("Layout: ClickHouse serving on 127.0.0.1:{} in {} ms", server.port(),
        (System.nanoTime() - start) / 1_000_000);
    try {
      if (!Files.exists(loaded)) {
        Path csv = dir.resolve("csv");
        LOG.info("Layout: loading {} into ClickHouse", String.join(", ", tables));
        TpchLoader.exportCsv(demo.colocatedDatabase(), csv, tables);
        TpchLoader.loadClickHouse(server.port(), csv, tables);
        DemoEnvironment.deleteRecursively(csv);
        Files.writeString(loaded, String.join(",", tables) + "\n");
        LOG.info("Layout: ClickHouse loaded in {} ms", (System.nanoTime() - start) / 1_000_000);
      }
      return server;
    } catch (Exception | Error e) {
      server.close();
      throw e;
    }
  }

  /**
   * The repository's root, where {@code adapters/clickhouse/scripts/clickhouse-server.sh} is:
   * {@code -Dmeridian.home} (set by {@code ./meridian}), else the nearest ancestor of the working
   * directory that has it.
   */
  private static Path repositoryRoot() {
    String script = "adapters/clickhouse/scripts/clickhouse-server.sh";
    String home = System.getProperty("meridian.home");
    if (home != null && Files.exists(Path.of(home).resolve(script))) {
      return Path.of(home);
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve(script))) {
        return dir;
      }
    }
    throw new IllegalStateException("cannot find " + script + " (run from the repository, or"
        + " set -Dmeridian.home)");
  }
}
