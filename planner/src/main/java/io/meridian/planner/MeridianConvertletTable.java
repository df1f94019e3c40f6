package io.meridian.planner;

import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.type.SqlTypeUtil;
import org.apache.calcite.sql2rel.SqlRexConvertlet;
import org.apache.calcite.sql2rel.SqlRexConvertletTable;
import org.apache.calcite.sql2rel.StandardConvertletTable;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * How Meridian turns SQL calls into expressions: Calcite's standard conversions, except that
 * {@code a / b} of two exact integers becomes Calcite's integer division operator
 * ({@code /INT}). Backends disagree on {@code /} of integers (PostgreSQL truncates, DuckDB and
 * ClickHouse return a fraction), so the division SQL means must be explicit for each backend's
 * dialect to write it in its own spelling ({@code //} in DuckDB, {@code intDiv} in ClickHouse).
 */
final class MeridianConvertletTable implements SqlRexConvertletTable {
  static final MeridianConvertletTable INSTANCE = new MeridianConvertletTable();

  private static final SqlRexConvertlet INTEGER_DIVIDE = (cx, call) -> {
    SqlRexConvertlet convertlet = StandardConvertletTable.INSTANCE.get(call);
    RexNode standard = convertlet == null ? StandardConvertletTable.INSTANCE.convertCall(cx, call)
        : convertlet.convertCall(cx, call);
    if (standard instanceof RexCall
        && ((RexCall) standard).getOperator() == SqlStdOperatorTable.DIVIDE) {
      RexCall divide = (RexCall) standard;
      if (divide.getOperands().stream()
          .allMatch(o -> SqlTypeUtil.isExactNumeric(o.getType())
              && SqlTypeUtil.isIntType(o.getType()))) {
        return cx.getRexBuilder().makeCall(divide.getType(), SqlStdOperatorTable.DIVIDE_INTEGER,
            divide.getOperands());
      }
    }
    return standard;
  };

  private MeridianConvertletTable() {
  }

  @Override public @Nullable SqlRexConvertlet get(SqlCall call) {
    if (call.getOperator() == SqlStdOperatorTable.DIVIDE) {
      return INTEGER_DIVIDE;
    }
    return StandardConvertletTable.INSTANCE.get(call);
  }
}
