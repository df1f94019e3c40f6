package io.meridian.adapter.jdbc;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.type.SqlTypeUtil;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.List;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * The DDL Meridian sends to one backend, in its dialect: {@code CREATE TABLE}, {@code DROP
 * TABLE} and {@code CREATE INDEX}. Column types are Meridian's (Calcite) types, rendered as the
 * backend spells them; a backend whose DDL differs (ClickHouse's table engines, for example)
 * overrides the relevant method.
 */
public class BackendDdl {
  protected final SqlDialect dialect;

  public BackendDdl(SqlDialect dialect) {
    this.dialect = requireNonNull(dialect, "dialect");
  }

  /** Returns {@code "schema"."table"} quoted for the backend. */
  public String qualifiedName(String schema, String table) {
    return dialect.quoteIdentifier(schema) + "." + dialect.quoteIdentifier(table);
  }

  /**
   * Returns the statement that creates a table whose columns are the fields of a row type,
   * with a primary key when {@code primaryKey} names columns.
   */
  public String createTable(String schema, String table, RelDataType rowType,
      List<String> primaryKey, boolean ifNotExists) {
    String columns = rowType.getFieldList().stream()
        .map(this::columnDefinition)
        .collect(Collectors.joining(", "));
    return "CREATE TABLE " + (ifNotExists ? "IF NOT EXISTS " : "")
        + qualifiedName(schema, table) + " (" + columns + primaryKeyClause(primaryKey) + ")"
        + tableOptions(rowType, primaryKey);
  }

  /** Returns {@code , PRIMARY KEY (...)} inside the column list, or nothing. */
  protected String primaryKeyClause(List<String> primaryKey) {
    return primaryKey.isEmpty() ? "" : ", PRIMARY KEY (" + quotedList(primaryKey) + ")";
  }

  /** Returns what follows the column list of {@code CREATE TABLE}; nothing by default. */
  protected String tableOptions(RelDataType rowType, List<String> primaryKey) {
    return "";
  }

  /** Returns the names, quoted and separated by commas. */
  protected String quotedList(List<String> names) {
    return names.stream().map(dialect::quoteIdentifier).collect(Collectors.joining(", "));
  }

  /** Returns one column of {@code CREATE TABLE}: name, type and nullability. */
  protected String columnDefinition(RelDataTypeField field) {
    RelDataType type = field.getType();
    return dialect.quoteIdentifier(field.getName()) + " " + typeName(type)
        + (type.isNullable() ? "" : " NOT NULL");
  }

  /** Returns the backend's spelling of a column type. */
  public String typeName(RelDataType type) {
    SqlNode spec = dialect.getCastSpec(type);
    if (spec == null) {
      spec = SqlTypeUtil.convertTypeToSpec(type, null,
          org.apache.calcite.rel.type.RelDataType.PRECISION_NOT_SPECIFIED,
          org.apache.calcite.rel.type.RelDataType.SCALE_NOT_SPECIFIED);
    }
    return spec.toSqlString(dialect).getSql();
  }

  /** Returns the statement that drops a table. */
  public String dropTable(String schema, String table, boolean ifExists) {
    return "DROP TABLE " + (ifExists ? "IF EXISTS " : "") + qualifiedName(schema, table);
  }

  /**
   * Returns the statement that makes the backend gather a table's statistics again (row count,
   * distinct values, histograms), or null if the backend keeps them current itself.
   */
  public @Nullable String analyze(String schema, String table) {
    return "ANALYZE " + qualifiedName(schema, table);
  }

  /**
   * Returns the statement that creates an index on columns of a table, or throws
   * {@link UnsupportedOperationException} with the reason when the backend has no such index.
   */
  public String createIndex(String schema, String table, String index, List<String> columns,
      boolean unique, boolean ifNotExists) {
    return "CREATE " + (unique ? "UNIQUE " : "") + "INDEX " + (ifNotExists ? "IF NOT EXISTS " : "")
        + dialect.quoteIdentifier(index) + " ON " + qualifiedName(schema, table) + " ("
        + quotedList(columns) + ")";
  }
}
