package io.meridian.planner;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeSystemImpl;
import org.apache.calcite.sql.type.SqlTypeName;

/**
 * Meridian's type rules where they differ from Calcite's defaults:
 * <ul>
 *   <li>{@code AVG} of an exact numeric is {@code DOUBLE}, as in DuckDB (Calcite would keep the
 *   argument's type, so the average of {@code DECIMAL(15,2)} values 0.04 and 0.05 would be 0.04);
 *   <li>{@code DECIMAL} precision up to 38 digits, as in DuckDB, ClickHouse and Trino.
 * </ul>
 */
public final class MeridianTypeSystem extends RelDataTypeSystemImpl {
  /** The instance named in the connection property {@code typeSystem}. */
  public static final MeridianTypeSystem INSTANCE = new MeridianTypeSystem();

  private MeridianTypeSystem() {
  }

  @Override public RelDataType deriveAvgAggType(RelDataTypeFactory typeFactory,
      RelDataType argumentType) {
    switch (argumentType.getSqlTypeName()) {
    case TINYINT:
    case SMALLINT:
    case INTEGER:
    case BIGINT:
    case DECIMAL:
      return typeFactory.createTypeWithNullability(
          typeFactory.createSqlType(SqlTypeName.DOUBLE), argumentType.isNullable());
    default:
      return super.deriveAvgAggType(typeFactory, argumentType);
    }
  }

  /**
   * Decimal division keeps at least 12 fractional digits (Calcite's default keeps 6, so TPC-H
   * q14's {@code 100.00 * sum(..) / sum(..)} came back as 15.486545 where DuckDB returns
   * 15.48654581228407 and PostgreSQL 15.4865458122840...).
   */
  @Override public @org.checkerframework.checker.nullness.qual.Nullable RelDataType
      deriveDecimalDivideType(RelDataTypeFactory typeFactory, RelDataType type1,
          RelDataType type2) {
    RelDataType type = super.deriveDecimalDivideType(typeFactory, type1, type2);
    if (type == null || type.getSqlTypeName() != SqlTypeName.DECIMAL || type.getScale() >= 12) {
      return type;
    }
    int scale = 12;
    int precision = Math.min(getMaxPrecision(SqlTypeName.DECIMAL),
        Math.max(type.getPrecision() - type.getScale() + scale, scale + 1));
    return typeFactory.createTypeWithNullability(
        typeFactory.createSqlType(SqlTypeName.DECIMAL, precision, scale), type.isNullable());
  }

  /**
   * {@code CASE WHEN .. THEN 'big' ELSE 'small' END} is {@code VARCHAR(5)}, not
   * {@code CHAR(5)}: the common type of character values of different lengths varies, as in
   * PostgreSQL, DuckDB and Trino (with {@code CHAR} the client would receive {@code 'big  '}).
   */
  @Override public boolean shouldConvertRaggedUnionTypesToVarying() {
    return true;
  }

  @Override public int getMaxPrecision(SqlTypeName typeName) {
    return typeName == SqlTypeName.DECIMAL ? 38 : super.getMaxPrecision(typeName);
  }
}
