package io.meridian.adapter.jdbc;

import org.checkerframework.checker.nullness.qual.Nullable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Row-count sources shared by backends. */
public final class RowCountSources {
  private RowCountSources() {
  }

  /**
   * Asks the backend's catalog with a query taking (schema, table) as parameters and returning
   * one number; a negative or missing answer means "unknown".
   */
  public static RowCountSource catalogQuery(String sql) {
    return (connection, schema, table) -> {
      try (PreparedStatement ps = connection.prepareStatement(sql)) {
        ps.setString(1, schema);
        ps.setString(2, table);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            double v = rs.getDouble(1);
            return rs.wasNull() || v < 0 ? null : v;
          }
          return null;
        }
      }
    };
  }

  /**
   * Counts the rows exactly, with a time limit: for sources whose count is cheap (Parquet
   * footers) or small tables the backend has not analyzed.
   */
  public static @Nullable Double exactCount(Connection connection, String schema, String table,
      String quote, int timeoutSeconds) throws SQLException {
    String q = quote;
    try (Statement s = connection.createStatement()) {
      s.setQueryTimeout(timeoutSeconds);
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + q
          + schema.replace(q, q + q) + q + "." + q + table.replace(q, q + q) + q)) {
        return rs.next() ? rs.getDouble(1) : null;
      }
    }
  }

  /** Uses the first source that knows the answer. */
  public static RowCountSource firstOf(RowCountSource... sources) {
    return (connection, schema, table) -> {
      for (RowCountSource source : sources) {
        Double v = source.rowCount(connection, schema, table);
        if (v != null) {
          return v;
        }
      }
      return null;
    };
  }
}
