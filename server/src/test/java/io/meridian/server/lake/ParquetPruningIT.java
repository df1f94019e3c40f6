package io.meridian.server.lake;

import io.meridian.adapter.CatalogSpec;
import io.meridian.server.MeridianServer;
import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.Rows;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Parquet folder tables narrowed to the files a filter may match, before anything is read:
 * TPC-H {@code orders} in Hive partition folders by {@code o_orderstatus}, and {@code lineitem}
 * in one file per ship year (so the footers' bounds tell the files apart), both written by
 * DuckDB. The plan names how many files each scan reads; results equal DuckDB's over the same
 * rows; a file ruled out is provably never opened (it is corrupted and the query still runs).
 */
class ParquetPruningIT {
  private static final Pattern FILES = Pattern.compile("(\\w+)/(\\d+)of(\\d+)files#");

  private static DemoServerFixture demo;
  private static MeridianServer server;
  private static Path dir;

  @BeforeAll static void start() throws Exception {
    demo = DemoServerFixture.get();
    dir = Path.of("target", "it-data", "parquet-pruning").toAbsolutePath();
    DemoEnvironment.deleteRecursively(dir);
    Path tpch = Files.createDirectories(dir.resolve("tpch"));
    try (Connection c = demo.demo().openColocated(); Statement s = c.createStatement()) {
      s.execute("COPY (SELECT * FROM orders) TO '" + tpch.resolve("orders")
          + "' (FORMAT parquet, PARTITION_BY (o_orderstatus))");
      Files.createDirectories(tpch.resolve("lineitem"));
      for (int year = 1992; year <= 1998; year++) {
        s.execute("COPY (SELECT * FROM lineitem WHERE year(l_shipdate) = " + year
            + " ORDER BY l_shipdate) TO '" + tpch.resolve("lineitem").resolve(year + ".parquet")
            + "' (FORMAT parquet, ROW_GROUP_SIZE 4096)");
      }
    }
    server = demo.startWithShop(
        new CatalogSpec("pq", "parquet", Map.of("path", dir.toString())));
  }

  @AfterAll static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static Rows meridian(String sql) throws SQLException {
    return DemoServerFixture.query(server, sql);
  }

  /** Returns the files each pruned scan of the plan reads, as "table k of n". */
  private static List<String> prunedScans(String sql) throws SQLException {
    String plan = DemoServerFixture.explain(server, sql, new Properties());
    List<String> scans = new ArrayList<>();
    Matcher m = FILES.matcher(plan);
    while (m.find()) {
      scans.add(m.group(1) + " " + m.group(2) + " of " + m.group(3));
    }
    return scans;
  }

  /** Asserts that Meridian's rows equal DuckDB's over the same rows. */
  private static void assertSameRows(String sql, boolean ordered) throws SQLException {
    Rows expected = demo.queryOracle(sql.replace("pq.tpch.", "").replace("shop.public.", ""));
    assertThat(meridian(sql).differenceFrom(expected, ordered)).as(sql).isNull();
  }

  @Test void partitionFolderFilterReadsOneFolder() throws SQLException {
    String sql = "SELECT o_orderstatus, count(*) AS n, sum(o_totalprice) AS total"
        + " FROM pq.tpch.orders WHERE o_orderstatus = 'P' GROUP BY o_orderstatus";
    assertThat(prunedScans(sql)).containsExactly("orders 1 of 3");
    assertSameRows(sql, false);
    String in = "SELECT count(*) AS n FROM pq.tpch.orders WHERE o_orderstatus IN ('F', 'P')";
    assertThat(prunedScans(in)).containsExactly("orders 2 of 3");
    assertSameRows(in, false);
    // No filter, or one the partition values cannot decide: every file.
    assertThat(prunedScans("SELECT count(*) FROM pq.tpch.orders")).isEmpty();
    assertThat(prunedScans("SELECT count(*) FROM pq.tpch.orders WHERE o_totalprice > 1000"))
        .isEmpty();
  }

  @Test void footerBoundsRuleFilesOut() throws SQLException {
    for (Object[] c : new Object[][] {
        {"l_shipdate >= DATE '1997-06-01'", "lineitem 2 of 7"},
        {"l_shipdate BETWEEN DATE '1994-03-01' AND DATE '1994-04-01'", "lineitem 1 of 7"},
        {"l_shipdate < DATE '1992-06-01' OR l_shipdate > DATE '1998-06-01'", "lineitem 2 of 7"},
        {"NOT (l_shipdate < DATE '1998-01-01')", "lineitem 1 of 7"},
        {"l_shipdate = DATE '1995-07-04' AND l_quantity < 10", "lineitem 1 of 7"},
        {"l_shipdate > DATE '2001-01-01'", "lineitem 0 of 7"}}) {
      String sql = "SELECT l_orderkey, l_linenumber, l_shipdate, l_quantity, l_extendedprice"
          + " FROM pq.tpch.lineitem WHERE " + c[0];
      assertThat(prunedScans(sql)).as(sql).containsExactly((String) c[1]);
      assertSameRows(sql, false);
    }
    String join = "SELECT o_orderpriority, count(*) AS n, sum(l_extendedprice) AS total"
        + " FROM pq.tpch.lineitem JOIN shop.public.orders ON l_orderkey = o_orderkey"
        + " WHERE l_shipdate >= DATE '1998-03-01' GROUP BY o_orderpriority ORDER BY 1";
    assertThat(prunedScans(join)).containsExactly("lineitem 1 of 7");
    assertSameRows(join, true);
  }

  /**
   * A file ruled out is never opened: with the 1992 file's bytes destroyed (same size and
   * time, so its cached footer facts stand), a query that needs only 1998 still answers,
   * while one that reads 1992 fails.
   */
  @Test void ruledOutFilesAreNeverOpened() throws Exception {
    Path file = dir.resolve("tpch").resolve("lineitem").resolve("1992.parquet");
    String sql = "SELECT count(*) AS n, sum(l_quantity) AS q FROM pq.tpch.lineitem"
        + " WHERE l_shipdate >= DATE '1998-01-01'";
    assertSameRows(sql, false); // footers read and cached
    Path saved = dir.resolve("1992.parquet.saved");
    Files.copy(file, saved, StandardCopyOption.REPLACE_EXISTING);
    FileTime time = Files.getLastModifiedTime(file);
    byte[] garbage = new byte[(int) Files.size(file)];
    Arrays.fill(garbage, (byte) 7);
    try {
      Files.write(file, garbage);
      Files.setLastModifiedTime(file, time);
      assertSameRows(sql, false);
      assertThatThrownBy(() -> meridian("SELECT count(*) FROM pq.tpch.lineitem"
          + " WHERE l_shipdate < DATE '1992-03-01'")).hasMessageContaining("1992.parquet");
    } finally {
      Files.copy(saved, file, StandardCopyOption.REPLACE_EXISTING);
      Files.setLastModifiedTime(file, time);
    }
  }

  /** Pruned views are Meridian's own: they resolve but are never listed. */
  @Test void prunedViewsAreNotListed() throws SQLException {
    prunedScans("SELECT count(*) FROM pq.tpch.orders WHERE o_orderstatus = 'O'");
    List<String> tables = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(server.jdbcUrl(), new Properties());
         ResultSet rs = c.getMetaData().getTables("pq", "tpch", null, null)) {
      while (rs.next()) {
        tables.add(rs.getString("TABLE_NAME"));
      }
    }
    assertThat(tables).containsExactlyInAnyOrder("lineitem", "orders");
  }
}
