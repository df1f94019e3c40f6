package io.meridian.planner.ddl;

import org.apache.calcite.sql.SqlDdl;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlSpecialOperator;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.parser.SqlParserPos;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * {@code ANALYZE [TABLE] catalog.schema.table}: the backend gathers the table's statistics
 * again, and Meridian forgets what it had cached of them, so the next statement is planned
 * with fresh row counts and distinct values.
 */
public final class SqlAnalyze extends SqlDdl {
  private static final SqlOperator OPERATOR =
      new SqlSpecialOperator("ANALYZE", SqlKind.OTHER_DDL);

  public final SqlIdentifier name;

  public SqlAnalyze(SqlParserPos pos, SqlIdentifier name) {
    super(OPERATOR, pos);
    this.name = requireNonNull(name, "name");
  }

  @Override public List<SqlNode> getOperandList() {
    return List.of(name);
  }

  @Override public void unparse(SqlWriter writer, int leftPrec, int rightPrec) {
    writer.keyword("ANALYZE");
    name.unparse(writer, leftPrec, rightPrec);
  }
}
