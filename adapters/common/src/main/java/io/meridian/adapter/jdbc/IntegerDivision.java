package io.meridian.adapter.jdbc;

import org.apache.calcite.sql.SqlBinaryOperator;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.type.ReturnTypes;

/**
 * Writes Calcite's integer division ({@code /INT}: the quotient of two integers, truncated
 * toward zero) in a backend's spelling. The planner uses {@code /INT} for every {@code /} of
 * two integers; each dialect calls {@link #unparse} from its {@code unparseCall}.
 */
public final class IntegerDivision {
  private IntegerDivision() {
  }

  /** Whether a call is an integer division. */
  public static boolean isIntegerDivision(SqlCall call) {
    return call.getOperator() == SqlStdOperatorTable.DIVIDE_INTEGER
        || call.getOperator() == SqlStdOperatorTable.CHECKED_DIVIDE_INTEGER;
  }

  /** Writes {@code a <symbol> b}, for a backend whose integer division is an operator. */
  public static void unparse(SqlWriter writer, SqlCall call, int leftPrec, int rightPrec,
      String symbol) {
    new SqlBinaryOperator(symbol, SqlKind.DIVIDE, 60, true, ReturnTypes.ARG0, null, null)
        .unparse(writer, call, leftPrec, rightPrec);
  }
}
