package io.meridian.adapter.iceberg;

import org.apache.calcite.avatica.util.ByteString;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import static io.meridian.adapter.duckdb.DuckDbSqlDialect.quote;

/**
 * Iceberg's types as Calcite and DuckDB see them. Timestamps with a zone are read as UTC
 * timestamps; UUIDs as text; nested types (structs, lists, maps) only through Iceberg's reader,
 * as text.
 */
final class IcebergTypes {
  private IcebergTypes() {
  }

  /** Returns the Calcite row type of an Iceberg schema. */
  static RelDataType rowType(Schema schema, RelDataTypeFactory typeFactory) {
    RelDataTypeFactory.Builder builder = typeFactory.builder();
    for (Types.NestedField field : schema.columns()) {
      builder.add(field.name(), typeFactory.createTypeWithNullability(
          sqlType(field.type(), typeFactory), field.isOptional()));
    }
    return builder.build();
  }

  private static RelDataType sqlType(Type type, RelDataTypeFactory typeFactory) {
    switch (type.typeId()) {
    case BOOLEAN:
      return typeFactory.createSqlType(SqlTypeName.BOOLEAN);
    case INTEGER:
      return typeFactory.createSqlType(SqlTypeName.INTEGER);
    case LONG:
      return typeFactory.createSqlType(SqlTypeName.BIGINT);
    case FLOAT:
      return typeFactory.createSqlType(SqlTypeName.REAL);
    case DOUBLE:
      return typeFactory.createSqlType(SqlTypeName.DOUBLE);
    case DECIMAL:
      Types.DecimalType decimal = (Types.DecimalType) type;
      return typeFactory.createSqlType(SqlTypeName.DECIMAL, decimal.precision(),
          decimal.scale());
    case DATE:
      return typeFactory.createSqlType(SqlTypeName.DATE);
    case TIME:
      return typeFactory.createSqlType(SqlTypeName.TIME);
    case TIMESTAMP:
    case TIMESTAMP_NANO:
      return typeFactory.createSqlType(SqlTypeName.TIMESTAMP, 6);
    case BINARY:
    case FIXED:
      return typeFactory.createSqlType(SqlTypeName.VARBINARY);
    default:
      return typeFactory.createSqlType(SqlTypeName.VARCHAR);
    }
  }

  /**
   * Returns the DuckDB type a column of this type is read as, or null when DuckDB's Parquet
   * reader cannot give it the same value as Iceberg's (nested types).
   */
  static @Nullable String duckDbType(Type type) {
    switch (type.typeId()) {
    case BOOLEAN:
      return "BOOLEAN";
    case INTEGER:
      return "INTEGER";
    case LONG:
      return "BIGINT";
    case FLOAT:
      return "REAL";
    case DOUBLE:
      return "DOUBLE";
    case DECIMAL:
      Types.DecimalType decimal = (Types.DecimalType) type;
      return "DECIMAL(" + decimal.precision() + ", " + decimal.scale() + ")";
    case DATE:
      return "DATE";
    case TIME:
      return "TIME";
    case TIMESTAMP:
      return "TIMESTAMP";
    case STRING:
    case UUID:
      return "VARCHAR";
    case BINARY:
    case FIXED:
      return "BLOB";
    default:
      return null;
    }
  }

  /** Returns the DuckDB expression that reads a column of a Parquet file as its view column. */
  static String duckDbColumn(Types.NestedField field) {
    String name = quote(field.name());
    Type type = field.type();
    if (type.typeId() == Type.TypeID.TIMESTAMP && ((Types.TimestampType) type).shouldAdjustToUTC()) {
      return "CAST(timezone('UTC', " + name + ") AS TIMESTAMP) AS " + name;
    }
    return "CAST(" + name + " AS " + duckDbType(type) + ") AS " + name;
  }

  /** Returns a value read by Iceberg's generic reader in Calcite's internal representation. */
  static @Nullable Object toInternal(@Nullable Object value) {
    if (value == null || value instanceof String || value instanceof Number
        || value instanceof Boolean) {
      return value;
    }
    if (value instanceof LocalDate) {
      return (int) ((LocalDate) value).toEpochDay();
    }
    if (value instanceof LocalTime) {
      return (int) (((LocalTime) value).toNanoOfDay() / 1_000_000L);
    }
    if (value instanceof LocalDateTime) {
      return ((LocalDateTime) value).toInstant(ZoneOffset.UTC).toEpochMilli();
    }
    if (value instanceof OffsetDateTime) {
      return ((OffsetDateTime) value).toInstant().toEpochMilli();
    }
    if (value instanceof ByteBuffer) {
      ByteBuffer buffer = ((ByteBuffer) value).duplicate();
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return new ByteString(bytes);
    }
    if (value instanceof byte[]) {
      return new ByteString((byte[]) value);
    }
    return value.toString();
  }

}
