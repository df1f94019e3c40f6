package io.meridian.planner.ddl;

import com.google.common.collect.ImmutableList;

import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.ddl.SqlCreateTable;

import java.util.List;

/** {@code CREATE TABLE t (columns, PRIMARY KEY (key columns))}. */
public final class SqlCreateTableWithKey extends SqlCreateTable {
  public final ImmutableList<SqlIdentifier> primaryKey;

  SqlCreateTableWithKey(SqlCreateTable create, List<SqlIdentifier> primaryKey) {
    super(create.getParserPosition(), create.getReplace(), create.ifNotExists, create.name,
        create.columnList, create.query);
    this.primaryKey = ImmutableList.copyOf(primaryKey);
  }

  @Override public void unparse(SqlWriter writer, int leftPrec, int rightPrec) {
    super.unparse(writer, leftPrec, rightPrec);
    writer.keyword("PRIMARY KEY");
    SqlWriter.Frame frame = writer.startList("(", ")");
    for (SqlIdentifier column : primaryKey) {
      writer.sep(",");
      column.unparse(writer, 0, 0);
    }
    writer.endList(frame);
  }
}
