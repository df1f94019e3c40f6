package io.meridian.adapter.clickhouse;

import io.meridian.adapter.jdbc.IntegerDivision;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlBasicTypeNameSpec;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.dialect.ClickHouseSqlDialect;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.type.SqlTypeName;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.Locale;

/**
 * The SQL Meridian sends to ClickHouse: Calcite's ClickHouse dialect, corrected where it fails
 * against a current server (26.x).
 *
 * <ul>
 *   <li>{@code CAST(x AS DECIMAL(p, s))} of a nullable value is rendered
 *   {@code Nullable(Decimal(p, s))}: ClickHouse refuses to cast NULL to a non-Nullable type
 *   (TPC-H q20's {@code 0.5 * sum(..)} over an empty group).
 * </ul>
 */
public class ClickHouseDialect extends ClickHouseSqlDialect {
  /** The shared instance. */
  public static final ClickHouseDialect DEFAULT = new ClickHouseDialect(DEFAULT_CONTEXT);

  public ClickHouseDialect(Context context) {
    super(context);
  }

  @Override public void unparseCall(SqlWriter writer, SqlCall call, int leftPrec,
      int rightPrec) {
    if (IntegerDivision.isIntegerDivision(call)) {
      // ClickHouse's "/" always returns a Float64; intDiv is the integer quotient. The
      // division is written as a function, so operand precedence does not matter.
      writer.print("intDiv(");
      call.operand(0).unparse(writer, 0, 0);
      writer.print(", ");
      call.operand(1).unparse(writer, 0, 0);
      writer.print(")");
      return;
    }
    super.unparseCall(writer, call, leftPrec, rightPrec);
  }

  @Override public @Nullable SqlNode getCastSpec(RelDataType type) {
    if (type.getSqlTypeName() == SqlTypeName.DECIMAL) {
      String name = String.format(Locale.ROOT, "Decimal(%d, %d)", type.getPrecision(),
          type.getScale());
      String rendered = type.isNullable() ? "Nullable(" + name + ")" : name;
      SqlBasicTypeNameSpec spec =
          new SqlBasicTypeNameSpec(SqlTypeName.DECIMAL, SqlParserPos.ZERO) {
            @Override public void unparse(SqlWriter writer, int leftPrec, int rightPrec) {
              writer.print(rendered);
            }
          };
      return new SqlDataTypeSpec(spec, SqlParserPos.ZERO);
    }
    return super.getCastSpec(type);
  }
}
