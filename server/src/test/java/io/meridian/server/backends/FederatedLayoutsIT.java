package io.meridian.server.backends;

import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.Rows;
import io.meridian.server.testing.TpchQueries;

import com.google.common.collect.ImmutableMap;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TPC-H over two more federated layouts than the demo's (see {@code TpchFederatedIT}), with
 * ClickHouse among the backends, under every placement: each of the 22 queries returns what
 * DuckDB returns over the same rows in one database, and the plan of every query reads each
 * table from the backend the layout puts it in.
 */
class FederatedLayoutsIT {
  /**
   * Layout A: orders and customer in PostgreSQL, lineitem in Parquet, part and partsupp in
   * ClickHouse, the rest in DuckDB.
   */
  static final Map<String, String> LAYOUT_A = ImmutableMap.<String, String>builder()
      .put("orders", "tpch_pg.tpch").put("customer", "tpch_pg.tpch")
      .put("lineitem", "lake.tpch")
      .put("part", "tpch_ch.tpch").put("partsupp", "tpch_ch.tpch")
      .put("supplier", "tpch_duckdb.tpch").put("nation", "tpch_duckdb.tpch")
      .put("region", "tpch_duckdb.tpch")
      .build();

  /**
   * Layout B: the two big tables in ClickHouse, the part side in PostgreSQL, customers and
   * geography in DuckDB.
   */
  static final Map<String, String> LAYOUT_B = ImmutableMap.<String, String>builder()
      .put("lineitem", "tpch_ch.tpch").put("orders", "tpch_ch.tpch")
      .put("part", "tpch_pg.tpch").put("partsupp", "tpch_pg.tpch")
      .put("supplier", "tpch_pg.tpch")
      .put("customer", "tpch_duckdb.tpch").put("nation", "tpch_duckdb.tpch")
      .put("region", "tpch_duckdb.tpch")
      .build();

  private static DemoServerFixture demo;
  private static SingleBackendFixture fixture;

  @BeforeAll static void start() throws Exception {
    demo = DemoServerFixture.get();
    fixture = SingleBackendFixture.get();
  }

  static Stream<Arguments> queries() {
    return Stream.of("A", "B").flatMap(layout -> Stream.of("auto", "jvm", "duckdb", "backend")
        .flatMap(placement -> IntStream.rangeClosed(1, 22)
            .mapToObj(n -> Arguments.of(layout, n, placement))));
  }

  @ParameterizedTest(name = "layout {0}, q{1}, placement={2}")
  @MethodSource("queries")
  void queryEqualsColocatedDuckDb(String layout, int n, String placement) throws Exception {
    Map<String, String> places = layout.equals("A") ? LAYOUT_A : LAYOUT_B;
    String original = TpchQueries.query(n);
    String federated = TpchQueries.qualifyEach(original, places);
    Properties info = new Properties();
    info.setProperty("placement", placement);
    Rows actual;
    String plan;
    try (Connection c = DriverManager.getConnection(fixture.server().jdbcUrl(), info);
         Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("EXPLAIN PLAN FOR " + federated)) {
        rs.next();
        plan = rs.getString(1);
      }
      try (ResultSet rs = s.executeQuery(federated)) {
        actual = Rows.read(rs);
      }
    }
    Set<String> catalogsRead = new TreeSet<>();
    for (Map.Entry<String, String> e : places.entrySet()) {
      if (original.matches("(?is).*\\b(from|join|,)\\s+" + e.getKey() + "\\b.*")) {
        catalogsRead.add(e.getValue());
        if (!plan.contains("BackendStatement(")) {
          String[] catalogSchema = e.getValue().split("\\.");
          assertThat(plan).as("%s is read from %s", e.getKey(), e.getValue())
              .contains("table=[[" + catalogSchema[0] + ", " + catalogSchema[1] + ", "
                  + e.getKey() + "]]");
        }
      }
    }
    if (plan.contains("BackendStatement(")) {
      // Sent as written to one backend: only when the layout puts all its tables there.
      assertThat(catalogsRead).as(plan).hasSize(1);
    }
    if (placement.equals("jvm")) {
      assertThat(plan).doesNotContain("EngineExecution");
    }
    Rows expected = demo.queryOracle(original);
    assertThat(actual.differenceFrom(expected, TpchQueries.isOrdered(original)))
        .as("layout %s, q%d, placement=%s", layout, n, placement).isNull();
  }
}
