package io.meridian.benchmarks.tpch;

import java.sql.Connection;

/**
 * One system the federated TPC-H harness times: it holds the layout's data (or reads it where
 * it lies), answers the 22 queries over JDBC, and is stopped by {@link #close()}.
 */
public interface SystemUnderTest extends AutoCloseable {
  /** Returns the short name the results and charts use, e.g. {@code meridian}. */
  String name();

  /** Returns the version of the system, for the results file. */
  String version();

  /** Returns TPC-H query {@code n} (1..22) as this system is to run it. */
  String sql(int n);

  /** Returns the connection the harness runs the queries on (owned by the system). */
  Connection connection();

  /**
   * Brings the system back to a usable state after a query overran the harness's cap and did not
   * stop when cancelled (e.g. ends and restarts its process). The default does nothing.
   */
  default void recover() throws Exception {
  }

  /**
   * Returns, per query number, the rows the system moved between its engines for one execution
   * (the median over the executions), for the queries it can tell; {@code sqlByQuery} holds
   * the text run for each query. The default tells none.
   */
  default java.util.Map<Integer, Long> rowsMoved(java.util.Map<Integer, String> sqlByQuery)
      throws Exception {
    return java.util.Map.of();
  }
}
