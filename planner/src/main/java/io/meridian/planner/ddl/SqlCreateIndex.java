package io.meridian.planner.ddl;

import com.google.common.collect.ImmutableList;

import org.apache.calcite.sql.SqlCreate;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlSpecialOperator;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.parser.SqlParserPos;

import java.util.List;

import static java.util.Objects.requireNonNull;

/** {@code CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (column, ...)}. */
public final class SqlCreateIndex extends SqlCreate {
  private static final SqlOperator OPERATOR =
      new SqlSpecialOperator("CREATE INDEX", SqlKind.CREATE_INDEX);

  public final boolean unique;
  public final SqlIdentifier name;
  public final SqlIdentifier table;
  public final ImmutableList<SqlIdentifier> columns;

  public SqlCreateIndex(SqlParserPos pos, boolean unique, boolean ifNotExists,
      SqlIdentifier name, SqlIdentifier table, List<SqlIdentifier> columns) {
    super(OPERATOR, pos, false, ifNotExists);
    this.unique = unique;
    this.name = requireNonNull(name, "name");
    this.table = requireNonNull(table, "table");
    this.columns = ImmutableList.copyOf(columns);
  }

  @Override public List<SqlNode> getOperandList() {
    return ImmutableList.<SqlNode>builder().add(name, table).addAll(columns).build();
  }

  @Override public void unparse(SqlWriter writer, int leftPrec, int rightPrec) {
    writer.keyword("CREATE");
    if (unique) {
      writer.keyword("UNIQUE");
    }
    writer.keyword("INDEX");
    if (ifNotExists) {
      writer.keyword("IF NOT EXISTS");
    }
    name.unparse(writer, leftPrec, rightPrec);
    writer.keyword("ON");
    table.unparse(writer, leftPrec, rightPrec);
    SqlWriter.Frame frame = writer.startList("(", ")");
    for (SqlIdentifier column : columns) {
      writer.sep(",");
      column.unparse(writer, 0, 0);
    }
    writer.endList(frame);
  }
}
