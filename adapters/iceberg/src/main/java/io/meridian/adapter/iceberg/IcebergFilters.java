package io.meridian.adapter.iceberg;

import io.meridian.adapter.LakeFilters;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.type.SqlTypeFamily;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.util.TimestampString;
import org.apache.iceberg.Schema;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.checkerframework.checker.nullness.qual.Nullable;

/** Calcite conditions as Iceberg expressions, for Iceberg's scan planning. */
final class IcebergFilters extends LakeFilters<Expression> {
  private final Schema schema;

  private IcebergFilters(Schema schema) {
    this.schema = schema;
  }

  /** Returns the Iceberg form of {@code condition}; {@code alwaysTrue} if nothing translates. */
  static Expression toExpression(RexNode condition, RelDataType rowType, Schema schema) {
    Expression e = new IcebergFilters(schema).translate(condition, rowType);
    return e == null ? Expressions.alwaysTrue() : e;
  }

  @Override protected boolean hasColumn(String name) {
    Types.NestedField field = schema.findField(name);
    return field != null && field.type().isPrimitiveType();
  }

  @Override protected Expression and(Expression left, Expression right) {
    return Expressions.and(left, right);
  }

  @Override protected Expression or(Expression left, Expression right) {
    return Expressions.or(left, right);
  }

  @Override protected Expression not(Expression operand) {
    return Expressions.not(operand);
  }

  @Override protected Expression isNull(String column, boolean isNull) {
    return isNull ? Expressions.isNull(column) : Expressions.notNull(column);
  }

  @Override protected @Nullable Expression compare(SqlKind kind, String column,
      RexLiteral literal) {
    Object value = value(literal, schema.findField(column).type());
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

  /** A literal as a value of the column's Iceberg type (its internal representation). */
  private static @Nullable Object value(RexLiteral literal, Type type) {
    switch (type.typeId()) {
    case INTEGER: {
      Long v = wholeNumber(literal);
      return v == null || v != v.intValue() ? null : (Object) v.intValue();
    }
    case LONG:
      return wholeNumber(literal);
    case DECIMAL:
      return decimal(literal, ((Types.DecimalType) type).scale());
    case DOUBLE:
      return SqlTypeFamily.NUMERIC.contains(literal.getType())
          ? literal.getValueAs(Double.class) : null;
    case STRING:
      return text(literal);
    case BOOLEAN:
      return literal.getType().getSqlTypeName() == SqlTypeName.BOOLEAN
          ? literal.getValueAs(Boolean.class) : null;
    case DATE:
      return days(literal);
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
  }
}
