package io.meridian.server.lake;

import io.meridian.adapter.CatalogSpec;
import io.meridian.server.MeridianServer;
import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.Rows;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Writes into a Parquet catalog from PostgreSQL: {@code CREATE TABLE ... AS}, {@code INSERT},
 * a statement failing part-way (nothing visible, no file left), {@code DROP TABLE}; every
 * result compared with DuckDB over the same rows.
 */
class ParquetWritesIT {
  private static DemoServerFixture demo;
  private static MeridianServer server;
  private static Path dir;

  @BeforeAll static void start() throws Exception {
    demo = DemoServerFixture.get();
    dir = Path.of("target", "it-data", "parquet-writes").toAbsolutePath();
    DemoEnvironment.deleteRecursively(dir);
    Files.createDirectories(dir.resolve("bad").resolve("t"));
    // Two files of one table that disagree on the type of x (written by DuckDB).
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
         Statement s = c.createStatement()) {
      s.execute("COPY (SELECT 1::INTEGER AS x, 'a' AS y) TO '"
          + dir.resolve("bad/t/one.parquet") + "' (FORMAT parquet)");
      s.execute("COPY (SELECT 'z' AS x, 'b' AS y) TO '"
          + dir.resolve("bad/t/two.parquet") + "' (FORMAT parquet)");
    }
    server = demo.startWithShop(
        new CatalogSpec("pq", "parquet", Map.of("path", dir.toString())));
  }

  @AfterAll static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static Properties jvm() {
    Properties p = new Properties();
    p.setProperty("placement", "jvm");
    return p;
  }

  private static Rows query(String sql) throws SQLException {
    return DemoServerFixture.query(server, sql);
  }

  private static void execute(String sql, Properties info) throws SQLException {
    try (Connection c = DriverManager.getConnection(server.jdbcUrl(), info);
         Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static List<String> files(Path folder) throws IOException {
    try (Stream<Path> paths = Files.list(folder)) {
      return paths.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test void createInsertFailDrop() throws Exception {
    execute("CREATE TABLE pq.etl.customers AS SELECT * FROM shop.public.customer",
        new Properties());
    Path folder = dir.resolve("etl").resolve("customers");
    assertThat(files(folder)).allMatch(f -> f.startsWith("part-") && f.endsWith(".parquet"));
    assertThat(query("SELECT * FROM pq.etl.customers")
        .differenceFrom(demo.queryOracle("SELECT * FROM customer"), false)).isNull();

    execute("INSERT INTO pq.etl.customers SELECT * FROM shop.public.customer"
        + " WHERE c_nationkey = 7", new Properties());
    Rows afterInsert = query("SELECT * FROM pq.etl.customers");
    assertThat(afterInsert.differenceFrom(demo.queryOracle("SELECT * FROM customer UNION ALL"
        + " SELECT * FROM customer WHERE c_nationkey = 7"), false)).isNull();
    List<String> before = files(folder);

    // The join runs in the JVM (placement=jvm) and the CAST fails at one order, after the
    // orders before it were written to the scratch table.
    execute("CREATE TABLE pq.etl.nums (v INTEGER, k BIGINT)", new Properties());
    long breaking = ((BigDecimal) demo.queryOracle("SELECT o_orderkey FROM orders"
        + " ORDER BY o_orderkey LIMIT 1 OFFSET 9999").rows().get(0).get(0)).longValue();
    Path nums = dir.resolve("etl").resolve("nums");
    List<String> numsBefore = files(nums);
    assertThatThrownBy(() -> execute("INSERT INTO pq.etl.nums SELECT CAST(CASE WHEN"
        + " o.o_orderkey = " + breaking + " THEN 'x' ELSE '1' END AS INTEGER), o.o_orderkey"
        + " FROM shop.public.orders o JOIN pq.etl.customers c ON o.o_custkey = c.c_custkey",
        jvm())).hasMessageContaining("nothing was written");
    assertThat(files(nums)).as("no new or hidden file").isEqualTo(numsBefore);
    assertThat(query("SELECT count(*) FROM pq.etl.nums").rows())
        .containsExactly(List.of(BigDecimal.ZERO));
    assertThat(files(folder)).isEqualTo(before);

    execute("DROP TABLE pq.etl.customers", new Properties());
    execute("DROP TABLE pq.etl.nums", new Properties());
    assertThat(Files.exists(folder)).isFalse();
    assertThatThrownBy(() -> query("SELECT * FROM pq.etl.customers"))
        .hasMessageContaining("customers");
  }

  @Test void filesThatDisagreeAreNamed() {
    assertThatThrownBy(() -> query("SELECT * FROM pq.bad.t"))
        .hasMessageContaining("pq.bad.t")
        .hasMessageContaining("disagree on column x")
        .hasMessageContaining("one.parquet").hasMessageContaining("two.parquet");
  }
}
