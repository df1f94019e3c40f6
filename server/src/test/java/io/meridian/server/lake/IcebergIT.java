package io.meridian.server.lake;

import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.duckdb.DuckDbDataSource;
import io.meridian.server.MeridianServer;
import io.meridian.server.config.MeridianConfig;
import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.Rows;

import com.google.common.collect.ImmutableList;

import org.apache.iceberg.DataFile;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Iceberg tables written by Iceberg's own writers, read through Meridian and compared with
 * DuckDB over the same rows: the TPC-H {@code orders} and {@code lineitem} tables (orders
 * partitioned by year of the order date, hidden partitioning, in two snapshots), a table with
 * position and equality deletes, and tables whose schema evolved with and without a rename.
 */
class IcebergIT {
  private static DemoServerFixture demo;
  private static IcebergWarehouse warehouse;
  private static MeridianServer server;
  private static Table orders;
  private static Table events;
  private static Table people;
  private static Table metrics;
  private static long ordersFirstSnapshot;
  /** The rows of the evolved and deleted tables, as DuckDB tables: their oracle. */
  private static Connection oracle;

  @BeforeAll static void start() throws Exception {
    demo = DemoServerFixture.get();
    Path dir = Path.of("target", "it-data", "iceberg").toAbsolutePath();
    DemoEnvironment.deleteRecursively(dir);
    warehouse = IcebergWarehouse.hadoop(dir);
    oracle = DriverManager.getConnection("jdbc:duckdb:");
    writeTpch();
    writeEvents();
    writePeople();
    writeMetrics();

    DemoEnvironment env = demo.demo();
    // The same orders table also registered in a JDBC catalog kept in PostgreSQL.
    try (Connection pg = DriverManager.getConnection(env.postgresUrl("postgres"), "postgres", "");
         Statement s = pg.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS iceberg_catalog");
      s.execute("CREATE DATABASE iceberg_catalog");
    }
    String catalogUrl = env.postgresUrl("iceberg_catalog");
    org.apache.iceberg.jdbc.JdbcCatalog jdbc = new org.apache.iceberg.jdbc.JdbcCatalog();
    jdbc.setConf(new org.apache.hadoop.conf.Configuration());
    jdbc.initialize("meridian_it", Map.of("uri", catalogUrl, "jdbc.user", "postgres",
        "jdbc.password", "", "warehouse", dir.toString()));
    jdbc.createNamespace(org.apache.iceberg.catalog.Namespace.of("sales"));
    jdbc.registerTable(org.apache.iceberg.catalog.TableIdentifier.of("sales", "orders"),
        ((org.apache.iceberg.HasTableOperations) orders).operations().current()
            .metadataFileLocation());
    jdbc.close();

    MeridianConfig config = new MeridianConfig("127.0.0.1", 0, "PROTOBUF",
        Path.of("target", "it-data").toAbsolutePath(), ImmutableList.of(
            new CatalogSpec("shop", "postgres",
                Map.of("url", env.postgresUrl(), "user", "postgres", "password", "")),
            new CatalogSpec("ice", "iceberg", Map.of("warehouse", dir.toString())),
            new CatalogSpec("icejdbc", "iceberg", Map.of("catalog-type", "jdbc",
                "catalog-name", "meridian_it", "uri", catalogUrl, "user", "postgres",
                "password", "", "warehouse", dir.toString()))))
        .withWorkloadLog(false); // observed row counts would change the plans asserted here
    server = MeridianServer.start(config);
  }

  @AfterAll static void stop() throws SQLException {
    if (server != null) {
      server.close();
    }
    if (oracle != null) {
      oracle.close();
    }
  }

  /** orders partitioned by year(o_orderdate), in two appends; lineitem unpartitioned. */
  private static void writeTpch() throws Exception {
    Properties p = DuckDbDataSource.connectionProperties(true);
    try (Connection c = DriverManager.getConnection(
        "jdbc:duckdb:" + demo.demo().colocatedDatabase(), p)) {
      Schema schema;
      try (Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT * FROM tpch.orders LIMIT 0")) {
        schema = IcebergWarehouse.schemaOf(rs.getMetaData());
      }
      orders = warehouse.create("tpch", "orders", schema,
          PartitionSpec.builderFor(schema).year("o_orderdate").build());
      warehouse.append(orders, IcebergWarehouse.records(c,
          "SELECT * FROM tpch.orders WHERE o_orderdate < DATE '1996-01-01'", schema));
      ordersFirstSnapshot = orders.currentSnapshot().snapshotId();
      Thread.sleep(5); // distinct commit times
      warehouse.append(orders, IcebergWarehouse.records(c,
          "SELECT * FROM tpch.orders WHERE o_orderdate >= DATE '1996-01-01'", schema));

      try (Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT * FROM tpch.lineitem LIMIT 0")) {
        schema = IcebergWarehouse.schemaOf(rs.getMetaData());
      }
      Table lineitem = warehouse.create("tpch", "lineitem", schema, PartitionSpec.unpartitioned());
      warehouse.append(lineitem,
          IcebergWarehouse.records(c, "SELECT * FROM tpch.lineitem", schema));
    }
  }

  private static final Schema EVENTS = new Schema(
      Types.NestedField.required(1, "id", Types.IntegerType.get()),
      Types.NestedField.optional(2, "kind", Types.StringType.get()),
      Types.NestedField.optional(3, "amount", Types.DecimalType.of(10, 2)),
      Types.NestedField.optional(4, "day", Types.DateType.get()));

  /** 2 000 events in one file; every 7th row deleted by position, kinds 'c' by equality. */
  private static void writeEvents() throws Exception {
    events = warehouse.create("evo", "events", EVENTS, PartitionSpec.unpartitioned());
    List<GenericRecord> rows = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      GenericRecord r = GenericRecord.create(EVENTS);
      r.set(0, i);
      r.set(1, i % 11 == 0 ? null : String.valueOf((char) ('a' + i % 4)));
      r.set(2, BigDecimal.valueOf(i * 37L % 10_000, 2));
      r.set(3, LocalDate.of(2024, 1, 1).plusDays(i % 366));
      rows.add(r);
    }
    DataFile file = warehouse.append(events, rows).get(0);
    List<Long> positions = new ArrayList<>();
    for (long i = 0; i < 2000; i += 7) {
      positions.add(i);
    }
    warehouse.deletePositions(events, file, positions);
    warehouse.deleteEqual(events, "kind", List.of("c"));

    try (Statement s = oracle.createStatement()) {
      s.execute("CREATE TABLE events (id INTEGER NOT NULL, kind VARCHAR, amount DECIMAL(10, 2),"
          + " day DATE)");
    }
    try (PreparedStatement insert = oracle.prepareStatement(
        "INSERT INTO events VALUES (?, ?, ?, ?)")) {
      for (GenericRecord r : rows) {
        int id = (Integer) r.get(0);
        if (id % 7 == 0 || "c".equals(r.get(1))) {
          continue;
        }
        insert.setInt(1, id);
        insert.setObject(2, r.get(1));
        insert.setBigDecimal(3, (BigDecimal) r.get(2));
        insert.setObject(4, r.get(3));
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }

  private static final Schema PEOPLE = new Schema(
      Types.NestedField.required(1, "id", Types.IntegerType.get()),
      Types.NestedField.optional(2, "name", Types.StringType.get()),
      Types.NestedField.optional(3, "score", Types.IntegerType.get()));

  /** 100 people; then name renamed to full_name, city added, score widened; 50 more. */
  private static void writePeople() throws Exception {
    people = warehouse.create("evo", "people", PEOPLE, PartitionSpec.unpartitioned());
    List<GenericRecord> first = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      GenericRecord r = GenericRecord.create(PEOPLE);
      r.set(0, i);
      r.set(1, "person " + i);
      r.set(2, i * 3);
      first.add(r);
    }
    warehouse.append(people, first);
    people.updateSchema()
        .renameColumn("name", "full_name")
        .addColumn("city", Types.StringType.get())
        .updateColumn("score", Types.LongType.get())
        .commit();
    List<GenericRecord> second = new ArrayList<>();
    for (int i = 100; i < 150; i++) {
      GenericRecord r = GenericRecord.create(people.schema());
      r.setField("id", i);
      r.setField("full_name", "person " + i);
      r.setField("score", 5_000_000_000L + i);
      r.setField("city", i % 2 == 0 ? "Lisbon" : null);
      second.add(r);
    }
    warehouse.append(people, second);
    try (Statement s = oracle.createStatement()) {
      s.execute("CREATE TABLE people (id INTEGER NOT NULL, full_name VARCHAR, score BIGINT,"
          + " city VARCHAR)");
      s.execute("INSERT INTO people SELECT i, 'person ' || i, i * 3, NULL FROM range(100) t(i)");
      s.execute("INSERT INTO people SELECT i, 'person ' || i, 5000000000 + i,"
          + " CASE WHEN i % 2 = 0 THEN 'Lisbon' END FROM range(100, 150) t(i)");
    }
  }

  private static final Schema METRICS = new Schema(
      Types.NestedField.optional(1, "sensor", Types.IntegerType.get()),
      Types.NestedField.optional(2, "reading", Types.FloatType.get()));

  /** A column added and one widened (int to long is not allowed here: float to double). */
  private static void writeMetrics() throws Exception {
    metrics = warehouse.create("evo", "metrics", METRICS,
        PartitionSpec.builderFor(METRICS).identity("sensor").build());
    List<GenericRecord> first = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      GenericRecord r = GenericRecord.create(METRICS);
      r.set(0, i % 4);
      r.set(1, i / 4f);
      first.add(r);
    }
    warehouse.append(metrics, first);
    metrics.updateSchema()
        .addColumn("unit", Types.StringType.get())
        .updateColumn("reading", Types.DoubleType.get())
        .commit();
    List<GenericRecord> second = new ArrayList<>();
    for (int i = 40; i < 60; i++) {
      GenericRecord r = GenericRecord.create(metrics.schema());
      r.setField("sensor", i % 4);
      r.setField("reading", i / 4d);
      r.setField("unit", "kPa");
      second.add(r);
    }
    warehouse.append(metrics, second);
    try (Statement s = oracle.createStatement()) {
      s.execute("CREATE TABLE metrics (sensor INTEGER, reading DOUBLE, unit VARCHAR)");
      s.execute("INSERT INTO metrics SELECT i % 4, i / 4, NULL FROM range(40) t(i)");
      s.execute("INSERT INTO metrics SELECT i % 4, i / 4, 'kPa' FROM range(40, 60) t(i)");
    }
  }

  // ---------------------------------------------------------------------------------------

  private static Rows meridian(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(server.jdbcUrl(), new Properties());
         Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return Rows.read(rs);
    }
  }

  private static String explain(String sql) throws SQLException {
    return DemoServerFixture.explain(server, sql, new Properties());
  }

  private static Rows local(String sql) throws SQLException {
    try (Statement s = oracle.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return Rows.read(rs);
    }
  }

  /** Compares a query on the TPC-H copies with the same query on the co-located oracle. */
  private static void assertTpch(String sql, boolean ordered) throws SQLException {
    Rows actual = meridian(sql.replace("{orders}", "ice.tpch.orders")
        .replace("{lineitem}", "ice.tpch.lineitem").replace("{customer}", "shop.public.customer"));
    Rows expected = demo.queryOracle(sql.replace("{orders}", "orders")
        .replace("{lineitem}", "lineitem").replace("{customer}", "customer"));
    assertThat(expected.size()).as("oracle rows of %s", sql).isPositive();
    assertThat(actual.differenceFrom(expected, ordered)).as(sql).isNull();
  }

  private static void assertLocal(String meridianSql, String oracleSql, boolean ordered)
      throws SQLException {
    Rows expected = local(oracleSql);
    assertThat(expected.size()).as("oracle rows of %s", oracleSql).isPositive();
    assertThat(meridian(meridianSql).differenceFrom(expected, ordered)).as(meridianSql)
        .isNull();
  }

  @Test void fullScansEqualDuckDb() throws SQLException {
    assertTpch("SELECT * FROM {orders}", false);
    assertTpch("SELECT * FROM {lineitem}", false);
  }

  @Test void filtersAndAggregatesEqualDuckDb() throws SQLException {
    assertTpch("SELECT o_orderstatus, count(*) AS n, sum(o_totalprice) AS total,"
        + " min(o_orderdate) AS first, max(o_comment) AS last FROM {orders}"
        + " GROUP BY o_orderstatus ORDER BY o_orderstatus", true);
    assertTpch("SELECT * FROM {orders} WHERE o_orderdate >= DATE '1995-03-01'"
        + " AND o_orderdate < DATE '1995-04-01'", false);
    assertTpch("SELECT o_orderkey, o_totalprice FROM {orders} WHERE o_totalprice > 300000"
        + " ORDER BY o_orderkey", true);
    assertTpch("SELECT l_returnflag, l_linestatus, sum(l_quantity) AS q,"
        + " sum(l_extendedprice * (1 - l_discount)) AS revenue, avg(l_discount) AS d,"
        + " count(*) AS n FROM {lineitem} WHERE l_shipdate <= DATE '1998-09-02'"
        + " GROUP BY l_returnflag, l_linestatus ORDER BY 1, 2", true);
  }

  @Test void joinsWithOtherCatalogsEqualDuckDb() throws SQLException {
    assertTpch("SELECT c_mktsegment, count(*) AS n, sum(l_extendedprice) AS value"
        + " FROM {customer} JOIN {orders} ON c_custkey = o_custkey"
        + " JOIN {lineitem} ON l_orderkey = o_orderkey"
        + " WHERE o_orderdate < DATE '1994-01-01' GROUP BY c_mktsegment ORDER BY 1", true);
  }

  @Test void partitionFilterReadsOneYearsFiles() throws SQLException {
    String sql = "SELECT count(*) FROM ice.tpch.orders"
        + " WHERE o_orderdate >= DATE '1995-01-01' AND o_orderdate < DATE '1996-01-01'";
    String plan = explain(sql);
    Matcher files = Pattern.compile("orders@\\d+/(\\d+)of(\\d+)files").matcher(plan);
    assertThat(files.find()).as(plan).isTrue();
    int kept = Integer.parseInt(files.group(1));
    int all = Integer.parseInt(files.group(2));
    assertThat(all).as("one file per year, 1992-1998").isEqualTo(7);
    assertThat(kept).as(plan).isEqualTo(1);
    // The whole aggregate runs in the catalog's DuckDB, filter included.
    assertThat(plan).startsWith("BackendToEnumerableConverter").contains("JdbcAggregate")
        .contains("JdbcFilter").contains("1995-01-01").doesNotContain("Enumerable" + "Calc");
    assertTpch("SELECT count(*) AS n FROM {orders}"
        + " WHERE o_orderdate >= DATE '1995-01-01' AND o_orderdate < DATE '1996-01-01'", false);
  }

  @Test void filterOnOtherColumnKeepsEveryFile() throws SQLException {
    String plan = explain("SELECT count(*) FROM ice.tpch.orders WHERE o_orderpriority = '1-URGENT'");
    Matcher files = Pattern.compile("orders@\\d+/(\\d+)of(\\d+)files").matcher(plan);
    // Every year has urgent orders: no file can be ruled out, so the scan is not renamed.
    assertThat(files.find()).as(plan).isFalse();
    assertThat(plan).contains("JdbcTableScan(table=[[ice, tpch, orders]])")
        .contains("JdbcFilter").contains("1-URGENT");
  }

  @Test void timeTravelReadsEachSnapshot() throws SQLException {
    List<Snapshot> snapshots = new ArrayList<>();
    orders.refresh();
    orders.snapshots().forEach(snapshots::add);
    snapshots.sort(Comparator.comparingLong(Snapshot::timestampMillis));
    assertThat(snapshots).hasSize(2);
    String first = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").format(
        Instant.ofEpochMilli(snapshots.get(0).timestampMillis()).atOffset(ZoneOffset.UTC));
    String early = "SELECT count(*) AS n, sum(o_totalprice) AS total FROM {orders}";
    Rows asOf = meridian(early.replace("{orders}",
        "ice.tpch.orders FOR SYSTEM_TIME AS OF TIMESTAMP '" + first + "'"));
    Rows expected = demo.queryOracle(early.replace("{orders}", "orders")
        + " WHERE o_orderdate < DATE '1996-01-01'");
    assertThat(asOf.differenceFrom(expected, false)).isNull();
    Rows byId = meridian(early.replace("{orders}",
        "ice.tpch.\"orders@" + ordersFirstSnapshot + "\""));
    assertThat(byId.differenceFrom(expected, false)).isNull();
    assertTpch(early, false); // and the current snapshot has every order

    Rows history = meridian("SELECT snapshot_id, operation FROM ice.tpch.\"orders$snapshots\""
        + " ORDER BY committed_at");
    assertThat(history.rows()).containsExactly(
        List.of(new BigDecimal(ordersFirstSnapshot), "append"),
        List.of(new BigDecimal(snapshots.get(1).snapshotId()), "append"));

    assertThatThrownBy(() -> meridian("SELECT count(*) FROM ice.tpch.orders"
        + " FOR SYSTEM_TIME AS OF TIMESTAMP '2001-01-01 00:00:00'"))
        .hasMessageContaining("ice.tpch.orders").hasMessageContaining("no snapshot as of");
  }

  @Test void deletesAreApplied() throws SQLException {
    assertLocal("SELECT * FROM ice.evo.events", "SELECT * FROM events", false);
    assertLocal("SELECT kind, count(*) AS n, sum(amount) AS total FROM ice.evo.events"
        + " WHERE amount > 20 GROUP BY kind ORDER BY kind NULLS FIRST",
        "SELECT kind, count(*) AS n, sum(amount) AS total FROM events"
        + " WHERE amount > 20 GROUP BY kind ORDER BY kind NULLS FIRST", true);
    // Not read as plain Parquet: Iceberg's reader applies the delete files, in the JVM.
    assertThat(explain("SELECT * FROM ice.evo.events"))
        .contains("EnumerableTableScan(table=[[ice, evo, events]])").doesNotContain("Jdbc");
  }

  @Test void renamedColumnsReadByFieldId() throws SQLException {
    assertLocal("SELECT * FROM ice.evo.people", "SELECT * FROM people", false);
    assertLocal("SELECT city, count(*) AS n, max(score) AS top FROM ice.evo.people"
        + " GROUP BY city", "SELECT city, count(*) AS n, max(score) AS top FROM people"
        + " GROUP BY city", false);
    // The first snapshot, with the schema it was written with.
    people.refresh();
    long first = people.history().get(0).snapshotId();
    Rows before = meridian("SELECT * FROM ice.evo.\"people@" + first + "\"");
    assertThat(before.labels()).containsExactly("id", "name", "score");
    assertThat(before.size()).isEqualTo(100);
  }

  @Test void addedAndWidenedColumnsReadByDuckDb() throws SQLException {
    assertLocal("SELECT * FROM ice.evo.metrics", "SELECT * FROM metrics", false);
    assertLocal("SELECT sensor, count(unit) AS u, sum(reading) AS r FROM ice.evo.metrics"
        + " WHERE sensor = 2 GROUP BY sensor", "SELECT sensor, count(unit) AS u,"
        + " sum(reading) AS r FROM metrics WHERE sensor = 2 GROUP BY sensor", false);
    String plan = explain("SELECT * FROM ice.evo.metrics WHERE sensor = 2");
    assertThat(plan).containsPattern("JdbcTableScan\\(table=\\[\\[ice, evo, metrics@\\d+/2of8files");
  }

  @Test void newCommitIsReadByTheNextStatement() throws Exception {
    Schema schema = new Schema(Types.NestedField.optional(1, "x", Types.IntegerType.get()));
    Table t = warehouse.create("evo", "counter", schema, PartitionSpec.unpartitioned());
    GenericRecord r = GenericRecord.create(schema);
    r.set(0, 1);
    warehouse.append(t, List.of(r));
    assertThat(meridian("SELECT count(*) FROM ice.evo.counter").rows())
        .containsExactly(List.of(BigDecimal.ONE));
    warehouse.append(t, List.of(r, r));
    assertThat(meridian("SELECT count(*) FROM ice.evo.counter").rows())
        .containsExactly(List.of(BigDecimal.valueOf(3)));
  }

  @Test void jdbcCatalogServesTheSameTable() throws SQLException {
    assertThat(meridian("SELECT o_orderstatus, count(*) AS n, sum(o_totalprice) AS total"
        + " FROM icejdbc.sales.orders GROUP BY o_orderstatus")
        .differenceFrom(demo.queryOracle("SELECT o_orderstatus, count(*) AS n,"
            + " sum(o_totalprice) AS total FROM orders GROUP BY o_orderstatus"), false))
        .isNull();
    // Both catalogs read through DuckDB, each its own pushdown place.
    assertThat(explain("SELECT count(*) FROM icejdbc.sales.orders WHERE o_orderdate"
        + " < DATE '1993-01-01'")).containsPattern("orders@\\d+/1of7files");
  }

  private static void execute(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(server.jdbcUrl(), new Properties());
         Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static long dataFiles(Table table) throws java.io.IOException {
    Path data = Path.of(table.location().replaceFirst("^file:", "")).resolve("data");
    if (!Files.exists(data)) {
      return 0;
    }
    try (var files = Files.walk(data)) {
      return files.filter(f -> f.toString().endsWith(".parquet")).count();
    }
  }

  @Test void createTableAsSelectFromPostgresThenInsert() throws Exception {
    execute("CREATE TABLE ice.etl.customers AS SELECT * FROM shop.public.customer");
    Table customers = warehouse.catalog().loadTable(
        org.apache.iceberg.catalog.TableIdentifier.of("etl", "customers"));
    assertThat(customers.snapshots()).hasSize(1);
    assertThat(meridian("SELECT * FROM ice.etl.customers")
        .differenceFrom(demo.queryOracle("SELECT * FROM customer"), false)).isNull();

    execute("INSERT INTO ice.etl.customers SELECT * FROM shop.public.customer"
        + " WHERE c_nationkey = 7");
    customers.refresh();
    assertThat(customers.snapshots()).hasSize(2);
    assertThat(meridian("SELECT * FROM ice.etl.customers")
        .differenceFrom(demo.queryOracle("SELECT * FROM customer UNION ALL"
            + " SELECT * FROM customer WHERE c_nationkey = 7"), false)).isNull();
    // The first snapshot still reads as the table the CREATE made.
    long first = customers.history().get(0).snapshotId();
    assertThat(meridian("SELECT count(*) FROM ice.etl.\"customers@" + first + "\"").rows())
        .containsExactly(List.of(BigDecimal.valueOf(1500)));
    execute("DROP TABLE ice.etl.customers");
    assertThatThrownBy(() -> meridian("SELECT * FROM ice.etl.customers"))
        .hasMessageContaining("customers");
  }

  @Test void insertFailingHalfWayLeavesTheTableAsItWas() throws Exception {
    execute("CREATE TABLE ice.etl.strict (k INTEGER NOT NULL, total DECIMAL(15, 2))");
    execute("INSERT INTO ice.etl.strict SELECT o_orderkey, o_totalprice FROM shop.public.orders");
    Table strict = warehouse.catalog().loadTable(
        org.apache.iceberg.catalog.TableIdentifier.of("etl", "strict"));
    long snapshot = strict.currentSnapshot().snapshotId();
    long files = dataFiles(strict);
    Rows before = meridian("SELECT count(*) AS n, sum(total) AS t FROM ice.etl.strict");
    // Numbers read back as BigDecimal: the 10 000th order key breaks the insert.
    long breaking = ((BigDecimal) demo.queryOracle("SELECT o_orderkey FROM orders"
        + " ORDER BY o_orderkey LIMIT 1 OFFSET 9999").rows().get(0).get(0)).longValue();
    assertThatThrownBy(() -> execute("INSERT INTO ice.etl.strict SELECT CASE WHEN o_orderkey = "
        + breaking + " THEN NULL ELSE o_orderkey END, o_totalprice FROM shop.public.orders"))
        .hasMessageContaining("NULL in column k");
    strict.refresh();
    assertThat(strict.currentSnapshot().snapshotId()).isEqualTo(snapshot);
    assertThat(dataFiles(strict)).as("files written before the failure are deleted")
        .isEqualTo(files);
    assertThat(meridian("SELECT count(*) AS n, sum(total) AS t FROM ice.etl.strict")
        .differenceFrom(before, false)).isNull();
    assertThat(before.rows()).containsExactly(List.of(BigDecimal.valueOf(15000),
        demo.queryOracle("SELECT sum(o_totalprice) FROM orders").rows().get(0).get(0)));
  }

  @Test void failedCreateTableAsLeavesNoTable() {
    assertThatThrownBy(() -> execute("CREATE TABLE ice.etl.broken AS SELECT"
        + " CAST(CASE WHEN c_custkey = 700 THEN 'x' ELSE '1' END AS INTEGER) AS v"
        + " FROM shop.public.customer"))
        .hasMessageContaining("the table was not created");
    assertThat(warehouse.catalog().tableExists(
        org.apache.iceberg.catalog.TableIdentifier.of("etl", "broken"))).isFalse();
  }

  @Test void unknownTableIsNamed() {
    assertThatThrownBy(() -> meridian("SELECT * FROM ice.tpch.nosuch"))
        .hasMessageContaining("nosuch");
    assertThatThrownBy(() -> meridian("SELECT * FROM ice.nosuchschema.orders"))
        .hasMessageContaining("nosuchschema");
  }
}
