package io.meridian.benchmarks;

import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.duckdb.DuckDbSqlDialect;
import io.meridian.server.MeridianServer;
import io.meridian.server.config.MeridianConfig;
import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.lake.DeltaWarehouse;
import io.meridian.server.lake.IcebergWarehouse;
import io.meridian.server.testing.TpchQueries;

import com.google.common.collect.ImmutableList;

import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.io.CloseableIterable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import static io.meridian.benchmarks.Measurements.geomean;
import static io.meridian.benchmarks.Measurements.median;

/**
 * Lake scans: TPC-H {@code lineitem} as one Parquet file ({@code parquet} catalog), as an
 * Iceberg table partitioned by month of {@code l_shipdate} (written by Iceberg's writers) and
 * as a Delta table (written by Delta Kernel's writer), Q1
 * and Q6 through Meridian (Avatica over HTTP) and through DuckDB reading the same files
 * directly, alternately in one process; and, through Meridian, a one-month filter on the
 * partitioned table against a scan of the whole table.
 *
 * <p>Run: {@code java -cp ... io.meridian.benchmarks.LakeScanBenchmark [scale] [repetitions]};
 * a Markdown table on stdout.
 */
public final class LakeScanBenchmark {
  private static final Logger LOG = LoggerFactory.getLogger(LakeScanBenchmark.class);

  private LakeScanBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
    int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path dataDir = Path.of(System.getProperty("meridian.bench.data", "data")).toAbsolutePath();
    StringBuilder md = new StringBuilder();
    try (DemoEnvironment demo = DemoEnvironment.start(dataDir, scale)) {
      Path warehouseDir = dataDir.resolve("bench-iceberg-sf-" + scale);
      IcebergWarehouse warehouse = IcebergWarehouse.hadoop(warehouseDir);
      Table lineitem = writeOnce(warehouse, demo, warehouseDir);
      List<String> files = new ArrayList<>();
      try (CloseableIterable<FileScanTask> tasks = lineitem.newScan().planFiles()) {
        tasks.forEach(t -> files.add(t.file().location().replaceFirst("^file:", "")));
      }
      Path parquet = demo.lakeDirectory().resolve("tpch").resolve("lineitem.parquet");
      Path deltaDir = dataDir.resolve("bench-delta-sf-" + scale);
      List<String> deltaFiles = writeDeltaOnce(demo, deltaDir);
      MeridianServer server = MeridianServer.start(new MeridianConfig("127.0.0.1", 0, "PROTOBUF",
          dataDir.resolve("bench-server"), ImmutableList.of(
              new CatalogSpec("lake", "parquet",
                  Map.of("path", demo.lakeDirectory().toString())),
              new CatalogSpec("ice", "iceberg", Map.of("warehouse", warehouseDir.toString())),
              new CatalogSpec("dl", "delta", Map.of("path", deltaDir.toString())))));
      try (Connection meridian = DriverManager.getConnection(server.jdbcUrl());
           Connection direct = DriverManager.getConnection("jdbc:duckdb:")) {
        try (Statement s = direct.createStatement()) {
          s.execute("CREATE VIEW parquet_lineitem AS SELECT * FROM read_parquet("
              + DuckDbSqlDialect.literal(parquet.toString()) + ")");
          s.execute("CREATE VIEW iceberg_lineitem AS SELECT * FROM read_parquet("
              + files.stream().map(DuckDbSqlDialect::literal)
                  .collect(Collectors.joining(", ", "[", "]")) + ")");
          s.execute("CREATE VIEW delta_lineitem AS SELECT * FROM read_parquet("
              + deltaFiles.stream().map(DuckDbSqlDialect::literal)
                  .collect(Collectors.joining(", ", "[", "]")) + ")");
        }
        md.append(String.format(Locale.ROOT, "%n### lineitem, SF %s (%d Iceberg data files)%n%n",
            scale, files.size()))
            .append("| query | Meridian (ms) | DuckDB direct (ms) | ratio |\n")
            .append("|---|---:|---:|---:|\n");
        List<Double> ratios = new ArrayList<>();
        for (int q : new int[] {1, 6}) {
          String sql = TpchQueries.query(q);
          ratios.add(compare(md, "Q" + q + " Parquet", meridian,
              TpchQueries.qualifyAll(sql, "lake.tpch"), direct,
              sql.replaceAll("\\blineitem\\b", "parquet_lineitem"), repetitions));
          ratios.add(compare(md, "Q" + q + " Iceberg", meridian,
              TpchQueries.qualifyAll(sql, "ice.tpch"), direct,
              sql.replaceAll("\\blineitem\\b", "iceberg_lineitem"), repetitions));
          ratios.add(compare(md, "Q" + q + " Delta", meridian,
              TpchQueries.qualifyAll(sql, "dl.tpch"), direct,
              sql.replaceAll("\\blineitem\\b", "delta_lineitem"), repetitions));
        }
        md.append(String.format(Locale.ROOT, "%nGeometric mean of the ratio: **%.3f**.%n",
            geomean(ratios)));

        String full = "SELECT count(*), sum(l_extendedprice) FROM ice.tpch.lineitem";
        String month = full + " WHERE l_shipdate >= DATE '1995-06-01'"
            + " AND l_shipdate < DATE '1995-07-01'";
        double[] f = new double[repetitions];
        double[] m = new double[repetitions];
        Drain.run(meridian, full);
        Drain.run(meridian, month);
        for (int r = 0; r < repetitions; r++) {
          f[r] = time(meridian, full);
          m[r] = time(meridian, month);
        }
        md.append(String.format(Locale.ROOT, "%n| Iceberg, through Meridian | ms |%n|---|---:|%n"
            + "| whole table: `count(*), sum(l_extendedprice)` | %.1f |%n"
            + "| one month of %d (partition filter on `l_shipdate`) | %.1f |%n"
            + "| speed-up | **%.1f×** |%n", median(f), lineitem.spec().isUnpartitioned() ? 0
            : files.size(), median(m), median(f) / median(m)));
      } finally {
        server.close();
      }
    }
    System.out.println(md);
  }

  /** Writes lineitem into the warehouse once per data directory, partitioned by month. */
  private static Table writeOnce(IcebergWarehouse warehouse, DemoEnvironment demo,
      Path warehouseDir) throws Exception {
    TableIdentifier id = TableIdentifier.of("tpch", "lineitem");
    Path ready = warehouseDir.resolve("READY");
    if (Files.exists(ready)) {
      return warehouse.catalog().loadTable(id);
    }
    if (warehouse.catalog().tableExists(id)) {
      warehouse.catalog().dropTable(id, true);
    }
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + demo.colocatedDatabase(),
        io.meridian.adapter.duckdb.DuckDbDataSource.connectionProperties(true))) {
      Schema schema;
      try (Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT * FROM tpch.lineitem LIMIT 0")) {
        schema = IcebergWarehouse.schemaOf(rs.getMetaData());
      }
      Table table = warehouse.create("tpch", "lineitem", schema,
          PartitionSpec.builderFor(schema).month("l_shipdate").build());
      LOG.info("writing lineitem (SF {}) as Iceberg, partitioned by month(l_shipdate)",
          demo.scale());
      long start = System.nanoTime();
      long rows = warehouse.appendQuery(table, c,
          "SELECT * FROM tpch.lineitem ORDER BY l_shipdate");
      LOG.info("wrote {} rows in {} s", rows, (System.nanoTime() - start) / 1_000_000_000);
      Files.writeString(ready, "ready\n");
      return table;
    }
  }

  /**
   * Writes lineitem as an unpartitioned Delta table once per data directory (Delta Kernel's
   * writer, one commit per million rows); returns its data files.
   */
  private static List<String> writeDeltaOnce(DemoEnvironment demo, Path deltaDir)
      throws Exception {
    Path table = deltaDir.resolve("tpch").resolve("lineitem");
    if (!Files.exists(deltaDir.resolve("READY"))) {
      DemoEnvironment.deleteRecursively(deltaDir);
      Files.createDirectories(table.getParent());
      DeltaWarehouse delta = new DeltaWarehouse();
      try (Connection c = DriverManager.getConnection("jdbc:duckdb:"
          + demo.colocatedDatabase(),
          io.meridian.adapter.duckdb.DuckDbDataSource.connectionProperties(true))) {
        io.delta.kernel.types.StructType schema;
        long rows;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM tpch.lineitem LIMIT 0")) {
          schema = DeltaWarehouse.schemaOf(rs.getMetaData());
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM tpch.lineitem")) {
          rs.next();
          rows = rs.getLong(1);
        }
        long start = System.nanoTime();
        for (long offset = 0; offset < rows; offset += 1_000_000) {
          List<Object[]> chunk = DeltaWarehouse.rows(c, "SELECT * FROM tpch.lineitem"
              + " ORDER BY l_orderkey, l_linenumber LIMIT 1000000 OFFSET " + offset, schema);
          if (offset == 0) {
            delta.create(table.toString(), schema, List.of(), Map.of(), chunk);
          } else {
            delta.append(table.toString(), chunk);
          }
          LOG.info("Delta lineitem: {} of {} rows written", Math.min(rows, offset + 1_000_000),
              rows);
        }
        LOG.info("wrote Delta lineitem in {} s", (System.nanoTime() - start) / 1_000_000_000);
      }
      Files.writeString(deltaDir.resolve("READY"), "ready\n");
    }
    try (var files = Files.walk(table)) {
      return files.filter(f -> f.toString().endsWith(".parquet")
              && !f.toString().contains("_delta_log"))
          .map(Path::toString).sorted().toList();
    }
  }

  private static double compare(StringBuilder md, String label, Connection meridian,
      String meridianSql, Connection direct, String directSql, int repetitions)
      throws Exception {
    long expected = Drain.run(direct, directSql);
    if (Drain.run(meridian, meridianSql) != expected) {
      throw new IllegalStateException(label + ": row counts differ");
    }
    double[] m = new double[repetitions];
    double[] d = new double[repetitions];
    for (int r = 0; r < repetitions; r++) {
      m[r] = time(meridian, meridianSql);
      d[r] = time(direct, directSql);
    }
    double ratio = median(m) / median(d);
    LOG.info("{}: Meridian {} ms, DuckDB {} ms", label, Math.round(median(m)),
        Math.round(median(d)));
    md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.2f |%n", label, median(m),
        median(d), ratio));
    return ratio;
  }

  private static double time(Connection connection, String sql) throws Exception {
    long t0 = System.nanoTime();
    Drain.run(connection, sql);
    return (System.nanoTime() - t0) / 1e6;
  }

}
