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

  @Override public int getMaxPrecision(SqlTypeName typeName) {
    return typeName == SqlTypeName.DECIMAL ? 38 : super.getMaxPrecision(typeName);
  }
}
