package io.meridian.server.testing;

import java.math.BigDecimal;
import java.math.MathContext;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A whole result set read into memory with its column types, for differential comparison: two
 * results are equal when they have the same number of columns, compatible types, and the same
 * rows (in order when the query orders them), with NULL equal only to NULL and numbers equal
 * within a relative tolerance.
 */
public final class Rows {
  /** Relative tolerance for numbers (averages and sums of decimals differ in the last digits). */
  public static final double TOLERANCE = 1e-9;

  private final List<String> labels;
  private final List<Kind> kinds;
  private final List<List<Object>> rows;

  /** The comparison class of a column type. */
  public enum Kind { NUMBER, TEXT, DATE, TIME, TIMESTAMP, BOOLEAN, OTHER }

  private Rows(List<String> labels, List<Kind> kinds, List<List<Object>> rows) {
    this.labels = labels;
    this.kinds = kinds;
    this.rows = rows;
  }

  /** Reads every row of a result set. */
  public static Rows read(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    List<String> labels = new ArrayList<>();
    List<Kind> kinds = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      labels.add(md.getColumnLabel(i));
      kinds.add(kind(md.getColumnType(i), md.getColumnTypeName(i)));
    }
    List<List<Object>> rows = new ArrayList<>();
    while (rs.next()) {
      List<Object> row = new ArrayList<>(n);
      for (int i = 1; i <= n; i++) {
        row.add(normalize(kinds.get(i - 1), rs, i));
      }
      rows.add(row);
    }
    return new Rows(labels, kinds, rows);
  }

  private static Object normalize(Kind kind, ResultSet rs, int i) throws SQLException {
    switch (kind) {
    case NUMBER: {
      Object v = rs.getObject(i);
      if (v == null) {
        return null;
      }
      return v instanceof BigDecimal ? (BigDecimal) v : new BigDecimal(v.toString());
    }
    case DATE: {
      java.sql.Date d = rs.getDate(i);
      return d == null ? null : d.toLocalDate().toString();
    }
    case TIMESTAMP: {
      java.sql.Timestamp t = rs.getTimestamp(i);
      return t == null ? null : t.toLocalDateTime().toString();
    }
    case BOOLEAN: {
      boolean b = rs.getBoolean(i);
      return rs.wasNull() ? null : b;
    }
    default: {
      Object v = rs.getObject(i);
      return v == null ? null : v.toString();
    }
    }
  }

  private static Kind kind(int jdbcType, String typeName) {
    if (jdbcType == Types.OTHER && typeName != null
        && typeName.toUpperCase(java.util.Locale.ROOT).matches("U?HUGEINT|UBIGINT|UINTEGER")) {
      return Kind.NUMBER; // DuckDB's wide integers (SUM of integers is HUGEINT)
    }
    if (io.meridian.server.cli.JdbcTypes.isNumeric(jdbcType)) {
      return Kind.NUMBER;
    }
    switch (jdbcType) {
    case Types.CHAR:
    case Types.VARCHAR:
    case Types.LONGVARCHAR:
    case Types.NCHAR:
    case Types.NVARCHAR:
      return Kind.TEXT;
    case Types.DATE:
      return Kind.DATE;
    case Types.TIME:
      return Kind.TIME;
    case Types.TIMESTAMP:
    case Types.TIMESTAMP_WITH_TIMEZONE:
      return Kind.TIMESTAMP;
    case Types.BOOLEAN:
    case Types.BIT:
      return Kind.BOOLEAN;
    default:
      return Kind.OTHER;
    }
  }

  /** Returns the rows. */
  public List<List<Object>> rows() {
    return rows;
  }

  /** Returns the column labels. */
  public List<String> labels() {
    return labels;
  }

  /** Returns the column kinds. */
  public List<Kind> kinds() {
    return kinds;
  }

  /** Returns the row count. */
  public int size() {
    return rows.size();
  }

  /**
   * Returns null when this result equals the expected one, else a description of the first
   * difference.
   *
   * @param ordered whether row order matters (the query has a top-level ORDER BY)
   */
  public String differenceFrom(Rows expected, boolean ordered) {
    return differenceFrom(expected, ordered, TOLERANCE);
  }

  /**
   * As {@link #differenceFrom(Rows, boolean)}, for checking other engines' answers as the TPC-H
   * answer checks do: decimals are equal when they differ by at most {@code tolerance} relative
   * to the larger, after the expected value is rounded to the actual value's scale when that is
   * smaller (Trino and Calcite return the average of a DECIMAL(15,2) column at scale 2).
   */
  public String differenceFrom(Rows expected, boolean ordered, double tolerance) {
    if (labels.size() != expected.labels.size()) {
      return "column count " + labels.size() + " != expected " + expected.labels.size();
    }
    for (int i = 0; i < kinds.size(); i++) {
      if (kinds.get(i) != expected.kinds.get(i)) {
        return "column " + (i + 1) + " (" + labels.get(i) + ") is " + kinds.get(i)
            + ", expected " + expected.kinds.get(i);
      }
    }
    if (rows.size() != expected.rows.size()) {
      return "row count " + rows.size() + " != expected " + expected.rows.size();
    }
    List<List<Object>> actualRows = ordered ? rows : sorted(rows);
    List<List<Object>> expectedRows = ordered ? expected.rows : sorted(expected.rows);
    for (int r = 0; r < actualRows.size(); r++) {
      List<Object> a = actualRows.get(r);
      List<Object> e = expectedRows.get(r);
      for (int c = 0; c < a.size(); c++) {
        if (!valueEquals(a.get(c), e.get(c), tolerance)) {
          return "row " + (r + 1) + " column " + (c + 1) + " (" + labels.get(c) + "): "
              + a.get(c) + " != expected " + e.get(c) + "\n  actual row:   " + a
              + "\n  expected row: " + e;
        }
      }
    }
    return null;
  }

  static boolean valueEquals(Object a, Object e) {
    return valueEquals(a, e, TOLERANCE);
  }

  private static boolean valueEquals(Object a, Object e, double tolerance) {
    if (a == null || e == null) {
      return a == e;
    }
    if (a instanceof BigDecimal && e instanceof BigDecimal) {
      BigDecimal x = (BigDecimal) a;
      BigDecimal y = (BigDecimal) e;
      if (tolerance > TOLERANCE && x.scale() < y.scale()) {
        y = y.setScale(x.scale(), java.math.RoundingMode.HALF_UP);
      }
      if (x.compareTo(y) == 0) {
        return true;
      }
      BigDecimal diff = x.subtract(y).abs();
      BigDecimal scale = x.abs().max(y.abs());
      return diff.compareTo(scale.multiply(BigDecimal.valueOf(tolerance), MathContext.DECIMAL64))
          <= 0;
    }
    return Objects.equals(a, e);
  }

  private static List<List<Object>> sorted(List<List<Object>> rows) {
    List<List<Object>> copy = new ArrayList<>(rows);
    copy.sort(ROW_ORDER);
    return copy;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static final Comparator<List<Object>> ROW_ORDER = (x, y) -> {
    for (int i = 0; i < x.size(); i++) {
      Object a = x.get(i);
      Object b = y.get(i);
      if (a == null || b == null) {
        if (a != b) {
          return a == null ? -1 : 1;
        }
        continue;
      }
      int c = a instanceof Comparable && a.getClass() == b.getClass()
          ? ((Comparable) a).compareTo(b) : a.toString().compareTo(b.toString());
      if (c != 0) {
        return c;
      }
    }
    return 0;
  };

  @Override public String toString() {
    return labels + " " + rows.size() + " rows";
  }
}
