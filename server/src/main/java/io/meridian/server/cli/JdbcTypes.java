package io.meridian.server.cli;

import java.sql.Types;

/** Classifies JDBC column types for clients that print or compare results. */
public final class JdbcTypes {
  private JdbcTypes() {
  }

  /** Returns whether a {@link Types} code is a number (integer, decimal or floating point). */
  public static boolean isNumeric(int jdbcType) {
    switch (jdbcType) {
    case Types.TINYINT:
    case Types.SMALLINT:
    case Types.INTEGER:
    case Types.BIGINT:
    case Types.DECIMAL:
    case Types.NUMERIC:
    case Types.REAL:
    case Types.FLOAT:
    case Types.DOUBLE:
      return true;
    default:
      return false;
    }
  }
}
