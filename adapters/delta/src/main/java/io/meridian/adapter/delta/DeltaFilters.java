package io.meridian.adapter.delta;

import io.meridian.adapter.LakeFilters;

import io.delta.kernel.expressions.Column;
import io.delta.kernel.expressions.Literal;
import io.delta.kernel.expressions.Predicate;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructType;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlKind;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.math.BigDecimal;

/**
 * Calcite conditions as Delta Kernel predicates, for partition pruning and data skipping.
 * Literals translate for integer, decimal, string and date columns.
 */
final class DeltaFilters extends LakeFilters<Predicate> {
  private final StructType schema;

  private DeltaFilters(StructType schema) {
    this.schema = schema;
  }

  /** Returns the predicate, or null when no conjunct translates. */
  static @Nullable Predicate toPredicate(RexNode condition, RelDataType rowType,
      StructType schema) {
    return new DeltaFilters(schema).translate(condition, rowType);
  }

  @Override protected boolean hasColumn(String name) {
    return schema.indexOf(name) >= 0
        && DeltaTypes.duckDbType(schema.get(name).getDataType()) != null;
  }

  @Override protected Predicate and(Predicate left, Predicate right) {
    return new Predicate("AND", left, right);
  }

  @Override protected Predicate or(Predicate left, Predicate right) {
    return new Predicate("OR", left, right);
  }

  @Override protected Predicate not(Predicate operand) {
    return new Predicate("NOT", operand);
  }

  @Override protected Predicate isNull(String column, boolean isNull) {
    return new Predicate(isNull ? "IS_NULL" : "IS_NOT_NULL", new Column(column));
  }

  @Override protected @Nullable Predicate compare(SqlKind kind, String column,
      RexLiteral literal) {
    String operator;
    switch (kind) {
    case EQUALS:
      operator = "=";
      break;
    case LESS_THAN:
      operator = "<";
      break;
    case LESS_THAN_OR_EQUAL:
      operator = "<=";
      break;
    case GREATER_THAN:
      operator = ">";
      break;
    case GREATER_THAN_OR_EQUAL:
      operator = ">=";
      break;
    default:
      return null; // <> prunes nothing
    }
    Literal value = literal(literal, schema.get(column).getDataType());
    return value == null ? null : new Predicate(operator, new Column(column), value);
  }

  private static @Nullable Literal literal(RexLiteral literal, DataType type) {
    if (type instanceof IntegerType) {
      Long v = wholeNumber(literal);
      return v == null || v != v.intValue() ? null : Literal.ofInt(v.intValue());
    }
    if (type instanceof LongType) {
      Long v = wholeNumber(literal);
      return v == null ? null : Literal.ofLong(v);
    }
    if (type instanceof DecimalType) {
      DecimalType d = (DecimalType) type;
      BigDecimal v = decimal(literal, d.getScale());
      return v == null || v.precision() > d.getPrecision() ? null
          : Literal.ofDecimal(v, d.getPrecision(), d.getScale());
    }
    if (type instanceof StringType) {
      String s = text(literal);
      return s == null ? null : Literal.ofString(s);
    }
    if (type instanceof DateType) {
      Integer d = days(literal);
      return d == null ? null : Literal.ofDate(d);
    }
    return null;
  }
}
