package io.meridian.adapter.parquet;

import io.meridian.adapter.LakeFilters;
import io.meridian.adapter.jdbc.TableStatisticsCache.ColumnInfo;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.type.SqlTypeName;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The files of a Parquet folder table and what their footers and paths say about each column:
 * the smallest and largest value and the NULL count over the file's row groups (exact numbers,
 * dates and timestamps only; see {@link #ordered}), and the values of Hive-style
 * {@code key=value} partition folders (exact, any type). A filter is evaluated on these facts
 * ({@link #mayMatch}) to rule whole files out before any is read. Footers are read with DuckDB's
 * {@code parquet_metadata()} and cached per file (path, size, modification time).
 */
final class ParquetFiles {
  /** What one file holds: its rows, and per column its bounds and NULL count. */
  record FileFacts(String path, long rows, Map<String, Bounds> columns) {
  }

  /** A column's bounds in one file; null where unknown (a bound, or the NULL count). */
  record Bounds(@Nullable Comparable<Object> min, @Nullable Comparable<Object> max,
      @Nullable Long nulls) {
  }

  private final Cache<List<Object>, FileFacts> footers =
      CacheBuilder.newBuilder().maximumSize(100_000).build();

  /**
   * Lists a folder table's Parquet files, sorted: the files its glob reads
   * ({@link ParquetLayout.TableLocation#glob()}; files being written end in {@code .tmp}).
   */
  static List<Path> list(Path folder) {
    try (Stream<Path> files = Files.walk(folder)) {
      return files.filter(ParquetLayout::isParquetFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the files of " + folder, e);
    }
  }

  /** Returns the facts of each file, reading the footers of files not seen before. */
  List<FileFacts> facts(Connection connection, Path folder, List<Path> files,
      List<ColumnInfo> columns) throws SQLException {
    Map<String, ColumnInfo> byName = new HashMap<>();
    for (ColumnInfo c : columns) {
      byName.put(c.name(), c);
    }
    List<FileFacts> result = new ArrayList<>();
    for (Path file : files) {
      List<Object> key;
      try {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        key = List.of(file.toString(), a.size(), a.lastModifiedTime().toMillis(),
            columns.hashCode());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
      FileFacts facts = footers.getIfPresent(key);
      if (facts == null) {
        facts = read(connection, folder, file, byName);
        footers.put(key, facts);
      }
      result.add(facts);
    }
    return result;
  }

  private static FileFacts read(Connection connection, Path folder, Path file,
      Map<String, ColumnInfo> byName) throws SQLException {
    Map<String, Bounds> columns = new HashMap<>();
    long rows = 0;
    try (PreparedStatement s = connection.prepareStatement("SELECT path_in_schema,"
        + " count(*), count(stats_min_value), count(stats_max_value),"
        + " count(stats_null_count), sum(stats_null_count),"
        + " list(stats_min_value), list(stats_max_value)"
        + " FROM parquet_metadata(?) GROUP BY path_in_schema")) {
      s.setString(1, file.toString());
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          ColumnInfo column = byName.get(rs.getString(1));
          if (column == null) {
            continue;
          }
          int groups = rs.getInt(2);
          boolean bounded = ordered(column) && rs.getInt(3) == groups
              && rs.getInt(4) == groups;
          Comparable<Object> min = bounded ? extreme(column, rs.getArray(7), -1) : null;
          Comparable<Object> max = bounded ? extreme(column, rs.getArray(8), 1) : null;
          columns.put(column.name(), new Bounds(min, max,
              rs.getInt(5) == groups ? Long.valueOf(rs.getLong(6)) : null));
        }
      }
    }
    try (PreparedStatement s = connection.prepareStatement(
        "SELECT num_rows FROM parquet_file_metadata(?)")) {
      s.setString(1, file.toString());
      try (ResultSet rs = s.executeQuery()) {
        rows = rs.next() ? rs.getLong(1) : 0;
      }
    }
    // Hive partition folders: key=value, exact for every row of the file. A value with an
    // escape (%XX) is left unknown rather than decoded differently from DuckDB.
    for (Path part : folder.relativize(file.getParent() == null ? file : file.getParent())) {
      String segment = part.toString();
      int eq = segment.indexOf('=');
      ColumnInfo column = eq > 0 ? byName.get(segment.substring(0, eq)) : null;
      if (column != null && segment.indexOf('%') < 0) {
        String text = segment.substring(eq + 1);
        boolean isNull = text.equals("__HIVE_DEFAULT_PARTITION__") || text.equals("NULL");
        Comparable<Object> v = isNull ? null : value(column, text);
        if (isNull || v != null) {
          columns.put(column.name(), new Bounds(v, v, isNull ? rows : 0L));
        }
      }
    }
    return new FileFacts(file.toString(), rows, columns);
  }

  /**
   * Returns the least ({@code sign} -1) or greatest (1) of the row groups' bounds, or null when
   * one does not parse.
   */
  private static @Nullable Comparable<Object> extreme(ColumnInfo column, java.sql.Array bounds,
      int sign) throws SQLException {
    Comparable<Object> result = null;
    for (Object text : (Object[]) bounds.getArray()) {
      Comparable<Object> v = value(column, text == null ? null : text.toString());
      if (v == null) {
        return null;
      }
      if (result == null || Integer.signum(v.compareTo(result)) == sign) {
        result = v;
      }
    }
    return result;
  }

  /**
   * Whether footer bounds of this column's type can rule files out: integers, decimals, dates
   * and timestamps. Not strings (writers may truncate their bounds) and not floating point
   * (footers leave NaN out of the bounds, and NaN compares above every number).
   */
  private static boolean ordered(ColumnInfo column) {
    switch (column.dataType()) {
    case Types.DATE:
    case Types.TIMESTAMP:
      return true;
    default:
      return exactNumber(column);
    }
  }

  private static boolean exactNumber(ColumnInfo column) {
    SqlTypeName type = SqlTypeName.getNameForJdbcType(column.dataType());
    return type != null && SqlTypeName.EXACT_TYPES.contains(type);
  }

  private static boolean numeric(ColumnInfo column) {
    SqlTypeName type = SqlTypeName.getNameForJdbcType(column.dataType());
    return type != null && SqlTypeName.NUMERIC_TYPES.contains(type);
  }

  /**
   * Returns a value as a comparable of the column's type (numbers as decimals, everything
   * else as text: ISO dates and timestamps order correctly), or null when it does not parse.
   */
  @SuppressWarnings("unchecked")
  static @Nullable Comparable<Object> value(ColumnInfo column, @Nullable String text) {
    if (text == null) {
      return null;
    }
    if (numeric(column)) {
      try {
        return (Comparable<Object>) (Comparable<?>) new PlainDecimal(new BigDecimal(text.trim()));
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return (Comparable<Object>) (Comparable<?>) text;
  }

  /** A decimal that prints without an exponent. */
  record PlainDecimal(BigDecimal value) implements Comparable<PlainDecimal> {
    @Override public int compareTo(PlainDecimal o) {
      return value.compareTo(o.value);
    }

    @Override public String toString() {
      return value.toPlainString();
    }
  }

  /**
   * Returns the files a condition may match: a file is ruled out only where its facts prove
   * that no row satisfies the condition. Null when the condition says nothing about the facts.
   */
  static @Nullable List<FileFacts> mayMatch(RexNode condition, RelDataType rowType,
      List<ColumnInfo> columns, List<FileFacts> files) {
    FileFilter filter = new Translator(columns).translate(condition, rowType);
    return filter == null ? null : files.stream().filter(filter::may).toList();
  }

  /**
   * A condition over a file's facts: {@link #may} whether some row of the file may satisfy
   * it, {@link #must} whether every row surely does (what {@code NOT} needs).
   */
  private interface FileFilter {
    boolean may(FileFacts f);

    boolean must(FileFacts f);
  }

  private static final class Translator extends LakeFilters<FileFilter> {
    private final Map<String, ColumnInfo> columns = new HashMap<>();

    Translator(List<ColumnInfo> columns) {
      for (ColumnInfo c : columns) {
        this.columns.put(c.name(), c);
      }
    }

    @Override protected boolean hasColumn(String name) {
      return columns.containsKey(name);
    }

    @Override protected FileFilter and(FileFilter left, FileFilter right) {
      return filter(f -> left.may(f) && right.may(f), f -> left.must(f) && right.must(f));
    }

    @Override protected FileFilter or(FileFilter left, FileFilter right) {
      return filter(f -> left.may(f) || right.may(f), f -> left.must(f) || right.must(f));
    }

    @Override protected FileFilter not(FileFilter operand) {
      return filter(f -> !operand.must(f), f -> !operand.may(f));
    }

    @Override protected FileFilter isNull(String column, boolean isNull) {
      return filter(f -> {
        Bounds b = f.columns().get(column);
        Long nulls = b == null ? null : b.nulls();
        return nulls == null || (isNull ? nulls > 0 : nulls < f.rows());
      }, f -> {
        Bounds b = f.columns().get(column);
        Long nulls = b == null ? null : b.nulls();
        return nulls != null && (isNull ? nulls == f.rows() : nulls == 0);
      });
    }

    @Override protected @Nullable FileFilter compare(SqlKind kind, String column,
        RexLiteral literal) {
      ColumnInfo info = columns.get(column);
      String text;
      if (numeric(info)) {
        BigDecimal v = literal.getValueAs(BigDecimal.class);
        text = v == null ? null : v.toPlainString();
      } else if (info.dataType() == Types.DATE) {
        Integer days = days(literal);
        text = days == null ? null : java.time.LocalDate.ofEpochDay(days).toString();
      } else {
        text = text(literal);
      }
      Comparable<Object> v = value(info, text);
      if (v == null) {
        return null;
      }
      return filter(f -> {
        Bounds b = f.columns().get(column);
        if (b == null || b.min() == null || b.max() == null) {
          return true;
        }
        int lo = b.min().compareTo(v);
        int hi = b.max().compareTo(v);
        switch (kind) {
        case EQUALS:
          return lo <= 0 && hi >= 0;
        case NOT_EQUALS:
          return !(lo == 0 && hi == 0);
        case LESS_THAN:
          return lo < 0;
        case LESS_THAN_OR_EQUAL:
          return lo <= 0;
        case GREATER_THAN:
          return hi > 0;
        default:
          return hi >= 0;
        }
      }, f -> {
        Bounds b = f.columns().get(column);
        if (b == null || b.min() == null || b.max() == null || b.nulls() == null
            || b.nulls() > 0) {
          return false;
        }
        int lo = b.min().compareTo(v);
        int hi = b.max().compareTo(v);
        switch (kind) {
        case EQUALS:
          return lo == 0 && hi == 0;
        case NOT_EQUALS:
          return lo > 0 || hi < 0;
        case LESS_THAN:
          return hi < 0;
        case LESS_THAN_OR_EQUAL:
          return hi <= 0;
        case GREATER_THAN:
          return lo > 0;
        default:
          return lo >= 0;
        }
      });
    }

    private static FileFilter filter(java.util.function.Predicate<FileFacts> may,
        java.util.function.Predicate<FileFacts> must) {
      return new FileFilter() {
        @Override public boolean may(FileFacts f) {
          return may.test(f);
        }

        @Override public boolean must(FileFacts f) {
          return must.test(f);
        }
      };
    }
  }
}
