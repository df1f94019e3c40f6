package io.meridian.server;

import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.Rows;
import io.meridian.server.testing.TpchQueries;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Properties;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * All 22 TPC-H queries over the demo's federated layout (orders, customer, nation, region in
 * PostgreSQL; part, partsupp, supplier in DuckDB; lineitem in Parquet), each compared with DuckDB
 * running the unmodified query over the same rows in one database.
 */
class TpchFederatedIT {
  private static DemoServerFixture fixture;

  @BeforeAll static void start() throws Exception {
    fixture = DemoServerFixture.get();
  }

  /**
   * Every query under every placement: chosen by cost, forced into the JVM, into DuckDB, into
   * the backend holding the big input (where the others are small).
   */
  static Stream<Arguments> queries() {
    return Stream.of("auto", "jvm", "duckdb", "backend").flatMap(placement ->
        IntStream.rangeClosed(1, 22).mapToObj(n -> Arguments.of(n, placement)));
  }

  @ParameterizedTest(name = "q{0}, placement={1}")
  @MethodSource("queries")
  void queryEqualsColocatedDuckDb(int n, String placement) throws Exception {
    String original = TpchQueries.query(n);
    String federated = TpchQueries.forDemoLayout(n);
    assertThat(federated).as("every table is qualified").doesNotContainPattern(
        "(?i)(from|,|join)\\s+(customer|orders|lineitem|part|partsupp|supplier|nation|region)\\b");
    Properties info = new Properties();
    info.setProperty("placement", placement);
    Rows expected = fixture.queryOracle(original);
    Rows actual = fixture.queryMeridian(federated, info);
    assertThat(actual.differenceFrom(expected, TpchQueries.isOrdered(original)))
        .as("q%d, placement=%s", n, placement).isNull();
  }
}
