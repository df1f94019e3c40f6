package io.meridian.server.cli;

import org.apache.calcite.avatica.AvaticaSqlException;

import java.sql.SQLException;

/** Turns the exception a JDBC client receives into one readable line. */
final class ErrorMessages {
  private static final String MARKER = "Error while executing SQL \"";

  private ErrorMessages() {
  }

  /**
   * Returns the most specific message: the server's own message without Avatica's
   * {@code Error -1 (42000) : } prefix, and without a repetition of the SQL text.
   */
  static String clientMessage(SQLException e) {
    String m = e instanceof AvaticaSqlException
        ? ((AvaticaSqlException) e).getErrorMessage() : e.getMessage();
    if (m == null) {
      return e.toString();
    }
    int i = m.indexOf(MARKER);
    if (i >= 0) {
      int end = m.indexOf("\": ", i + MARKER.length());
      if (end >= 0) {
        m = m.substring(end + 3);
      }
    }
    if (m.startsWith("Remote driver error: ")) {
      m = m.substring("Remote driver error: ".length());
    }
    return m.strip() + (e.getSQLState() == null ? "" : " [SQLSTATE " + e.getSQLState() + "]");
  }
}
