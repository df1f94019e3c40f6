package io.meridian.server.lake;

import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.duckdb.DuckDbDataSource;
import io.meridian.server.MeridianServer;
import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.Rows;

import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.StructType;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Delta tables written by Delta Kernel's writer, read through Meridian and compared with DuckDB
 * over the same rows: TPC-H {@code orders} partitioned by {@code o_orderstatus} in two versions,
 * through DuckDB and through Kernel's own reader.
 */
class DeltaIT {
  /**
   * Delta tables written by Spark (deletion vectors), by the module
   * {@code adapters/delta-spark-tables}, which the reactor builds before this one.
   */
  private static final Path SPARK_TABLES = Path.of("..", "adapters", "delta-spark-tables",
      "target", "delta-tables").toAbsolutePath().normalize();
  private static DemoServerFixture demo;
  private static DeltaWarehouse delta;
  private static MeridianServer server;
  private static Path dir;
  private static long version0Millis;

  @BeforeAll static void start() throws Exception {
    demo = DemoServerFixture.get();
    dir = Path.of("target", "it-data", "delta").toAbsolutePath();
    DemoEnvironment.deleteRecursively(dir);
    Files.createDirectories(dir.resolve("tpch"));
    delta = new DeltaWarehouse();
    String orders = dir.resolve("tpch").resolve("orders").toString();
    try (Connection c = DriverManager.getConnection(
        "jdbc:duckdb:" + demo.demo().colocatedDatabase(),
        DuckDbDataSource.connectionProperties(true))) {
      StructType schema;
      try (Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT * FROM tpch.orders LIMIT 0")) {
        schema = DeltaWarehouse.schemaOf(rs.getMetaData());
      }
      delta.create(orders, schema, List.of("o_orderstatus"), Map.of(), DeltaWarehouse.rows(c,
          "SELECT * FROM tpch.orders WHERE o_orderdate < DATE '1996-01-01'", schema));
      version0Millis = io.delta.kernel.Table.forPath(delta.engine, orders)
          .getSnapshotAsOfVersion(delta.engine, 0).getTimestamp(delta.engine);
      Thread.sleep(5);
      delta.append(orders, DeltaWarehouse.rows(c,
          "SELECT * FROM tpch.orders WHERE o_orderdate >= DATE '1996-01-01'", schema));
    }
    server = demo.startWithShop(
        new CatalogSpec("dl", "delta", Map.of("path", dir.toString())),
        new CatalogSpec("dlk", "delta", Map.of("path", dir.toString(), "reader", "kernel")),
        new CatalogSpec("dv", "delta", Map.of("path", SPARK_TABLES.toString())),
        new CatalogSpec("dvk", "delta",
            Map.of("path", SPARK_TABLES.toString(), "reader", "kernel")));
  }

  /**
   * DuckDB's version of the rows Spark generated for {@code spark.items} (same expressions as
   * {@code SparkDeltaTablesTest.GENERATE}), with each version's deletes and update applied.
   */
  private static String itemsOracle(int version) {
    String label = version >= 2
        ? "CASE WHEN id % 11 = 0 THEN 'updated' ELSE 'item-' || CAST(id AS VARCHAR) END"
        : "'item-' || CAST(id AS VARCHAR)";
    String where = version == 0 ? "TRUE" : version < 3 ? "id % 7 <> 0"
        : "id % 7 <> 0 AND NOT (id % 4 = 1 AND id < 50000)";
    return "(SELECT id, CAST(id % 4 AS INTEGER) AS grp,"
        + " CAST((id * 37) % 100000 AS DECIMAL(12,2)) AS amount, id / 8.0::DOUBLE AS price,"
        + " " + label + " AS label, DATE '2020-01-01' + CAST(id % 365 AS INTEGER) AS day"
        + " FROM range(0, 100000) t(id) WHERE " + where + ")";
  }

  /**
   * A table Spark wrote with deletion vectors (DELETE, UPDATE, DELETE after a CTAS): every
   * version, read by both of Meridian's paths, equals DuckDB computing the same rows; a
   * version with deletion vectors is read by Kernel (which applies them) even where the
   * catalog's default reader is DuckDB.
   */
  @Test void deletionVectorsWrittenBySparkAreHonoured() throws SQLException {
    assertThat(SPARK_TABLES.resolve("spark").resolve("items").resolve("_delta_log"))
        .as("Spark's Delta tables: build adapters/delta-spark-tables first"
            + " (./mvnw -pl adapters/delta-spark-tables test)").isDirectory();
    String columns = "id, grp, amount, price, label, day";
    for (String catalog : List.of("dv", "dvk")) {
      for (int version = 0; version <= 3; version++) {
        Rows expected = demo.queryOracle("SELECT " + columns + " FROM " + itemsOracle(version));
        assertThat(expected.size()).isPositive();
        String table = catalog + ".spark.\"items@" + version + "\"";
        assertThat(meridian("SELECT " + columns + " FROM " + table)
            .differenceFrom(expected, false)).as(table).isNull();
      }
      String aggregate = "SELECT grp, count(*) AS n, sum(amount) AS total, min(day) AS first,"
          + " max(label) AS last, count(DISTINCT label) AS labels FROM %s"
          + " WHERE price > 1000 GROUP BY grp ORDER BY grp";
      assertThat(meridian(String.format(aggregate, catalog + ".spark.items"))
          .differenceFrom(demo.queryOracle(String.format(aggregate, itemsOracle(3))), true))
          .as(catalog).isNull();
      String partition = "SELECT count(*) AS n, sum(price) AS p FROM %s WHERE grp = 1";
      assertThat(meridian(String.format(partition, catalog + ".spark.items"))
          .differenceFrom(demo.queryOracle(String.format(partition, itemsOracle(3))), false))
          .as(catalog).isNull();
    }
    assertThat(DemoServerFixture.explain(server, "SELECT * FROM dv.spark.items",
        new Properties())).contains("EnumerableTableScan(table=[[dv, spark, items]])");
    assertThat(DemoServerFixture.explain(server, "SELECT * FROM dv.spark.\"items@0\"",
        new Properties())).doesNotContain("EnumerableTableScan");
  }

  @AfterAll static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static Rows meridian(String sql) throws SQLException {
    return DemoServerFixture.query(server, sql);
  }

  private static void assertTpch(String sql, boolean ordered) throws SQLException {
    Rows expected = demo.queryOracle(sql.replace("{orders}", "orders")
        .replace("{customer}", "customer"));
    assertThat(expected.size()).isPositive();
    assertThat(meridian(sql.replace("{orders}", "dl.tpch.orders")
        .replace("{customer}", "shop.public.customer")).differenceFrom(expected, ordered))
        .as(sql).isNull();
  }

  @Test void scansFiltersAggregatesAndJoinsEqualDuckDb() throws SQLException {
    assertTpch("SELECT * FROM {orders}", false);
    assertTpch("SELECT o_orderstatus, count(*) AS n, sum(o_totalprice) AS total,"
        + " min(o_orderdate) AS first FROM {orders} GROUP BY o_orderstatus ORDER BY 1", true);
    assertTpch("SELECT o_orderkey, o_totalprice FROM {orders} WHERE o_orderstatus = 'P'"
        + " AND o_totalprice > 200000 ORDER BY o_orderkey", true);
    assertTpch("SELECT c_mktsegment, count(*) AS n FROM {customer} JOIN {orders}"
        + " ON c_custkey = o_custkey WHERE o_orderdate < DATE '1993-06-01'"
        + " GROUP BY c_mktsegment ORDER BY 1", true);
  }

  @Test void partitionFilterReadsFewerFiles() throws SQLException {
    String plan = DemoServerFixture.explain(server,
        "SELECT count(*) FROM dl.tpch.orders WHERE o_orderstatus = 'P'", new Properties());
    Matcher files = Pattern.compile("orders@1/(\\d+)of(\\d+)files").matcher(plan);
    assertThat(files.find()).as(plan).isTrue();
    assertThat(Integer.parseInt(files.group(1))).as(plan)
        .isLessThan(Integer.parseInt(files.group(2)));
    assertThat(plan).startsWith("BackendToEnumerableConverter").contains("JdbcAggregate");
    assertTpch("SELECT count(*) AS n FROM {orders} WHERE o_orderstatus = 'P'", false);
  }

  @Test void timeTravelByVersionAndTimestamp() throws SQLException {
    String early = "SELECT count(*) AS n, sum(o_totalprice) AS total FROM ";
    Rows expected = demo.queryOracle(early + "orders WHERE o_orderdate < DATE '1996-01-01'");
    assertThat(meridian(early + "dl.tpch.\"orders@0\"").differenceFrom(expected, false))
        .isNull();
    String instant = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
        .format(Instant.ofEpochMilli(version0Millis).atOffset(ZoneOffset.UTC));
    assertThat(meridian(early + "dl.tpch.orders FOR SYSTEM_TIME AS OF TIMESTAMP '" + instant
        + "'").differenceFrom(expected, false)).isNull();
    assertThatThrownBy(() -> meridian(early + "dl.tpch.orders FOR SYSTEM_TIME AS OF"
        + " TIMESTAMP '2001-01-01 00:00:00'")).hasMessageContaining("dl.tpch.orders")
        .hasMessageContaining("no version as of");
    Rows history = meridian("SELECT version, is_latest FROM dl.tpch.\"orders$history\""
        + " ORDER BY version");
    assertThat(history.rows()).containsExactly(List.of(BigDecimal.ZERO, false),
        List.of(BigDecimal.ONE, true));
    assertThat(meridian("SELECT committed_at FROM dl.tpch.\"orders$history\""
        + " WHERE version = 0").rows().get(0).get(0))
        .isEqualTo(java.time.LocalDateTime.ofInstant(Instant.ofEpochMilli(version0Millis),
            ZoneOffset.UTC).toString());
  }

  /**
   * The same table through Kernel's own reader (the path deletion vectors and column mapping
   * take): partition values, every type, both versions.
   */
  @Test void kernelReaderEqualsDuckDb() throws SQLException {
    Rows expected = demo.queryOracle("SELECT * FROM orders");
    assertThat(meridian("SELECT * FROM dlk.tpch.orders").differenceFrom(expected, false))
        .isNull();
    assertThat(meridian("SELECT o_orderstatus, count(*) AS n, sum(o_totalprice) AS t"
        + " FROM dlk.tpch.\"orders@0\" GROUP BY o_orderstatus").differenceFrom(
            demo.queryOracle("SELECT o_orderstatus, count(*) AS n, sum(o_totalprice) AS t"
                + " FROM orders WHERE o_orderdate < DATE '1996-01-01' GROUP BY o_orderstatus"),
            false)).isNull();
    assertThat(DemoServerFixture.explain(server, "SELECT * FROM dlk.tpch.orders",
        new Properties())).contains("EnumerableTableScan(table=[[dlk, tpch, orders]])");
  }

  @Test void newVersionIsReadByTheNextStatement() throws Exception {
    String path = dir.resolve("tpch").resolve("counter").toString();
    StructType schema = new StructType().add("x", IntegerType.INTEGER, true);
    delta.create(path, schema, List.of(), Map.of(), List.<Object[]>of(new Object[] {1}));
    assertThat(meridian("SELECT count(*) FROM dl.tpch.counter").rows())
        .containsExactly(List.of(BigDecimal.ONE));
    delta.append(path, List.of(new Object[] {2}, new Object[] {3}));
    assertThat(meridian("SELECT count(*) FROM dl.tpch.counter").rows())
        .containsExactly(List.of(BigDecimal.valueOf(3)));
  }
}
