package io.meridian.planner.rel;

import org.apache.calcite.DataContext;
import org.apache.calcite.avatica.util.ByteString;
import org.apache.calcite.runtime.ResultSetEnumerable;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;

/** Reads backend values that Calcite's generated JDBC code reads wrongly; called by that code. */
public final class BackendValues {
  private BackendValues() {
  }

  /**
   * Reads a column that Meridian serves as text. Calcite reads text columns with
   * {@code getObject}; for the backends' non-portable types (ClickHouse arrays and tuples,
   * network addresses) that is a driver object whose {@code toString} is not its value. Arrays
   * are written {@code [1, 2, 3]} and tuples {@code (1, 'z')} whatever the backend.
   */
  public static @Nullable String text(ResultSet resultSet, int column) throws SQLException {
    Object value = resultSet.getObject(column);
    if (value == null || value instanceof String) {
      return (String) value;
    }
    if (value instanceof java.sql.Array || value instanceof Object[]
        || value instanceof java.util.Collection || value.getClass().isArray()
        || value instanceof java.net.InetAddress) {
      return render(value);
    }
    return resultSet.getString(column);
  }

  private static String render(@Nullable Object value) throws SQLException {
    if (value == null) {
      return "NULL";
    }
    if (value instanceof java.sql.Array) {
      Object elements = ((java.sql.Array) value).getArray();
      return elements instanceof Object[]
          ? join(java.util.Arrays.asList((Object[]) elements), "[", "]") : render(elements);
    }
    if (value instanceof java.net.InetAddress) {
      return ((java.net.InetAddress) value).getHostAddress();
    }
    if (value instanceof Object[]) {
      // ClickHouse hands tuples over as Object[] and arrays as java.sql.Array.
      return join(java.util.Arrays.asList((Object[]) value), "(", ")");
    }
    if (value instanceof java.util.Collection) {
      return join((java.util.Collection<?>) value, "[", "]");
    }
    if (value.getClass().isArray()) {
      int n = java.lang.reflect.Array.getLength(value);
      java.util.List<Object> items = new java.util.ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        items.add(java.lang.reflect.Array.get(value, i));
      }
      return join(items, "[", "]");
    }
    return value.toString();
  }

  private static String join(java.util.Collection<?> items, String open, String close)
      throws SQLException {
    StringBuilder b = new StringBuilder(open);
    for (Object item : items) {
      if (b.length() > open.length()) {
        b.append(", ");
      }
      b.append(render(item));
    }
    return b.append(close).toString();
  }

  /**
   * Reads a binary column as Calcite's {@link ByteString}. Calcite reads binary columns with
   * {@code getObject}, which returns a driver's {@code Blob} object for DuckDB's BLOB and a
   * {@code byte[]} elsewhere, neither of which the JVM's operators and the wire protocol take.
   */
  public static @Nullable ByteString bytes(ResultSet resultSet, int column) throws SQLException {
    byte[] bytes = resultSet.getBytes(column);
    return bytes == null ? null : new ByteString(bytes);
  }

  /**
   * Converts Calcite's internal value of a date or time (days, milliseconds as if UTC) into the
   * java.time value a driver writes as that same wall clock, whatever the JVM's zone; other
   * values are returned as they are.
   *
   * @param type the value's SQL type name
   */
  public static @Nullable Object toJdbc(@Nullable Object value, String type) {
    if (!(value instanceof Number)) {
      return value;
    }
    long n = ((Number) value).longValue();
    switch (type) {
    case "DATE":
      return LocalDate.ofEpochDay(n);
    case "TIME":
      return LocalTime.ofNanoOfDay(n * 1_000_000L);
    case "TIMESTAMP":
      return LocalDateTime.ofEpochSecond(Math.floorDiv(n, 1000L),
          (int) Math.floorMod(n, 1000L) * 1_000_000, ZoneOffset.UTC);
    default:
      return value;
    }
  }

  /**
   * Binds a fragment's parameters (what Calcite's {@code ResultSetEnumerable.createEnricher}
   * does), with dates and times as java.time values: Calcite's binder passes its internal
   * numbers, which a backend takes for integers ("timestamp = bigint").
   *
   * @param indexes the statement's parameters, in order, by their index in the query
   * @param types the SQL type name of each of the query's parameters, by index
   */
  public static ResultSetEnumerable.PreparedStatementEnricher enricher(Integer[] indexes,
      DataContext context, String[] types) {
    return statement -> {
      for (int i = 0; i < indexes.length; i++) {
        int index = indexes[i];
        Object value = context.get("?" + index);
        if (value == null) {
          statement.setObject(i + 1, null, java.sql.Types.OTHER);
        } else {
          statement.setObject(i + 1, toJdbc(value, index < types.length ? types[index] : ""));
        }
      }
    };
  }
}
