package io.meridian.adapter;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.type.SqlTypeFamily;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.util.DateString;
import org.apache.calcite.util.NlsString;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * Translates a Calcite condition into a lake format's own filter (Iceberg's expressions, Delta
 * Kernel's predicates) for scan planning: comparisons of a column with a literal,
 * {@code IS [NOT] NULL}, {@code AND}, {@code OR}, {@code NOT}. A conjunct with no exact
 * translation is left out, which only weakens the pruning: the condition itself is still
 * evaluated on every row read. Range predicates ({@code SEARCH}) must have been expanded.
 *
 * @param <E> the format's filter type
 */
public abstract class LakeFilters<E> {
  /** Returns the filter for the conjuncts that translate, or null when none does. */
  public final @Nullable E translate(RexNode condition, RelDataType rowType) {
    E result = null;
    for (RexNode conjunct : RexUtil.flattenAnd(List.of(condition))) {
      E e = node(conjunct, rowType);
      if (e != null) {
        result = result == null ? e : and(result, e);
      }
    }
    return result;
  }

  private @Nullable E node(RexNode node, RelDataType rowType) {
    if (!(node instanceof RexCall)) {
      return null;
    }
    RexCall call = (RexCall) node;
    switch (call.getKind()) {
    case AND:
    case OR: {
      E result = null;
      for (RexNode operand : call.getOperands()) {
        E e = node(operand, rowType);
        if (e == null) {
          return null;
        }
        result = result == null ? e
            : call.getKind() == SqlKind.AND ? and(result, e) : or(result, e);
      }
      return result;
    }
    case NOT: {
      E inner = node(call.getOperands().get(0), rowType);
      return inner == null ? null : not(inner);
    }
    case IS_NULL:
    case IS_NOT_NULL: {
      String column = column(call.getOperands().get(0), rowType);
      return column == null ? null : isNull(column, call.getKind() == SqlKind.IS_NULL);
    }
    default: {
      ColumnComparison comparison = ColumnComparison.of(call);
      String column = comparison == null ? null : column(comparison.operand(), rowType);
      return column == null ? null
          : compare(comparison.kind(), column, comparison.literal());
    }
    }
  }

  /**
   * Returns the column an operand reads: a column reference, or a widening cast of one (an
   * integer compared with a decimal, a shorter string type with a longer).
   */
  private @Nullable String column(RexNode operand, RelDataType rowType) {
    RexNode node = operand;
    if (node.getKind() == SqlKind.CAST) {
      RexNode inner = ((RexCall) node).getOperands().get(0);
      if (!widens(inner.getType(), node.getType())) {
        return null;
      }
      node = inner;
    }
    if (!(node instanceof RexInputRef)) {
      return null;
    }
    String name = rowType.getFieldNames().get(((RexInputRef) node).getIndex());
    return hasColumn(name) ? name : null;
  }

  private static boolean widens(RelDataType from, RelDataType to) {
    SqlTypeName f = from.getSqlTypeName();
    SqlTypeName t = to.getSqlTypeName();
    if (SqlTypeFamily.CHARACTER.contains(from) && SqlTypeFamily.CHARACTER.contains(to)) {
      return to.getPrecision() >= from.getPrecision();
    }
    boolean integer = f == SqlTypeName.TINYINT || f == SqlTypeName.SMALLINT
        || f == SqlTypeName.INTEGER;
    return (integer && (t == SqlTypeName.BIGINT || t == SqlTypeName.INTEGER))
        || ((integer || f == SqlTypeName.BIGINT) && t == SqlTypeName.DECIMAL
            && to.getPrecision() - to.getScale() >= 19)
        || (f == SqlTypeName.REAL && t == SqlTypeName.DOUBLE)
        || (f == SqlTypeName.DECIMAL && t == SqlTypeName.DECIMAL
            && to.getScale() >= from.getScale()
            && to.getPrecision() - to.getScale() >= from.getPrecision() - from.getScale());
  }

  /** Whether the table has a primitive column of this name that filters may name. */
  protected abstract boolean hasColumn(String name);

  protected abstract E and(E left, E right);

  protected abstract E or(E left, E right);

  protected abstract E not(E operand);

  protected abstract E isNull(String column, boolean isNull);

  /**
   * Returns {@code column <kind> literal} ({@code EQUALS}, {@code NOT_EQUALS},
   * {@code LESS_THAN}, ...), or null when the literal has no exact value of the column's type.
   */
  protected abstract @Nullable E compare(SqlKind kind, String column, RexLiteral literal);

  /** Returns an integer literal's value, or null when it is not a whole number. */
  protected static @Nullable Long wholeNumber(RexLiteral literal) {
    BigDecimal v = literal.getValueAs(BigDecimal.class);
    if (v == null || v.stripTrailingZeros().scale() > 0) {
      return null;
    }
    try {
      return v.longValueExact();
    } catch (ArithmeticException e) {
      return null;
    }
  }

  /** Returns a numeric literal at a scale, or null when that would round it. */
  protected static @Nullable BigDecimal decimal(RexLiteral literal, int scale) {
    BigDecimal v = literal.getValueAs(BigDecimal.class);
    try {
      return v == null ? null : v.setScale(scale, RoundingMode.UNNECESSARY);
    } catch (ArithmeticException e) {
      return null;
    }
  }

  /** Returns a character literal's text, or null. */
  protected static @Nullable String text(RexLiteral literal) {
    NlsString s = SqlTypeFamily.CHARACTER.contains(literal.getType())
        ? literal.getValueAs(NlsString.class) : null;
    return s == null ? null : s.getValue();
  }

  /** Returns a DATE literal as days since 1970-01-01, or null. */
  protected static @Nullable Integer days(RexLiteral literal) {
    if (literal.getType().getSqlTypeName() != SqlTypeName.DATE) {
      return null;
    }
    DateString d = literal.getValueAs(DateString.class);
    return d == null ? null : d.getDaysSinceEpoch();
  }
}
