package io.meridian.benchmarks;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Runs a statement and reads every value of every row, returning the row count. */
public final class Drain {
  private Drain() {
  }

  static long run(Connection connection, String sql) throws SQLException {
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rows(rs);
    }
  }

  /** Reads every value of every row of a result, as a client would; returns the row count. */
  public static long rows(ResultSet rs) throws SQLException {
    long rows = 0;
    int n = rs.getMetaData().getColumnCount();
    while (rs.next()) {
      for (int i = 1; i <= n; i++) {
        rs.getObject(i);
      }
      rows++;
    }
    return rows;
  }
}
