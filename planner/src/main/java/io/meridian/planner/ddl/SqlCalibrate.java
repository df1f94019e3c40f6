package io.meridian.planner.ddl;

import org.apache.calcite.sql.SqlDdl;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlSpecialOperator;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.parser.SqlParserPos;

import java.util.List;

/**
 * {@code CALIBRATE}: runs a short built-in workload against each catalog and fits the cost
 * coefficients to its times; {@code CALIBRATE FROM WORKLOAD}: fits them to the statements the
 * workload log recorded. Either way the planner uses the result from the next statement on.
 */
public final class SqlCalibrate extends SqlDdl {
  private static final SqlOperator OPERATOR =
      new SqlSpecialOperator("CALIBRATE", SqlKind.OTHER_DDL);

  public final boolean fromWorkload;

  public SqlCalibrate(SqlParserPos pos, boolean fromWorkload) {
    super(OPERATOR, pos);
    this.fromWorkload = fromWorkload;
  }

  @Override public List<SqlNode> getOperandList() {
    return List.of();
  }

  @Override public void unparse(SqlWriter writer, int leftPrec, int rightPrec) {
    writer.keyword("CALIBRATE");
    if (fromWorkload) {
      writer.keyword("FROM WORKLOAD");
    }
  }
}
