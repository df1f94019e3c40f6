package io.meridian.planner.ddl;

import org.apache.calcite.server.DdlExecutor;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.ddl.SqlColumnDeclaration;
import org.apache.calcite.sql.ddl.SqlCreateTable;
import org.apache.calcite.sql.ddl.SqlDdlNodes;
import org.apache.calcite.sql.parser.SqlAbstractParserImpl;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParserImplFactory;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.parser.babel.SqlBabelParserImpl;
import org.apache.calcite.util.SourceStringReader;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Meridian's SQL parser: Calcite's Babel parser (every common dialect's query syntax, and
 * {@code CREATE TABLE [IF NOT EXISTS] t (columns) | AS query}), plus the DDL statements Babel does
 * not parse: {@code DROP TABLE [IF EXISTS] t} and
 * {@code CREATE [UNIQUE] INDEX [IF NOT EXISTS] i ON t (columns)}, and Meridian's own
 * {@code ANALYZE [TABLE] t} ({@link SqlAnalyze}) and {@code CALIBRATE [FROM WORKLOAD]}
 * ({@link SqlCalibrate}).
 *
 * <p>The added statements are recognised by their leading keywords; their names are parsed by
 * the Babel grammar itself (with the connection's quoting and casing rules), on the original
 * text with the keywords blanked out, so that an error still points at the right line and
 * column of what the user wrote.
 */
public class MeridianParserImpl extends SqlBabelParserImpl {
  /** The factory named by the connection property {@code parserFactory}. */
  public static final SqlParserImplFactory FACTORY = new SqlParserImplFactory() {
    @Override public SqlAbstractParserImpl getParser(Reader reader) {
      String sql = reader instanceof SourceStringReader
          ? ((SourceStringReader) reader).getSourceString() : null;
      MeridianParserImpl parser = new MeridianParserImpl(reader);
      if (sql != null) {
        parser.setOriginalSql(sql);
      }
      return parser;
    }

    @Override public DdlExecutor getDdlExecutor() {
      return MeridianDdlExecutor.INSTANCE;
    }
  };

  private static final Pattern DROP_TABLE = Pattern.compile(
      "(?is)^(\\s*DROP\\s+TABLE\\s+(IF\\s+EXISTS\\s+)?)\\S.*$");
  private static final Pattern CREATE_INDEX = Pattern.compile(
      "(?is)^(\\s*CREATE\\s+(UNIQUE\\s+)?INDEX\\s+(IF\\s+NOT\\s+EXISTS\\s+)?)(\\S.*?)"
          + "(\\s+ON\\s+)(\\S.*?)(\\()(.*)\\)\\s*;?\\s*$");

  private static final Pattern ANALYZE = Pattern.compile(
      "(?is)^(\\s*ANALYZE\\s+(TABLE\\s+)?)\\S.*$");
  private static final Pattern CALIBRATE = Pattern.compile(
      "(?is)^\\s*CALIBRATE(\\s+FROM\\s+WORKLOAD)?\\s*;?\\s*$");
  private static final Pattern CREATE_TABLE = Pattern.compile("(?is)^\\s*CREATE\\s+TABLE\\b");
  private static final Pattern TABLE_PRIMARY_KEY = Pattern.compile(
      "(?is)(,\\s*(?:CONSTRAINT\\s+\\S+\\s+)?PRIMARY\\s+KEY\\s*\\()([^)]*)\\)");
  private static final Pattern PRIMARY_KEY = Pattern.compile("(?is)\\bPRIMARY\\s+KEY\\b");
  private static final Pattern SORT_DIRECTION = Pattern.compile("(?i)\\b(ASC|DESC)\\b");

  private @Nullable LexicalState lexicalState;

  public MeridianParserImpl(Reader reader) {
    super(reader);
  }

  @Override public void switchTo(LexicalState state) {
    this.lexicalState = state;
    super.switchTo(state);
  }

  @Override public SqlNode parseSqlStmtEof() throws Exception {
    String sql = getOriginalSql();
    if (sql != null) {
      Matcher drop = DROP_TABLE.matcher(sql);
      if (drop.matches()) {
        SqlIdentifier name = parseTableName(sql, drop.end(1));
        return SqlDdlNodes.dropTable(SqlParserPos.ZERO, drop.group(2) != null, name);
      }
      Matcher analyze = ANALYZE.matcher(sql);
      if (analyze.matches()) {
        return new SqlAnalyze(SqlParserPos.ZERO, parseTableName(sql, analyze.end(1)));
      }
      Matcher calibrate = CALIBRATE.matcher(sql);
      if (calibrate.matches()) {
        return new SqlCalibrate(SqlParserPos.ZERO, calibrate.group(1) != null);
      }
      Matcher index = CREATE_INDEX.matcher(sql);
      if (index.matches()) {
        SqlIdentifier indexName = parseSimpleName(sql, index.start(4), index.end(4));
        SqlIdentifier table = parseTableName(sql.substring(0, index.end(6)), index.start(6));
        // Sort directions are accepted and left to the backend's default order.
        String undirected = blank(sql, SORT_DIRECTION, index.end(7), index.end(8));
        List<SqlIdentifier> columns = parseColumns(undirected, index.end(7), index.end(8));
        return new SqlCreateIndex(SqlParserPos.ZERO, index.group(2) != null,
            index.group(3) != null, indexName, table, columns);
      }
      if (CREATE_TABLE.matcher(sql).find()) {
        SqlNode withKey = parseCreateTableWithKey(sql);
        if (withKey != null) {
          return withKey;
        }
      }
    }
    return super.parseSqlStmtEof();
  }

  /**
   * Parses {@code CREATE TABLE} whose columns declare a primary key ({@code a INTEGER PRIMARY
   * KEY}, or a trailing {@code PRIMARY KEY (a, b)}), which Babel's grammar does not read: the
   * key clauses are blanked out, the rest parsed by Babel, and the key kept beside it.
   */
  private @Nullable SqlNode parseCreateTableWithKey(String sql) throws Exception {
    Matcher tableKey = TABLE_PRIMARY_KEY.matcher(sql);
    Matcher columnKey = PRIMARY_KEY.matcher(sql);
    List<SqlIdentifier> key = new ArrayList<>();
    String blanked;
    if (tableKey.find()) {
      key.addAll(parseColumns(sql.substring(0, tableKey.end(2)), tableKey.start(2),
          tableKey.end(2)));
      blanked = blank(sql, tableKey.start(), tableKey.end());
    } else if (columnKey.find()) {
      blanked = blank(sql, columnKey.start(), columnKey.end());
    } else {
      return null;
    }
    SqlNode node = reparse(blanked);
    if (!(node instanceof SqlCreateTable) || ((SqlCreateTable) node).columnList == null) {
      return node;
    }
    SqlCreateTable create = (SqlCreateTable) node;
    if (key.isEmpty()) {
      // The column whose declaration holds the blanked PRIMARY KEY.
      SqlNode owner = null;
      for (SqlNode column : create.columnList) {
        if (offset(sql, column.getParserPosition().getLineNum(),
            column.getParserPosition().getColumnNum()) <= columnKey.start()) {
          owner = column;
        }
      }
      if (!(owner instanceof SqlColumnDeclaration)) {
        throw new SqlParseException("PRIMARY KEY must follow a column definition",
            null, null, null, null);
      }
      key.add(((SqlColumnDeclaration) owner).name);
    }
    return new SqlCreateTableWithKey(create, key);
  }

  private static int offset(String sql, int line, int column) {
    int at = 0;
    for (int l = 1; l < line; l++) {
      at = sql.indexOf('\n', at) + 1;
    }
    return at + column - 1;
  }

  /** Returns {@code sql} with the characters from {@code start} to {@code end} blanked. */
  private static String blank(String sql, int start, int end) {
    return sql.substring(0, start) + " ".repeat(end - start) + sql.substring(end);
  }

  /** Returns {@code sql} with every match of a pattern within a range blanked. */
  private static String blank(String sql, Pattern pattern, int start, int end) {
    Matcher m = pattern.matcher(sql).region(start, end);
    String result = sql;
    while (m.find()) {
      result = blank(result, m.start(), m.end());
    }
    return result;
  }

  /** Parses the table name that starts at {@code start}, as the explicit table {@code TABLE t}. */
  private SqlIdentifier parseTableName(String sql, int start) throws Exception {
    SqlNode node = reparse(blankBefore(sql, start, "TABLE "));
    if (node instanceof SqlCall && node.getKind() == SqlKind.EXPLICIT_TABLE) {
      SqlNode operand = ((SqlCall) node).operand(0);
      if (operand instanceof SqlIdentifier) {
        return (SqlIdentifier) operand;
      }
    }
    throw new SqlParseException("a table name was expected at character " + (start + 1),
        null, null, null, null);
  }

  private SqlIdentifier parseSimpleName(String sql, int start, int end) throws Exception {
    List<SqlIdentifier> names = parseColumns(sql.substring(0, end), start, end);
    if (names.size() != 1) {
      throw new SqlParseException("an index name was expected at character " + (start + 1),
          null, null, null, null);
    }
    return names.get(0);
  }

  /** Parses a comma-separated list of simple names, as the select list of {@code SELECT}. */
  private List<SqlIdentifier> parseColumns(String sql, int start, int end) throws Exception {
    SqlNode node = reparse(blankBefore(sql.substring(0, end), start, "SELECT "));
    List<SqlIdentifier> names = new ArrayList<>();
    if (node instanceof SqlSelect) {
      SqlNodeList list = ((SqlSelect) node).getSelectList();
      for (SqlNode item : list) {
        if (!(item instanceof SqlIdentifier) || !((SqlIdentifier) item).isSimple()) {
          throw new SqlParseException("a column name was expected at "
              + item.getParserPosition(), item.getParserPosition(), null, null, null);
        }
        names.add((SqlIdentifier) item);
      }
    }
    return names;
  }

  /**
   * Returns {@code sql} with everything before {@code start} blanked (line breaks kept) and
   * {@code keyword} placed just before {@code start}, so positions in the rest are unchanged.
   */
  private static String blankBefore(String sql, int start, String keyword) {
    StringBuilder b = new StringBuilder(sql.length() + keyword.length());
    for (int i = 0; i < start; i++) {
      char c = sql.charAt(i);
      b.append(c == '\n' || c == '\r' ? c : ' ');
    }
    int at = start - keyword.length();
    if (at >= 0 && b.substring(at, start).indexOf('\n') < 0) {
      b.replace(at, start, keyword);
    } else {
      b.insert(start, keyword);
    }
    return b.append(sql, start, sql.length()).toString();
  }

  private SqlNode reparse(String text) throws Exception {
    ReInit(new StringReader(text));
    if (lexicalState != null) {
      super.switchTo(lexicalState);
    }
    return super.parseSqlStmtEof();
  }
}
