package io.meridian.adapter.delta;


import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.types.BinaryType;
import io.delta.kernel.types.BooleanType;
import io.delta.kernel.types.ByteType;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.FloatType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.ShortType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.types.TimestampNTZType;
import io.delta.kernel.types.TimestampType;

import org.apache.calcite.avatica.util.ByteString;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.sql.type.SqlTypeName;
import org.checkerframework.checker.nullness.qual.Nullable;

import static io.meridian.adapter.duckdb.DuckDbSqlDialect.quote;
import static io.meridian.adapter.duckdb.DuckDbSqlDialect.literal;

/**
 * Delta's types as Calcite and DuckDB see them. Timestamps (UTC instants) read as UTC
 * timestamps; nested types only through Kernel's reader, as text.
 */
final class DeltaTypes {
  private DeltaTypes() {
  }

  static RelDataType rowType(StructType schema, RelDataTypeFactory typeFactory) {
    RelDataTypeFactory.Builder builder = typeFactory.builder();
    for (StructField field : schema.fields()) {
      builder.add(field.getName(), typeFactory.createTypeWithNullability(
          sqlType(field.getDataType(), typeFactory), field.isNullable()));
    }
    return builder.build();
  }

  private static RelDataType sqlType(DataType type, RelDataTypeFactory typeFactory) {
    if (type instanceof DecimalType) {
      DecimalType d = (DecimalType) type;
      return typeFactory.createSqlType(SqlTypeName.DECIMAL, d.getPrecision(), d.getScale());
    }
    if (type instanceof TimestampType || type instanceof TimestampNTZType) {
      return typeFactory.createSqlType(SqlTypeName.TIMESTAMP, 6);
    }
    return typeFactory.createSqlType(sqlTypeName(type));
  }

  private static SqlTypeName sqlTypeName(DataType type) {
    if (type instanceof BooleanType) {
      return SqlTypeName.BOOLEAN;
    } else if (type instanceof ByteType) {
      return SqlTypeName.TINYINT;
    } else if (type instanceof ShortType) {
      return SqlTypeName.SMALLINT;
    } else if (type instanceof IntegerType) {
      return SqlTypeName.INTEGER;
    } else if (type instanceof LongType) {
      return SqlTypeName.BIGINT;
    } else if (type instanceof FloatType) {
      return SqlTypeName.REAL;
    } else if (type instanceof DoubleType) {
      return SqlTypeName.DOUBLE;
    } else if (type instanceof DateType) {
      return SqlTypeName.DATE;
    } else if (type instanceof BinaryType) {
      return SqlTypeName.VARBINARY;
    }
    return SqlTypeName.VARCHAR;
  }

  /** Returns the DuckDB type of a column, or null for nested types (Kernel's reader only). */
  static @Nullable String duckDbType(DataType type) {
    if (type instanceof DecimalType) {
      DecimalType d = (DecimalType) type;
      return "DECIMAL(" + d.getPrecision() + ", " + d.getScale() + ")";
    }
    if (type instanceof TimestampType || type instanceof TimestampNTZType) {
      return "TIMESTAMP";
    }
    if (type instanceof StringType) {
      return "VARCHAR";
    }
    if (type instanceof BinaryType) {
      return "BLOB";
    }
    SqlTypeName name = sqlTypeName(type);
    return name == SqlTypeName.VARCHAR ? null : name.getName();
  }

  /** Reads a data column as its view column. */
  static String duckDbColumn(StructField field) {
    String name = quote(field.getName());
    if (field.getDataType() instanceof TimestampType) {
      return "CAST(timezone('UTC', " + name + ") AS TIMESTAMP) AS " + name;
    }
    return "CAST(" + name + " AS " + duckDbType(field.getDataType()) + ") AS " + name;
  }

  /** A partition column of one group of files, from its serialized value. */
  static String partitionColumn(StructField field, @Nullable String value) {
    String type = duckDbType(field.getDataType());
    String name = quote(field.getName());
    if (value == null) {
      return "CAST(NULL AS " + type + ") AS " + name;
    }
    if (field.getDataType() instanceof TimestampType) {
      return "CAST(timezone('UTC', CAST(" + literal(value) + " AS TIMESTAMPTZ)) AS TIMESTAMP) AS "
          + name;
    }
    return "CAST(" + literal(value) + " AS " + type + ") AS " + name;
  }

  /** Reads row {@code i} of a vector in Calcite's internal representation. */
  static @Nullable Object value(ColumnVector vector, int i) {
    if (vector.isNullAt(i)) {
      return null;
    }
    DataType type = vector.getDataType();
    if (type instanceof BooleanType) {
      return vector.getBoolean(i);
    } else if (type instanceof ByteType) {
      return vector.getByte(i);
    } else if (type instanceof ShortType) {
      return vector.getShort(i);
    } else if (type instanceof IntegerType || type instanceof DateType) {
      return vector.getInt(i);
    } else if (type instanceof LongType) {
      return vector.getLong(i);
    } else if (type instanceof FloatType) {
      return vector.getFloat(i);
    } else if (type instanceof DoubleType) {
      return vector.getDouble(i);
    } else if (type instanceof DecimalType) {
      return vector.getDecimal(i);
    } else if (type instanceof TimestampType || type instanceof TimestampNTZType) {
      return Math.floorDiv(vector.getLong(i), 1000L); // micros to millis
    } else if (type instanceof StringType) {
      return vector.getString(i);
    } else if (type instanceof BinaryType) {
      return new ByteString(vector.getBinary(i));
    }
    return String.valueOf(type); // nested: not read by value
  }

}
