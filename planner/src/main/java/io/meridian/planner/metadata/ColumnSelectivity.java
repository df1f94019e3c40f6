package io.meridian.planner.metadata;

import io.meridian.adapter.ColumnComparison;
import io.meridian.adapter.jdbc.ColumnStatistics;

import com.google.common.collect.BoundType;
import com.google.common.collect.Range;

import org.apache.calcite.rel.metadata.RelMdUtil;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexUnknownAs;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.util.DateString;
import org.apache.calcite.util.Sarg;
import org.apache.calcite.util.TimestampString;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * The fraction of a table's rows a condition keeps, from the backend's column statistics
 * ({@link ColumnStatistics}: {@code pg_stats}, DuckDB's {@code stats()}, Parquet footers):
 * <ul>
 *   <li>a range on a numeric, date or timestamp column ({@code <}, {@code >=}, {@code BETWEEN},
 *   {@code SEARCH}) keeps the part of {@code [min, max]} it covers, values assumed uniform;
 *   <li>{@code column = literal} keeps {@code 1 / distinct values} (nothing when the literal
 *   lies outside {@code [min, max]}), an {@code IN} list that many times, and
 *   {@code column = ?} (a prepared statement's parameter) {@code 1 / distinct values};
 *   <li>{@code IS [NOT] NULL} keeps the NULL fraction (or the rest), and comparisons never
 *   keep NULLs;
 *   <li>{@code AND} multiplies, {@code OR} and {@code NOT} combine as independent events.
 * </ul>
 * Whatever the statistics do not cover gets Calcite's guess ({@link RelMdUtil#guessSelectivity}).
 */
final class ColumnSelectivity {
  private final List<String> fieldNames;
  private final Map<String, ColumnStatistics> statistics;
  /** Whether statistics estimated at least one column condition of the predicate. */
  private boolean covered;

  private ColumnSelectivity(List<String> fieldNames, Map<String, ColumnStatistics> statistics) {
    this.fieldNames = fieldNames;
    this.statistics = statistics;
  }

  /**
   * Returns the fraction of rows {@code predicate} (over a scan's fields) keeps, or null when
   * no part of it is covered by statistics (so Calcite's estimate stands unchanged).
   */
  static @Nullable Double of(RexNode predicate, List<String> fieldNames,
      Map<String, ColumnStatistics> statistics) {
    ColumnSelectivity s = new ColumnSelectivity(fieldNames, statistics);
    double selectivity = s.selectivity(predicate);
    return s.covered ? selectivity : null;
  }

  private double selectivity(RexNode node) {
    if (node.isAlwaysTrue()) {
      return 1;
    }
    if (node.isAlwaysFalse()) {
      return 0;
    }
    if (node instanceof RexCall) {
      RexCall call = (RexCall) node;
      switch (call.getKind()) {
      case AND: {
        double s = 1;
        for (RexNode operand : call.getOperands()) {
          s *= selectivity(operand);
        }
        return s;
      }
      case OR: {
        double none = 1;
        for (RexNode operand : call.getOperands()) {
          none *= 1 - selectivity(operand);
        }
        return 1 - none;
      }
      case NOT:
        return 1 - selectivity(call.getOperands().get(0));
      default:
        Double s = columnCondition(call);
        if (s != null) {
          covered = true;
          return clamp(s);
        }
      }
    }
    return RelMdUtil.guessSelectivity(node);
  }

  /** Estimates a condition on one column from its statistics, or null when they cannot. */
  private @Nullable Double columnCondition(RexCall call) {
    switch (call.getKind()) {
    case IS_NULL:
    case IS_NOT_NULL: {
      ColumnStatistics c = column(call.getOperands().get(0));
      if (c == null || c.nullFraction() == null) {
        return null;
      }
      return call.getKind() == SqlKind.IS_NULL ? c.nullFraction() : 1 - c.nullFraction();
    }
    case EQUALS:
    case NOT_EQUALS:
    case LESS_THAN:
    case LESS_THAN_OR_EQUAL:
    case GREATER_THAN:
    case GREATER_THAN_OR_EQUAL: {
      Double parameterized = parameterPoint(call);
      if (parameterized != null) {
        return parameterized;
      }
      ColumnComparison comparison = ColumnComparison.of(call);
      ColumnStatistics c = comparison == null ? null : column(comparison.operand());
      if (c == null) {
        return null;
      }
      SqlKind kind = comparison.kind();
      Comparable<?> value = comparison.literal().getValueAs(Comparable.class);
      Range<Double> range;
      switch (kind) {
      case EQUALS:
        return point(c, value);
      case NOT_EQUALS: {
        Double p = point(c, value);
        return p == null ? null : nonNull(c) - p;
      }
      case LESS_THAN:
        range = bound(value, v -> Range.lessThan(v));
        break;
      case LESS_THAN_OR_EQUAL:
        range = bound(value, v -> Range.atMost(v));
        break;
      case GREATER_THAN:
        range = bound(value, v -> Range.greaterThan(v));
        break;
      default:
        range = bound(value, v -> Range.atLeast(v));
      }
      return range == null ? null : fraction(c, value, range);
    }
    case SEARCH:
      return search(call);
    default:
      return null;
    }
  }

  private @Nullable Double search(RexCall call) {
    ColumnStatistics c = column(call.getOperands().get(0));
    RexNode arg = call.getOperands().get(1);
    if (c == null || !(arg instanceof RexLiteral)) {
      return null;
    }
    Sarg<?> sarg = ((RexLiteral) arg).getValueAs(Sarg.class);
    if (sarg == null) {
      return null;
    }
    double nulls = c.nullFraction() == null ? 0 : c.nullFraction();
    double s = 0;
    if (sarg.isComplementedPoints()) {
      // NOT IN (...): everything but the points.
      s = nonNull(c);
      for (Range<?> r : sarg.rangeSet.complement().asRanges()) {
        Double p = point(c, r.lowerEndpoint());
        if (p == null) {
          return null;
        }
        s -= p;
      }
    } else {
      for (Range<?> r : sarg.rangeSet.asRanges()) {
        Double part;
        if (r.hasLowerBound() && r.hasUpperBound()
            && r.lowerEndpoint().equals(r.upperEndpoint())) {
          part = point(c, r.lowerEndpoint());
        } else {
          Comparable<?> sample = r.hasLowerBound() ? r.lowerEndpoint() : r.upperEndpoint();
          Range<Double> numeric = numericRange(r);
          part = numeric == null ? null : fraction(c, sample, numeric);
        }
        if (part == null) {
          return null;
        }
        s += part;
      }
    }
    if (sarg.nullAs == RexUnknownAs.TRUE) {
      s += nulls;
    }
    return s;
  }

  /**
   * {@code column = ?} (or {@code <>}): a prepared statement's parameter is one value, of
   * which the statistics know only the column's distinct count. (A point lookup by key keeps one
   * row, where Calcite's guess kept 15% of the table.) Null when the call is no such comparison.
   */
  private @Nullable Double parameterPoint(RexCall call) {
    if (call.getKind() != SqlKind.EQUALS && call.getKind() != SqlKind.NOT_EQUALS) {
      return null;
    }
    RexNode left = call.getOperands().get(0);
    RexNode right = call.getOperands().get(1);
    RexNode operand = right instanceof RexDynamicParam ? left
        : left instanceof RexDynamicParam ? right : null;
    ColumnStatistics c = operand == null ? null : column(operand);
    Double p = c == null ? null : point(c, null);
    if (p == null) {
      return null;
    }
    return call.getKind() == SqlKind.EQUALS ? p : nonNull(c) - p;
  }

  /** The statistics of the column an operand reads (a column, or a cast of one). */
  private @Nullable ColumnStatistics column(RexNode operand) {
    RexNode node = operand;
    if (node.getKind() == SqlKind.CAST) {
      node = ((RexCall) node).getOperands().get(0);
    }
    if (!(node instanceof RexInputRef)) {
      return null;
    }
    int index = ((RexInputRef) node).getIndex();
    return index < fieldNames.size() ? statistics.get(fieldNames.get(index)) : null;
  }

  private static double nonNull(ColumnStatistics c) {
    return c.nullFraction() == null ? 1 : 1 - c.nullFraction();
  }

  /** {@code column = value}: one distinct value's share, or none outside the bounds. */
  private static @Nullable Double point(ColumnStatistics c, @Nullable Comparable<?> value) {
    if (c.distinctCount() == null) {
      return null;
    }
    Double v = number(value);
    Double min = statistic(c.min(), value);
    Double max = statistic(c.max(), value);
    if (v != null && min != null && max != null && (v < min || v > max)) {
      return 0.0;
    }
    return nonNull(c) / Math.max(1, c.distinctCount());
  }

  /** The share of {@code [min, max]} a range covers, values assumed uniform. */
  private static @Nullable Double fraction(ColumnStatistics c, @Nullable Comparable<?> sample,
      Range<Double> range) {
    Double min = statistic(c.min(), sample);
    Double max = statistic(c.max(), sample);
    if (min == null || max == null || max < min) {
      return null;
    }
    double share;
    if (max.equals(min)) {
      share = range.contains(min) ? 1 : 0;
    } else {
      double lo = range.hasLowerBound() ? Math.max(min, range.lowerEndpoint()) : min;
      double hi = range.hasUpperBound() ? Math.min(max, range.upperEndpoint()) : max;
      share = hi < lo ? 0 : (hi - lo) / (max - min);
    }
    return share * nonNull(c);
  }

  private static @Nullable Range<Double> bound(@Nullable Comparable<?> value,
      java.util.function.Function<Double, Range<Double>> make) {
    Double v = number(value);
    return v == null ? null : make.apply(v);
  }

  private static @Nullable Range<Double> numericRange(Range<?> r) {
    Double lo = r.hasLowerBound() ? number(r.lowerEndpoint()) : null;
    Double hi = r.hasUpperBound() ? number(r.upperEndpoint()) : null;
    if ((r.hasLowerBound() && lo == null) || (r.hasUpperBound() && hi == null)) {
      return null;
    }
    if (lo != null && hi != null) {
      return Range.range(lo, r.lowerBoundType(), hi, r.upperBoundType());
    }
    if (lo != null) {
      return r.lowerBoundType() == BoundType.CLOSED ? Range.atLeast(lo) : Range.greaterThan(lo);
    }
    if (hi != null) {
      return r.upperBoundType() == BoundType.CLOSED ? Range.atMost(hi) : Range.lessThan(hi);
    }
    return Range.all();
  }

  /**
   * A literal's value on the line the statistics use: numbers as themselves, dates as days
   * and timestamps as milliseconds since 1970; null for other types (strings).
   */
  static @Nullable Double number(@Nullable Object value) {
    if (value instanceof BigDecimal) {
      return ((BigDecimal) value).doubleValue();
    }
    if (value instanceof Number) {
      return ((Number) value).doubleValue();
    }
    if (value instanceof DateString) {
      return (double) ((DateString) value).getDaysSinceEpoch();
    }
    if (value instanceof TimestampString) {
      return (double) ((TimestampString) value).getMillisSinceEpoch();
    }
    return null;
  }

  /** A statistic's text (min or max) on the same line as {@code sample}, or null. */
  static @Nullable Double statistic(@Nullable String text, @Nullable Object sample) {
    if (text == null) {
      return null;
    }
    String t = text.trim();
    try {
      if (sample instanceof DateString) {
        return (double) LocalDate.parse(t.length() > 10 ? t.substring(0, 10) : t).toEpochDay();
      }
      if (sample instanceof TimestampString) {
        String iso = t.replace(' ', 'T');
        if (iso.length() == 10) {
          return (double) LocalDate.parse(iso).toEpochDay() * 86_400_000d;
        }
        return (double) LocalDateTime.parse(iso.length() > 26 ? iso.substring(0, 26) : iso)
            .toInstant(ZoneOffset.UTC).toEpochMilli();
      }
      if (sample instanceof BigDecimal || sample instanceof Number) {
        return new BigDecimal(t).doubleValue();
      }
    } catch (NumberFormatException | DateTimeParseException e) {
      return null;
    }
    return null;
  }

  private static double clamp(double s) {
    return Math.max(0, Math.min(1, s));
  }
}
