package io.meridian.server.backends;

import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.Rows;
import io.meridian.server.testing.TpchQueries;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TPC-H-derived queries with all eight tables in one backend, for each backend in turn: the
 * result equals the oracle's, and the whole query runs inside the backend as one statement (the
 * plan is a single JDBC fragment with nothing above it).
 */
class SingleBackendTpchIT {

  private static DemoServerFixture fixture;
  private static SingleBackendFixture backends;

  @BeforeAll static void start() throws Exception {
    fixture = DemoServerFixture.get();
    backends = SingleBackendFixture.get();
  }

  static Stream<Arguments> cases() {
    return Stream.of(Backend.values()).flatMap(b ->
        IntStream.rangeClosed(1, 22).mapToObj(q -> Arguments.of(b, q)));
  }

  /**
   * Known pushdown gaps: the result is right but part of the plan runs in the JVM. The test
   * fails when one of these starts running as one statement, so that the list stays exact.
   */
  static final Map<String, String> PLAN_GAPS = Map.ofEntries();

  /**
   * Known dialect gaps: the SQL Meridian generates for the backend fails there. The test fails
   * when one of these starts working, so that the list stays exact.
   */
  static final Map<String, String> SQL_GAPS = Map.ofEntries();

  private static Map.Entry<String, String> gap(String key, String reason) {
    return Map.entry(key, reason);
  }

  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.EnumSource(Backend.class)
  void aggregatesOverNoRowsAndOuterJoinMissesAreNull(Backend backend) throws Exception {
    String sql = "SELECT sum(l_quantity) AS s, max(l_tax) AS m, count(*) AS c"
        + " FROM %s.lineitem WHERE l_quantity < 0";
    String outer = "SELECT count(*) AS n FROM %1$s.customer c LEFT JOIN %1$s.orders o"
        + " ON o.o_custkey = c.c_custkey WHERE o.o_orderkey IS NULL";
    for (String q : new String[] {sql, outer}) {
      Rows expected = fixture.queryOracle(String.format(q, "tpch"));
      Rows actual = backends.query(String.format(q, backend.catalog + ".tpch"));
      assertThat(actual.differenceFrom(expected, false)).as("%s: %s", backend, q).isNull();
    }
  }


  @ParameterizedTest(name = "{0} q{1}")
  @MethodSource("cases")
  void wholeQueryRunsInTheBackendAndEqualsOracle(Backend backend, int n) throws Exception {
    String original = TpchQueries.query(n);
    String sql = TpchQueries.qualifyAll(original, backend.catalog + ".tpch");
    String key = backend + " q" + n;
    if (SQL_GAPS.containsKey(key)) {
      try (Connection c = DriverManager.getConnection(backends.server().jdbcUrl());
           Statement s = c.createStatement()) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.executeQuery(sql).close())
            .as("%s is a known dialect gap (%s); it now works: remove it from SQL_GAPS", key,
                SQL_GAPS.get(key))
            .isInstanceOf(java.sql.SQLException.class);
      }
      return;
    }
    Rows expected = fixture.queryOracle(original);
    String plan = backends.explain(sql);
    Rows actual = backends.query(sql);
    assertThat(actual.differenceFrom(expected, TpchQueries.isOrdered(original)))
        .as("%s q%d result", backend, n).isNull();
    if (PLAN_GAPS.containsKey(key)) {
      assertThat(SingleBackendFixture.isOneStatement(plan))
          .as("%s is a known pushdown gap (%s); it is now one statement: remove it from"
              + " PLAN_GAPS", key, PLAN_GAPS.get(key))
          .isFalse();
      return;
    }
    assertThat(SingleBackendFixture.isOneStatement(plan))
        .as("%s q%d runs as one statement in the backend:%n%s", backend, n, plan).isTrue();
  }
}
