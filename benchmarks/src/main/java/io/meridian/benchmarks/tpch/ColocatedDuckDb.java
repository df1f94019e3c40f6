package io.meridian.benchmarks.tpch;

import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.testing.TpchQueries;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The co-located limit: all eight tables in one embedded DuckDB database, each query as written.
 * Also the harness's oracle: every other system's answer is compared with this one's.
 */
final class ColocatedDuckDb implements SystemUnderTest {
  private final Connection connection;

  ColocatedDuckDb(DemoEnvironment demo) throws SQLException {
    connection = demo.openColocated();
  }

  @Override public String name() {
    return "duckdb-colocated";
  }

  @Override public String version() {
    try (Statement s = connection.createStatement();
        var rs = s.executeQuery("SELECT library_version FROM pragma_version()")) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      return "unknown";
    }
  }

  @Override public String sql(int n) {
    return TpchQueries.query(n);
  }

  @Override public Connection connection() {
    return connection;
  }

  @Override public void close() throws SQLException {
    connection.close();
  }
}
