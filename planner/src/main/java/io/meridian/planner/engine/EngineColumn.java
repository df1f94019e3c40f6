package io.meridian.planner.engine;

import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.sql.type.SqlTypeName;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One column of a row that crosses between the JVM and a processing engine: its SQL type (the
 * kinds an engine can take and give back), and how that type travels as Arrow. Columns are
 * written into generated code as text ({@link #encode}) and read back ({@link #decode}).
 */
public record EngineColumn(SqlTypeName type, int precision, int scale) {

  /**
   * Returns the column for a field type, or null if rows of that type cannot be shipped (the
   * subplan that needs them then stays in the JVM).
   */
  public static @Nullable EngineColumn of(RelDataType type) {
    SqlTypeName name = type.getSqlTypeName();
    switch (name) {
    case BOOLEAN:
    case TINYINT:
    case SMALLINT:
    case INTEGER:
    case BIGINT:
    case REAL:
    case FLOAT:
    case DOUBLE:
    case CHAR:
    case VARCHAR:
    case DATE:
    case TIME:
    case TIMESTAMP:
      return new EngineColumn(name, 0, 0);
    case DECIMAL:
      return type.getPrecision() <= 38
          ? new EngineColumn(name, type.getPrecision(), Math.max(0, type.getScale())) : null;
    default:
      return null;
    }
  }

  /** Returns the columns of a row type, or null if any of them cannot be shipped. */
  public static @Nullable List<EngineColumn> of(List<RelDataTypeField> fields) {
    List<EngineColumn> columns = new ArrayList<>();
    for (RelDataTypeField field : fields) {
      EngineColumn column = of(field.getType());
      if (column == null) {
        return null;
      }
      columns.add(column);
    }
    return columns;
  }

  /** Writes columns as text, for example {@code INTEGER,DECIMAL(15:2),VARCHAR}. */
  public static String encode(List<EngineColumn> columns) {
    StringBuilder b = new StringBuilder();
    for (EngineColumn c : columns) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(c.type.name());
      if (c.type == SqlTypeName.DECIMAL) {
        b.append('(').append(c.precision).append(':').append(c.scale).append(')');
      }
    }
    return b.toString();
  }

  /** Reads columns written by {@link #encode}. */
  public static List<EngineColumn> decode(String text) {
    List<EngineColumn> columns = new ArrayList<>();
    if (text.isEmpty()) {
      return columns;
    }
    for (String part : text.split(",")) {
      int paren = part.indexOf('(');
      if (paren < 0) {
        columns.add(new EngineColumn(SqlTypeName.valueOf(part), 0, 0));
      } else {
        String[] ps = part.substring(paren + 1, part.length() - 1).split(":");
        columns.add(new EngineColumn(SqlTypeName.valueOf(part.substring(0, paren)),
            Integer.parseInt(ps[0]), Integer.parseInt(ps[1])));
      }
    }
    return columns;
  }

  /** Returns the Arrow field that carries this column. */
  public Field arrowField(String name) {
    return new Field(name, FieldType.nullable(arrowType()), null);
  }

  private ArrowType arrowType() {
    switch (type) {
    case BOOLEAN:
      return ArrowType.Bool.INSTANCE;
    case TINYINT:
      return new ArrowType.Int(8, true);
    case SMALLINT:
      return new ArrowType.Int(16, true);
    case INTEGER:
      return new ArrowType.Int(32, true);
    case BIGINT:
      return new ArrowType.Int(64, true);
    case REAL:
      return new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
    case FLOAT:
    case DOUBLE:
      return new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
    case DECIMAL:
      return new ArrowType.Decimal(precision, scale, 128);
    case CHAR:
    case VARCHAR:
      return ArrowType.Utf8.INSTANCE;
    case DATE:
      return new ArrowType.Date(DateUnit.DAY);
    case TIME:
      return new ArrowType.Time(TimeUnit.MILLISECOND, 32);
    case TIMESTAMP:
      return new ArrowType.Timestamp(TimeUnit.MILLISECOND, null);
    default:
      throw new IllegalStateException("no Arrow type for " + type);
    }
  }

  @Override public String toString() {
    return type == SqlTypeName.DECIMAL
        ? String.format(Locale.ROOT, "DECIMAL(%d, %d)", precision, scale) : type.name();
  }
}
