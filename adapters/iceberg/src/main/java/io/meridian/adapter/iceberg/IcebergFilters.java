package io.meridian.adapter.iceberg;

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
import org.apache.calcite.util.TimestampString;
import org.apache.iceberg.Schema;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Translates a Calcite condition into an Iceberg expression for scan planning. Conjuncts that
 * have no exact Iceberg form are left out, which only weakens the pruning: the condition itself
 * is still evaluated on every row read. Range predicates ({@code SEARCH}) must have been
 * expanded by the caller.
 */
final class IcebergFilters {
  private IcebergFilters() {
  }

  /** Returns the Iceberg form of {@code condition}; {@code alwaysTrue} if nothing translates. */
  static Expression toExpression(RexNode condition, RelDataType rowType, Schema schema) {
    Expression result = Expressions.alwaysTrue();
    for (RexNode conjunct : RexUtil.flattenAnd(List.of(condition))) {
      Expression e = translate(conjunct, rowType, schema);
      if (e != null) {
        result = Expressions.and(result, e);
      }
    }
    return result;
  }

  private static @Nullable Expression translate(RexNode node, RelDataType rowType,
      Schema schema) {
    if (!(node instanceof RexCall)) {
      return null;
    }
    RexCall call = (RexCall) node;
    switch (call.getKind()) {
    case AND:
    case OR: {
      List<Expression> parts = new ArrayList<>();
      for (RexNode operand : call.getOperands()) {
        Expression e = translate(operand, rowType, schema);
        if (e == null) {
          return null;
        }
        parts.add(e);
      }
      Expression result = parts.get(0);
      for (Expression e : parts.subList(1, parts.size())) {
        result = call.getKind() == SqlKind.AND ? Expressions.and(result, e)
            : Expressions.or(result, e);
      }
      return result;
    }
    case NOT: {
      Expression inner = translate(call.getOperands().get(0), rowType, schema);
      return inner == null ? null : Expressions.not(inner);
    }
    case IS_NULL:
    case IS_NOT_NULL: {
      String column = column(call.getOperands().get(0), rowType, schema);
      if (column == null) {
        return null;
      }
      return call.getKind() == SqlKind.IS_NULL ? Expressions.isNull(column)
          : Expressions.notNull(column);
    }
    case EQUALS:
    case NOT_EQUALS:
    case LESS_THAN:
    case LESS_THAN_OR_EQUAL:
    case GREATER_THAN:
    case GREATER_THAN_OR_EQUAL:
      return comparison(call, rowType, schema);
    default:
      return null;
    }
  }

  private static @Nullable Expression comparison(RexCall call, RelDataType rowType,
      Schema schema) {
    RexNode left = call.getOperands().get(0);
    RexNode right = call.getOperands().get(1);
    SqlKind kind = call.getKind();
    if (left instanceof RexLiteral) {
      RexNode swap = left;
      left = right;
      right = swap;
      kind = kind.reverse();
    }
    String column = column(left, rowType, schema);
    if (column == null || !(right instanceof RexLiteral)) {
      return null;
    }
    Types.NestedField field = schema.findField(column);
    Object value = value((RexLiteral) right, field.type());
    if (value == null) {
      return null;
    }
    switch (kind) {
    case EQUALS:
      return Expressions.equal(column, value);
    case NOT_EQUALS:
      return Expressions.notEqual(column, value);
    case LESS_THAN:
      return Expressions.lessThan(column, value);
    case LESS_THAN_OR_EQUAL:
      return Expressions.lessThanOrEqual(column, value);
    case GREATER_THAN:
      return Expressions.greaterThan(column, value);
    case GREATER_THAN_OR_EQUAL:
      return Expressions.greaterThanOrEqual(column, value);
    default:
      return null;
    }
  }

  /**
   * Returns the Iceberg column an operand reads: a column reference, or a widening cast of one
   * (an integer compared with a decimal, a shorter string type with a longer).
   */
  private static @Nullable String column(RexNode operand, RelDataType rowType, Schema schema) {
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
    Types.NestedField field = schema.findField(name);
    return field == null || !field.type().isPrimitiveType() ? null : field.name();
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

  /**
   * Returns a literal as a value of the column's Iceberg type, or null when it has no exact
   * value of that type (a fraction compared with an integer column, a wider scale).
   */
  private static @Nullable Object value(RexLiteral literal, Type type) {
    if (literal.isNull()) {
      return null;
    }
    try {
      switch (type.typeId()) {
      case INTEGER:
      case LONG: {
        BigDecimal v = literal.getValueAs(BigDecimal.class);
        if (v == null || v.stripTrailingZeros().scale() > 0) {
          return null;
        }
        long l = v.longValueExact();
        return type.typeId() == Type.TypeID.INTEGER ? (Object) Math.toIntExact(l) : (Object) l;
      }
      case DECIMAL: {
        BigDecimal v = literal.getValueAs(BigDecimal.class);
        int scale = ((Types.DecimalType) type).scale();
        return v == null ? null : v.setScale(scale, java.math.RoundingMode.UNNECESSARY);
      }
      case DOUBLE:
      case FLOAT: {
        if (!SqlTypeFamily.NUMERIC.contains(literal.getType())) {
          return null;
        }
        Double d = literal.getValueAs(Double.class);
        return type.typeId() == Type.TypeID.FLOAT ? null : d;
      }
      case STRING: {
        NlsString s = literal.getValueAs(NlsString.class);
        return s == null ? null : s.getValue();
      }
      case BOOLEAN:
        return literal.getValueAs(Boolean.class);
      case DATE: {
        DateString d = literal.getValueAs(DateString.class);
        return d == null || literal.getType().getSqlTypeName() != SqlTypeName.DATE ? null
            : d.getDaysSinceEpoch();
      }
      case TIMESTAMP: {
        if (literal.getType().getSqlTypeName() != SqlTypeName.TIMESTAMP
            || ((Types.TimestampType) type).shouldAdjustToUTC()) {
          return null;
        }
        TimestampString t = literal.getValueAs(TimestampString.class);
        // Only whole milliseconds: a rounded bound could rule out a file that matches.
        return t == null || !t.round(3).equals(t) ? null : t.getMillisSinceEpoch() * 1000L;
      }
      default:
        return null;
      }
    } catch (ArithmeticException | ClassCastException | IllegalArgumentException e) {
      return null;
    }
  }
}
