package io.meridian.planner.engine;

import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.sql.type.SqlTypeName;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The embedded DuckDB engine on its own: rows of every type it takes travel into DuckDB as Arrow
 * and back unchanged (NULLs included), inputs are joined there, and a statement DuckDB cannot
 * run is refused at planning time.
 */
class DuckDbEngineTest {
  private static final List<EngineColumn> ALL_TYPES = List.of(
      new EngineColumn(SqlTypeName.BOOLEAN, 0, 0),
      new EngineColumn(SqlTypeName.TINYINT, 0, 0),
      new EngineColumn(SqlTypeName.SMALLINT, 0, 0),
      new EngineColumn(SqlTypeName.INTEGER, 0, 0),
      new EngineColumn(SqlTypeName.BIGINT, 0, 0),
      new EngineColumn(SqlTypeName.REAL, 0, 0),
      new EngineColumn(SqlTypeName.DOUBLE, 0, 0),
      new EngineColumn(SqlTypeName.DECIMAL, 38, 10),
      new EngineColumn(SqlTypeName.VARCHAR, 0, 0),
      new EngineColumn(SqlTypeName.DATE, 0, 0),
      new EngineColumn(SqlTypeName.TIME, 0, 0),
      new EngineColumn(SqlTypeName.TIMESTAMP, 0, 0));

  /** Values in Calcite's internal representation, one row per case, then a row of NULLs. */
  private static List<Object[]> rows() {
    int day = (int) LocalDate.of(1998, 12, 1).toEpochDay();
    int millisOfDay = (int) (LocalTime.of(23, 59, 58, 123_000_000).toNanoOfDay() / 1_000_000);
    long ts = LocalDateTime.of(1970, 1, 1, 0, 0, 1).toInstant(ZoneOffset.UTC).toEpochMilli();
    List<Object[]> rows = new ArrayList<>();
    rows.add(new Object[] {true, (byte) -128, (short) 32767, Integer.MIN_VALUE, Long.MAX_VALUE,
        1.5f, -2.25e300, new BigDecimal("1234567890123456789012345678.0123456789"),
        "naïve, ünïcode ✓", day, millisOfDay, ts});
    rows.add(new Object[] {false, (byte) 0, (short) 0, 0, 0L, 0f, 0d,
        new BigDecimal("-0.0000000001"), "", -719162, 0, -62135596800000L});
    rows.add(new Object[ALL_TYPES.size()]);
    return rows;
  }

  private static List<Object[]> run(String sql, List<List<Object[]>> inputs,
      List<List<EngineColumn>> columns, List<EngineColumn> output) {
    Object[] enumerables = new Object[inputs.size()];
    boolean[] scalar = new boolean[inputs.size()];
    String[] encoded = new String[inputs.size()];
    for (int i = 0; i < inputs.size(); i++) {
      enumerables[i] = Linq4j.asEnumerable(inputs.get(i));
      encoded[i] = EngineColumn.encode(columns.get(i));
    }
    Enumerable<Object[]> result = DuckDbEngine.execute(sql, enumerables, scalar, encoded,
        EngineColumn.encode(output));
    List<Object[]> rows = new ArrayList<>();
    try (Enumerator<Object[]> e = result.enumerator()) {
      while (e.moveNext()) {
        rows.add(e.current());
      }
    }
    return rows;
  }

  @Test void everyTypeTravelsIntoDuckDbAndBackUnchanged() {
    StringBuilder select = new StringBuilder("SELECT ");
    for (int j = 0; j < ALL_TYPES.size(); j++) {
      select.append(j > 0 ? ", " : "").append(DuckDbEngine.columnName(0, j));
    }
    select.append(" FROM ").append(DuckDbEngine.inputName(0)).append(" ORDER BY c0_3 NULLS LAST");
    List<Object[]> out = run(select.toString(), List.of(rows()), List.of(ALL_TYPES), ALL_TYPES);
    List<Object[]> expected = rows();
    expected.sort((a, b) -> a[3] == null ? 1 : b[3] == null ? -1
        : Integer.compare((Integer) a[3], (Integer) b[3]));
    assertThat(out).hasSize(3);
    for (int i = 0; i < out.size(); i++) {
      assertThat(Arrays.asList(out.get(i))).as("row %d", i)
          .isEqualTo(Arrays.asList(expected.get(i)));
    }
  }

  @Test void twoInputsAreJoinedAndAggregatedInDuckDb() {
    List<EngineColumn> keyName = List.of(new EngineColumn(SqlTypeName.INTEGER, 0, 0),
        new EngineColumn(SqlTypeName.VARCHAR, 0, 0));
    List<EngineColumn> keyAmount = List.of(new EngineColumn(SqlTypeName.INTEGER, 0, 0),
        new EngineColumn(SqlTypeName.DECIMAL, 12, 2));
    List<Object[]> names = List.of(new Object[] {1, "one"}, new Object[] {2, "two"},
        new Object[] {3, null});
    List<Object[]> amounts = new ArrayList<>();
    for (int i = 0; i < 200_000; i++) {
      amounts.add(new Object[] {i % 4, new BigDecimal("0.25")});
    }
    List<EngineColumn> output = List.of(new EngineColumn(SqlTypeName.VARCHAR, 0, 0),
        new EngineColumn(SqlTypeName.DECIMAL, 19, 2), new EngineColumn(SqlTypeName.BIGINT, 0, 0));
    List<Object[]> out = run("SELECT c0_1, SUM(c1_1), COUNT(*) FROM m_in_0 JOIN m_in_1"
        + " ON c0_0 = c1_0 GROUP BY c0_1 ORDER BY c0_1 NULLS FIRST",
        List.of(names, amounts), List.of(keyName, keyAmount), output);
    assertThat(out).extracting(Arrays::asList).containsExactly(
        Arrays.asList(null, new BigDecimal("12500.00"), 50_000L),
        Arrays.asList("one", new BigDecimal("12500.00"), 50_000L),
        Arrays.asList("two", new BigDecimal("12500.00"), 50_000L));
  }

  @Test void aStatementDuckDbCannotRunIsRefusedWhenChecked() throws SQLException {
    List<EngineColumn> one = List.of(new EngineColumn(SqlTypeName.INTEGER, 0, 0));
    assertThat(DuckDbEngine.shared().check("SELECT c0_0, c0_0 + 1 FROM m_in_0",
        List.of(one))).isEqualTo(2);
    assertThatThrownBy(() -> DuckDbEngine.shared().check(
        "SELECT NO_SUCH_FUNCTION(c0_0) FROM m_in_0", List.of(one)))
        .isInstanceOf(SQLException.class).hasMessageContaining("no_such_function");
  }
}
