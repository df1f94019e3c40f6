package io.meridian.adapter.delta;

import io.delta.kernel.expressions.Column;
import io.delta.kernel.expressions.Expression;
import io.delta.kernel.expressions.Literal;
import io.delta.kernel.expressions.Predicate;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.util.DateString;
import org.apache.calcite.util.NlsString;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Translates a Calcite condition into a Delta Kernel predicate, for partition pruning and data
 * skipping. Only comparisons of a column with a literal of the column's type (integers, dates,
 * strings, decimals), {@code IS [NOT] NULL}, {@code AND} and {@code OR} translate; other
 * conjuncts are left out, which only weakens the pruning (the condition is always evaluated).
 */
final class DeltaFilters {
  private DeltaFilters() {
  }

  /** Returns the predicate, or null when no conjunct translates. */
  static @Nullable Predicate toPredicate(RexNode condition, RelDataType rowType,
      StructType schema) {
    List<Predicate> parts = new ArrayList<>();
    for (RexNode conjunct : RexUtil.flattenAnd(List.of(condition))) {
      Predicate p = translate(conjunct, rowType, schema);
      if (p != null) {
        parts.add(p);
      }
    }
    return combine("AND", parts);
  }

  private static @Nullable Predicate combine(String op, List<Predicate> parts) {
    if (parts.isEmpty()) {
      return null;
    }
    Predicate result = parts.get(0);
    for (Predicate p : parts.subList(1, parts.size())) {
      result = new Predicate(op, result, p);
    }
    return result;
  }

  private static @Nullable Predicate translate(RexNode node, RelDataType rowType,
      StructType schema) {
    if (!(node instanceof RexCall)) {
      return null;
    }
    RexCall call = (RexCall) node;
    switch (call.getKind()) {
    case AND:
    case OR: {
      List<Predicate> parts = new ArrayList<>();
      for (RexNode operand : call.getOperands()) {
        Predicate p = translate(operand, rowType, schema);
        if (p == null) {
          return null;
        }
        parts.add(p);
      }
      return combine(call.getKind() == SqlKind.AND ? "AND" : "OR", parts);
    }
    case IS_NULL:
    case IS_NOT_NULL: {
      StructField field = field(call.getOperands().get(0), rowType, schema);
      return field == null ? null : new Predicate(
          call.getKind() == SqlKind.IS_NULL ? "IS_NULL" : "IS_NOT_NULL",
          new Column(field.getName()));
    }
    case EQUALS:
    case LESS_THAN:
    case LESS_THAN_OR_EQUAL:
    case GREATER_THAN:
    case GREATER_THAN_OR_EQUAL: {
      RexNode left = call.getOperands().get(0);
      RexNode right = call.getOperands().get(1);
      SqlKind kind = call.getKind();
      if (left instanceof RexLiteral) {
        RexNode swap = left;
        left = right;
        right = swap;
        kind = kind.reverse();
      }
      StructField field = field(left, rowType, schema);
      if (field == null || !(right instanceof RexLiteral)) {
        return null;
      }
      Literal value = literal((RexLiteral) right, field.getDataType());
      if (value == null) {
        return null;
      }
      return new Predicate(operator(kind), new Column(field.getName()), value);
    }
    default:
      return null;
    }
  }

  private static String operator(SqlKind kind) {
    switch (kind) {
    case EQUALS:
      return "=";
    case LESS_THAN:
      return "<";
    case LESS_THAN_OR_EQUAL:
      return "<=";
    case GREATER_THAN:
      return ">";
    default:
      return ">=";
    }
  }

  private static @Nullable StructField field(RexNode operand, RelDataType rowType,
      StructType schema) {
    if (!(operand instanceof RexInputRef)) {
      return null;
    }
    String name = rowType.getFieldNames().get(((RexInputRef) operand).getIndex());
    int index = schema.indexOf(name);
    return index < 0 ? null : schema.at(index);
  }

  private static @Nullable Literal literal(RexLiteral literal, DataType type) {
    if (literal.isNull()) {
      return null;
    }
    try {
      if (type instanceof IntegerType || type instanceof LongType) {
        BigDecimal v = literal.getValueAs(BigDecimal.class);
        if (v == null || v.stripTrailingZeros().scale() > 0) {
          return null;
        }
        return type instanceof IntegerType ? Literal.ofInt(v.intValueExact())
            : Literal.ofLong(v.longValueExact());
      }
      if (type instanceof DecimalType) {
        DecimalType d = (DecimalType) type;
        BigDecimal v = literal.getValueAs(BigDecimal.class);
        return v == null ? null : Literal.ofDecimal(
            v.setScale(d.getScale(), RoundingMode.UNNECESSARY), d.getPrecision(), d.getScale());
      }
      if (type instanceof StringType) {
        NlsString s = literal.getValueAs(NlsString.class);
        return s == null ? null : Literal.ofString(s.getValue());
      }
      if (type instanceof DateType && literal.getType().getSqlTypeName() == SqlTypeName.DATE) {
        DateString d = literal.getValueAs(DateString.class);
        return d == null ? null : Literal.ofDate(d.getDaysSinceEpoch());
      }
    } catch (ArithmeticException | ClassCastException | IllegalArgumentException e) {
      return null;
    }
    return null;
  }
}
