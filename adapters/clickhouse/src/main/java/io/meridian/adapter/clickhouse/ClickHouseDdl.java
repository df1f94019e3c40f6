package io.meridian.adapter.clickhouse;

import io.meridian.adapter.jdbc.BackendDdl;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.List;
import java.util.Locale;

/**
 * ClickHouse's DDL: a table needs a table engine (Meridian creates {@code MergeTree} tables
 * ordered by nothing, the general-purpose choice), nullable columns are {@code Nullable(T)}, and
 * there are no B-tree secondary indexes to create.
 */
final class ClickHouseDdl extends BackendDdl {
  ClickHouseDdl() {
    super(ClickHouseDialect.DEFAULT);
  }

  /** ClickHouse's primary key is the table's sort key, given after the engine. */
  @Override protected String primaryKeyClause(List<String> primaryKey) {
    return "";
  }

  @Override protected String tableOptions(RelDataType rowType, List<String> primaryKey) {
    return primaryKey.isEmpty() ? " ENGINE = MergeTree ORDER BY tuple()"
        : " ENGINE = MergeTree ORDER BY (" + quotedList(primaryKey) + ")";
  }

  @Override protected String columnDefinition(RelDataTypeField field) {
    RelDataType type = field.getType();
    return dialect.quoteIdentifier(field.getName()) + " " + typeName(type);
  }

  /** ClickHouse's column type for a Meridian type, {@code Nullable(T)} when nullable. */
  @Override public String typeName(RelDataType type) {
    String name;
    switch (type.getSqlTypeName()) {
    case BOOLEAN:
      name = "Bool";
      break;
    case TINYINT:
      name = "Int8";
      break;
    case SMALLINT:
      name = "Int16";
      break;
    case INTEGER:
      name = "Int32";
      break;
    case BIGINT:
      name = "Int64";
      break;
    case REAL:
      name = "Float32";
      break;
    case FLOAT:
    case DOUBLE:
      name = "Float64";
      break;
    case DECIMAL:
      name = String.format(Locale.ROOT, "Decimal(%d, %d)", type.getPrecision(), type.getScale());
      break;
    case DATE:
      name = "Date32";
      break;
    case TIMESTAMP:
      name = "DateTime64(6)";
      break;
    case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
    case TIMESTAMP_TZ:
      name = "DateTime64(6, 'UTC')";
      break;
    case CHAR:
    case VARCHAR:
    case BINARY:
    case VARBINARY:
    case TIME:
      name = "String";
      break;
    default:
      throw new UnsupportedOperationException("ClickHouse has no column type for " + type);
    }
    return type.isNullable() ? "Nullable(" + name + ")" : name;
  }

  /** ClickHouse keeps its row counts current ({@code system.tables}); it has no ANALYZE. */
  @Override public @Nullable String analyze(String schema, String table) {
    return null;
  }

  @Override public String createIndex(String schema, String table, String index,
      List<String> columns, boolean unique, boolean ifNotExists) {
    throw new UnsupportedOperationException(
        "ClickHouse has no secondary B-tree indexes; its tables are ordered by their sort key");
  }
}
