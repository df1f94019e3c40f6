package io.meridian.server.cli;

import java.io.PrintStream;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Prints a result set as an aligned text table, numbers right-aligned, NULL as {@code NULL}. */
final class TablePrinter {
  private TablePrinter() {
  }

  /** Prints all rows (up to {@code maxRows}) and returns how many were printed. */
  static long print(ResultSet rs, PrintStream out, long maxRows) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    String[] header = new String[n];
    boolean[] numeric = new boolean[n];
    int[] width = new int[n];
    for (int i = 0; i < n; i++) {
      header[i] = md.getColumnLabel(i + 1);
      numeric[i] = JdbcTypes.isNumeric(md.getColumnType(i + 1));
      width[i] = header[i].length();
    }
    List<String[]> rows = new ArrayList<>();
    long count = 0;
    boolean truncated = false;
    while (rs.next()) {
      if (count == maxRows) {
        truncated = true;
        break;
      }
      String[] row = new String[n];
      for (int i = 0; i < n; i++) {
        Object v = rs.getObject(i + 1);
        row[i] = v == null ? "NULL" : v instanceof java.math.BigDecimal
            ? ((java.math.BigDecimal) v).toPlainString() : v.toString();
        width[i] = Math.max(width[i], row[i].length());
      }
      rows.add(row);
      count++;
    }
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < n; i++) {
      line.append(i == 0 ? "" : " | ").append(pad(header[i], width[i], false));
    }
    out.println(line);
    line.setLength(0);
    for (int i = 0; i < n; i++) {
      line.append(i == 0 ? "" : "-+-").append("-".repeat(width[i]));
    }
    out.println(line);
    for (String[] row : rows) {
      line.setLength(0);
      for (int i = 0; i < n; i++) {
        line.append(i == 0 ? "" : " | ").append(pad(row[i], width[i], numeric[i]));
      }
      out.println(line);
    }
    out.println("(" + count + (count == 1 ? " row" : " rows")
        + (truncated ? ", more not shown" : "") + ")");
    return count;
  }

  private static String pad(String s, int width, boolean right) {
    String fill = " ".repeat(width - s.length());
    return right ? fill + s : s + fill;
  }
}
