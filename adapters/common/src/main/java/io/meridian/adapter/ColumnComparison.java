package io.meridian.adapter;

import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlKind;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A comparison ({@code =}, {@code <>}, {@code <}, {@code <=}, {@code >}, {@code >=}) of an
 * operand with a non-NULL literal, the literal on the right: {@code 5 < x} reads as
 * {@code x > 5}. Used wherever a condition is judged by what is known of a column (lake file
 * pruning, selectivity from statistics).
 *
 * @param operand the side that is not the literal
 * @param kind the comparison, as seen from {@code operand}
 * @param literal the literal
 */
public record ColumnComparison(RexNode operand, SqlKind kind, RexLiteral literal) {
  /** Returns the comparison a call is, or null when it is none or compares no literal. */
  public static @Nullable ColumnComparison of(RexCall call) {
    switch (call.getKind()) {
    case EQUALS:
    case NOT_EQUALS:
    case LESS_THAN:
    case LESS_THAN_OR_EQUAL:
    case GREATER_THAN:
    case GREATER_THAN_OR_EQUAL:
      break;
    default:
      return null;
    }
    RexNode left = call.getOperands().get(0);
    RexNode right = call.getOperands().get(1);
    SqlKind kind = call.getKind();
    if (left instanceof RexLiteral) {
      RexNode swap = left;
      left = right;
      right = swap;
      kind = kind.reverse();
    }
    if (!(right instanceof RexLiteral) || ((RexLiteral) right).isNull()) {
      return null;
    }
    return new ColumnComparison(left, kind, (RexLiteral) right);
  }
}
