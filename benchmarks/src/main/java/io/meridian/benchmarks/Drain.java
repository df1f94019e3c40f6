package io.meridian.benchmarks;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Runs a statement and reads every value of every row, returning the row count. */
final class Drain {
  private Drain() {
  }

  static long run(Connection connection, String sql) throws SQLException {
    long rows = 0;
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        for (int i = 1; i <= n; i++) {
          rs.getObject(i);
        }
        rows++;
      }
    }
    return rows;
  }
}
