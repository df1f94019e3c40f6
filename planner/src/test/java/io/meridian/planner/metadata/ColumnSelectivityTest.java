package io.meridian.planner.metadata;

import io.meridian.adapter.jdbc.ColumnStatistics;

import org.apache.calcite.jdbc.JavaTypeFactoryImpl;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexSimplify;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.rex.RexUnknownAs;
import org.apache.calcite.plan.RelOptPredicateList;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.util.DateString;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Selectivities from column statistics, on conditions as Calcite simplifies them. */
class ColumnSelectivityTest {
  private final RelDataTypeFactory types = new JavaTypeFactoryImpl();
  private final RexBuilder rex = new RexBuilder(types);
  private final RelDataType row = types.builder()
      .add("q", types.createTypeWithNullability(types.createSqlType(SqlTypeName.INTEGER), true))
      .add("d", SqlTypeName.DATE)
      .add("s", SqlTypeName.VARCHAR, 10)
      .add("x", SqlTypeName.INTEGER)
      .build();
  /** q: 0..100, 10% NULL, 50 values; d: 2020-01-01..2020-12-31 (366 days); s: 4 values. */
  private final Map<String, ColumnStatistics> stats = Map.of(
      "q", new ColumnStatistics(50.0, 0.1, "0", "100"),
      "d", new ColumnStatistics(366.0, 0.0, "2020-01-01", "2020-12-31"),
      "s", new ColumnStatistics(4.0, 0.0, "a", "d"));

  private RexNode ref(int i) {
    return rex.makeInputRef(row.getFieldList().get(i).getType(), i);
  }

  private RexNode num(int v) {
    return rex.makeExactLiteral(BigDecimal.valueOf(v));
  }

  private RexNode date(String v) {
    return rex.makeDateLiteral(new DateString(v));
  }

  /** Simplifies as the planner does (ranges become SEARCH). */
  private double selectivity(RexNode condition) {
    RexNode simplified = new RexSimplify(rex, RelOptPredicateList.EMPTY,
        RexUtil.EXECUTOR).simplifyUnknownAs(condition, RexUnknownAs.FALSE);
    Double s = ColumnSelectivity.of(simplified, row.getFieldNames(), stats);
    assertThat(s).as("%s", simplified).isNotNull();
    return s;
  }

  @Test void rangesCoverTheirShareOfTheBoundsAndNeverNulls() {
    assertThat(selectivity(rex.makeCall(SqlStdOperatorTable.LESS_THAN, ref(0), num(25))))
        .isCloseTo(0.25 * 0.9, within(1e-9));
    // BETWEEN on dates: 31 days of 365 between the bounds.
    assertThat(selectivity(rex.makeCall(SqlStdOperatorTable.AND,
        rex.makeCall(SqlStdOperatorTable.GREATER_THAN_OR_EQUAL, ref(1), date("2020-03-01")),
        rex.makeCall(SqlStdOperatorTable.LESS_THAN, ref(1), date("2020-04-01")))))
        .isCloseTo(31.0 / 365, within(1e-9));
    // Beyond the bounds: nothing, or everything.
    assertThat(selectivity(rex.makeCall(SqlStdOperatorTable.GREATER_THAN, ref(0), num(500))))
        .isZero();
    assertThat(selectivity(rex.makeCall(SqlStdOperatorTable.GREATER_THAN, ref(0), num(-5))))
        .isCloseTo(0.9, within(1e-9));
  }

  @Test void equalitiesAndInListsUseDistinctCounts() {
    assertThat(selectivity(rex.makeCall(SqlStdOperatorTable.EQUALS, ref(2),
        rex.makeLiteral("b")))).isCloseTo(0.25, within(1e-9));
    assertThat(selectivity(rex.makeIn(ref(0), List.of(num(3), num(7), num(9)))))
        .isCloseTo(3 * 0.9 / 50, within(1e-9));
    assertThat(selectivity(rex.makeCall(SqlStdOperatorTable.NOT,
        rex.makeIn(ref(2), List.of(rex.makeLiteral("a"), rex.makeLiteral("b"))))))
        .isCloseTo(0.5, within(1e-9));
    assertThat(selectivity(rex.makeCall(SqlStdOperatorTable.EQUALS, ref(0), num(1000))))
        .isZero();
  }

  @Test void aParameterIsOneValueOfTheColumn() {
    RexNode param = rex.makeDynamicParam(types.createSqlType(SqlTypeName.INTEGER), 0);
    assertThat(selectivity(rex.makeCall(SqlStdOperatorTable.EQUALS, ref(0), param)))
        .isCloseTo(0.9 / 50, within(1e-9));
    assertThat(selectivity(rex.makeCall(SqlStdOperatorTable.EQUALS, param, ref(2))))
        .isCloseTo(0.25, within(1e-9));
    assertThat(selectivity(rex.makeCall(SqlStdOperatorTable.NOT_EQUALS, ref(0), param)))
        .isCloseTo(0.9 - 0.9 / 50, within(1e-9));
    // A parameter compared with a column without statistics: Calcite's guess stands.
    assertThat(ColumnSelectivity.of(rex.makeCall(SqlStdOperatorTable.EQUALS, ref(3), param),
        row.getFieldNames(), stats)).isNull();
  }

  @Test void nullsConjunctionsAndUnknownColumns() {
    assertThat(selectivity(rex.makeCall(SqlStdOperatorTable.IS_NULL, ref(0))))
        .isCloseTo(0.1, within(1e-9));
    assertThat(selectivity(rex.makeCall(SqlStdOperatorTable.OR,
        rex.makeCall(SqlStdOperatorTable.EQUALS, ref(2), rex.makeLiteral("a")),
        rex.makeCall(SqlStdOperatorTable.LESS_THAN, ref(0), num(50)))))
        .isCloseTo(1 - 0.75 * (1 - 0.45), within(1e-9));
    // x has no statistics: its conjunct keeps Calcite's guess (0.5 for a range).
    assertThat(selectivity(rex.makeCall(SqlStdOperatorTable.AND,
        rex.makeCall(SqlStdOperatorTable.LESS_THAN, ref(0), num(50)),
        rex.makeCall(SqlStdOperatorTable.GREATER_THAN, ref(3), num(7)))))
        .isCloseTo(0.45 * 0.5, within(1e-9));
    assertThat(ColumnSelectivity.of(rex.makeCall(SqlStdOperatorTable.GREATER_THAN, ref(3),
        num(7)), row.getFieldNames(), stats)).isNull();
  }
}
