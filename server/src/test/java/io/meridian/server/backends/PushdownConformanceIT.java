package io.meridian.server.backends;

import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.Rows;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pushdown matrix: one query per SQL construct, run against every backend holding the TPC-H
 * tables. Each result must equal the oracle's; and the plan must place it exactly as
 * {@link #placement} says (as written, one statement from the plan, or partly in the JVM), and
 * the SQL sent as written must contain the construct, so the matrix below is both the
 * documentation and the test of what runs where.
 */
class PushdownConformanceIT {
  /** One SQL construct, written over schema {@code %s} (the backend's {@code catalog.tpch}). */
  enum Construct {
    FILTER_LIKE("LIKE", "SELECT p_partkey FROM %s.part WHERE p_name LIKE '%%green%%'"),
    FILTER_IN_LIST("IN \\(", "SELECT p_partkey FROM %s.part WHERE p_size IN (1, 5, 10)"),
    FILTER_BETWEEN(">=", "SELECT p_partkey FROM %s.part WHERE p_retailprice BETWEEN 1000 AND 1100"),
    CASE_EXPRESSION("CASE WHEN", "SELECT p_partkey, CASE WHEN p_size > 25 THEN 'big' ELSE 'small' END AS k"
        + " FROM %s.part"),
    DATE_ARITHMETIC("INTERVAL", "SELECT o_orderkey FROM %s.orders"
        + " WHERE o_orderdate + INTERVAL '30' DAY < DATE '1992-03-01'"),
    EXTRACT_YEAR("GROUP BY", "SELECT EXTRACT(YEAR FROM o_orderdate) AS y, count(*) AS n FROM %s.orders"
        + " GROUP BY EXTRACT(YEAR FROM o_orderdate)"),
    STRING_FUNCTIONS("UPPER\\(", "SELECT UPPER(SUBSTRING(c_name, 1, 8)) AS u, CHAR_LENGTH(c_name) AS l"
        + " FROM %s.customer"),
    GROUP_BY_HAVING("HAVING", "SELECT o_custkey, count(*) AS n FROM %s.orders GROUP BY o_custkey"
        + " HAVING count(*) > 20"),
    COUNT_DISTINCT("COUNT\\(DISTINCT", "SELECT count(DISTINCT o_custkey) AS n FROM %s.orders"),
    DISTINCT_AND_PLAIN_AGGREGATES("COUNT\\(DISTINCT", "SELECT o_orderstatus, count(DISTINCT o_custkey) AS c,"
        + " sum(o_totalprice) AS s FROM %s.orders GROUP BY o_orderstatus"),
    INNER_JOIN("JOIN", "SELECT n_name, r_name FROM %1$s.nation JOIN %1$s.region"
        + " ON n_regionkey = r_regionkey"),
    LEFT_JOIN("LEFT JOIN", "SELECT c_custkey, o_orderkey FROM %1$s.customer LEFT JOIN %1$s.orders"
        + " ON o_custkey = c_custkey AND o_totalprice > 400000"),
    SEMI_JOIN_IN("IN \\(SELECT", "SELECT c_custkey FROM %1$s.customer WHERE c_custkey IN"
        + " (SELECT o_custkey FROM %1$s.orders WHERE o_totalprice > 400000)"),
    ANTI_JOIN_NOT_EXISTS("NOT EXISTS", "SELECT c_custkey FROM %1$s.customer c WHERE NOT EXISTS"
        + " (SELECT 1 FROM %1$s.orders o WHERE o.o_custkey = c.c_custkey)"),
    ORDER_LIMIT_OFFSET("OFFSET|LIMIT 10, 5", "SELECT o_orderkey FROM %s.orders ORDER BY o_orderkey LIMIT 5 OFFSET 10"),
    UNION_ALL("UNION ALL", "SELECT n_name AS name FROM %1$s.nation UNION ALL SELECT r_name FROM %1$s.region"),
    UNION_DISTINCT("UNION", "SELECT n_regionkey AS k FROM %1$s.nation UNION"
        + " SELECT r_regionkey FROM %1$s.region"),
    INTERSECT("INTERSECT", "SELECT n_regionkey AS k FROM %1$s.nation INTERSECT"
        + " SELECT r_regionkey FROM %1$s.region"),
    EXCEPT("EXCEPT", "SELECT n_nationkey AS k FROM %1$s.nation EXCEPT SELECT r_regionkey FROM %1$s.region"),
    WINDOW_ROW_NUMBER("OVER \\(", "SELECT o_custkey, o_orderkey, row_number() OVER (PARTITION BY o_custkey"
        + " ORDER BY o_orderdate, o_orderkey) AS rn FROM %s.orders WHERE o_custkey < 50"),
    WINDOW_AGGREGATE("OVER \\(", "SELECT o_orderkey, sum(o_totalprice) OVER (PARTITION BY o_custkey) AS s"
        + " FROM %s.orders WHERE o_custkey < 50");

    /** A pattern the SQL sent to the backend must contain (in upper case). */
    final String marker;
    final String sql;

    Construct(String marker, String sql) {
      this.marker = marker;
      this.sql = sql;
    }
  }

  /** Where a construct runs in a backend. */
  enum Placement {
    /** The statement goes to the backend as the user wrote it ({@code BackendStatement}). */
    AS_WRITTEN,
    /** One statement for the backend, generated from Meridian's plan. */
    FROM_PLAN,
    /** Part of the plan runs in the JVM. */
    PARTLY_IN_JVM
  }

  /**
   * Where each backend runs each construct: the pushdown matrix of docs/pushdown.md. No
   * default branch: adding a construct or a backend forces a decision here.
   */
  static Placement placement(Construct construct, Backend backend) {
    switch (construct) {
    case FILTER_LIKE:
    case FILTER_IN_LIST:
    case FILTER_BETWEEN:
    case CASE_EXPRESSION:
    case DATE_ARITHMETIC:
    case EXTRACT_YEAR:
    case STRING_FUNCTIONS:
    case GROUP_BY_HAVING:
    case COUNT_DISTINCT:
    case DISTINCT_AND_PLAIN_AGGREGATES:
    case INNER_JOIN:
    case SEMI_JOIN_IN:
    case ORDER_LIMIT_OFFSET:
    case UNION_ALL:
    case UNION_DISTINCT:
    case INTERSECT:
    case EXCEPT:
    case LEFT_JOIN:
    case ANTI_JOIN_NOT_EXISTS: // correlated: ClickHouse 26 runs correlated sub-queries
    case WINDOW_ROW_NUMBER: // Calcite's ClickHouse dialect declares no windows; as written
    case WINDOW_AGGREGATE:
      switch (backend) {
      case POSTGRES:
      case DUCKDB:
      case CLICKHOUSE:
        return Placement.AS_WRITTEN;
      }
      throw new AssertionError(backend);
    }
    throw new AssertionError(construct);
  }

  private static DemoServerFixture fixture;
  private static SingleBackendFixture backends;

  @BeforeAll static void start() throws Exception {
    fixture = DemoServerFixture.get();
    backends = SingleBackendFixture.get();
  }

  static Stream<Arguments> cases() {
    return Stream.of(Construct.values()).flatMap(c ->
        Stream.of(Backend.values()).map(b -> Arguments.of(c, b)));
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void resultEqualsOracleAndPlanMatchesTheMatrix(Construct construct, Backend backend)
      throws Exception {
    String sql = String.format(construct.sql, backend.catalog + ".tpch");
    Rows expected = fixture.queryOracle(String.format(construct.sql, "tpch"));
    String plan = backends.explain(sql);
    Rows actual = backends.query(sql);
    boolean ordered = construct == Construct.ORDER_LIMIT_OFFSET;
    assertThat(actual.differenceFrom(expected, ordered)).as("%s on %s", construct, backend)
        .isNull();
    Placement where = placement(construct, backend);
    assertThat(SingleBackendFixture.isOneStatement(plan))
        .as("%s on %s runs as one statement:%n%s", construct, backend, plan)
        .isEqualTo(where != Placement.PARTLY_IN_JVM);
    String sent = SingleBackendFixture.sqlSentAsWritten(plan);
    assertThat(sent != null)
        .as("%s on %s is sent as written:%n%s", construct, backend, plan)
        .isEqualTo(where == Placement.AS_WRITTEN);
    if (sent != null) {
      assertThat(sent.toUpperCase(java.util.Locale.ROOT))
          .as("SQL sent for %s on %s", construct, backend).containsPattern(construct.marker);
    }
  }
}
