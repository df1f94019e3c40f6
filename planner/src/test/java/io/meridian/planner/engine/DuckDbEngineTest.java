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
    List<EngineInput> specs = new ArrayList<>();
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      enumerables[i] = Linq4j.asEnumerable(inputs.get(i));
      specs.add(new EngineInput(EngineInput.Source.JVM, "", null, List.of(), columns.get(i),
          false, -1, -1));
      order.add(i);
    }
    Enumerable<Object[]> result = DuckDbEngine.execute(
        new DuckDbEngine.Plan(sql, specs, List.of(), order, output), enumerables);
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

  private static final EngineColumn INT = new EngineColumn(SqlTypeName.INTEGER, 0, 0);
  private static final EngineColumn TEXT = new EngineColumn(SqlTypeName.VARCHAR, 0, 0);
  private static final EngineColumn DATE = new EngineColumn(SqlTypeName.DATE, 0, 0);
  private static final EngineColumn BIGINT = new EngineColumn(SqlTypeName.BIGINT, 0, 0);

  /**
   * Runs {@code SELECT count(*) FROM m_in_1} where input 1 is table {@code t} of a DuckDB
   * database, read by the engine (as Arrow, or over JDBC), narrowed by the keys of input 0
   * (rows from the JVM) in column {@code column}: the count shows how many rows the backend
   * returned.
   */
  private static long countReduced(io.meridian.adapter.duckdb.DuckDbDataSource backend,
      EngineInput.Source source, List<Object[]> keys, EngineColumn keyType, int column,
      long maxKeys) {
    List<EngineColumn> tColumns = List.of(INT, TEXT, DATE);
    String sql = source == EngineInput.Source.BACKEND_ARROW
        ? "SELECT * FROM (SELECT k, name, d FROM t) AS m_fragment(c1_0, c1_1, c1_2)"
        : "SELECT k, name, d FROM t";
    List<EngineInput> inputs = List.of(
        new EngineInput(EngineInput.Source.JVM, "", null, List.of("key"), List.of(keyType),
            false, -1, -1),
        new EngineInput(source, sql, org.apache.calcite.sql.dialect.PostgresqlSqlDialect
            .DEFAULT, List.of("k", "name", "d"), tColumns, false, -1, -1));
    KeyReduction reduction = new KeyReduction(1, column, 0, 0, keys.size(), 1000, maxKeys,
        1.0, 2);
    DuckDbEngine.Plan plan = new DuckDbEngine.Plan("SELECT count(*) FROM m_in_1", inputs,
        List.of(reduction), List.of(0, 1), List.of(BIGINT));
    try (Enumerator<Object[]> e = DuckDbEngine.execute(plan,
        new Object[] {Linq4j.asEnumerable(keys), backend}).enumerator()) {
      assertThat(e.moveNext()).isTrue();
      return (Long) e.current()[0];
    }
  }

  @Test void anInputIsReadWithOnlyTheKeysOfAnother() throws SQLException {
    try (io.meridian.adapter.duckdb.DuckDbDataSource backend =
             new io.meridian.adapter.duckdb.DuckDbDataSource(":memory:", false, List.of());
         java.sql.Connection c = backend.getConnection();
         java.sql.Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t AS SELECT i::INTEGER AS k,"
          + " CASE WHEN i = 7 THEN 'it''s' ELSE 'n' || i END AS name,"
          + " DATE '2020-01-01' + i::INTEGER AS d FROM range(1, 1001) r(i)");
      List<Object[]> ints = List.of(new Object[] {3}, new Object[] {5}, new Object[] {5},
          new Object[] {7}, new Object[] {null});
      for (EngineInput.Source source : List.of(EngineInput.Source.BACKEND_ARROW,
          EngineInput.Source.BACKEND_JDBC)) {
        // Three distinct keys (NULL matches nothing), in two statements of two keys at most.
        assertThat(countReduced(backend, source, ints, INT, 0, 100)).as(source.name())
            .isEqualTo(3);
        // More keys than the reduction allows: the input is read whole.
        assertThat(countReduced(backend, source, ints, INT, 0, 2)).isEqualTo(1000);
        // No keys at all: nothing can match, nothing is read.
        assertThat(countReduced(backend, source, List.<Object[]>of(new Object[] {null}), INT, 0, 100))
            .isEqualTo(0);
        assertThat(countReduced(backend, source, List.of(new Object[] {"it's"},
            new Object[] {"n9"}, new Object[] {"absent"}), TEXT, 1, 100)).isEqualTo(2);
        int day = (int) LocalDate.of(2020, 1, 11).toEpochDay();
        assertThat(countReduced(backend, source, List.<Object[]>of(new Object[] {day}), DATE, 2, 100))
            .isEqualTo(1);
      }
    }
  }

  /**
   * Inputs that wait for no other's keys are read in the first wave; a reduced input, and an
   * input that takes another's rows, after what they wait for.
   */
  @Test void inputsAreReadInWavesOfThoseThatWaitForNothingUnread() {
    EngineInput jvm = new EngineInput(EngineInput.Source.JVM, "", null, List.of("k"),
        List.of(INT), false, -1, -1);
    EngineInput backend = new EngineInput(EngineInput.Source.BACKEND_JDBC, "SELECT k FROM t",
        org.apache.calcite.sql.dialect.PostgresqlSqlDialect.DEFAULT, List.of("k"),
        List.of(INT), false, -1, -1);
    DuckDbEngine.Plan plan = new DuckDbEngine.Plan("SELECT 1", List.of(jvm, backend, backend,
        backend.sameAs(1)), List.of(new KeyReduction(2, 0, 0, 0, 1, 10, 10, 1.0, 10)),
        List.of(0, 1, 2, 3), List.of(BIGINT));
    assertThat(DuckDbEngine.waves(plan)).containsExactly(List.of(0, 1), List.of(2, 3));
  }

  /**
   * Two inputs from backends are read at the same time and joined; when one of them fails,
   * the execution fails with that input's error and releases what the other read (the query's
   * Arrow allocator would refuse to close over a leaked buffer).
   */
  @Test void backendInputsReadAtTheSameTimeAreJoinedOrFailTogether() throws SQLException {
    try (io.meridian.adapter.duckdb.DuckDbDataSource backend =
             new io.meridian.adapter.duckdb.DuckDbDataSource(":memory:", false, List.of());
         java.sql.Connection c = backend.getConnection();
         java.sql.Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t AS SELECT i::INTEGER AS k FROM range(1, 100001) r(i)");
      EngineInput all = new EngineInput(EngineInput.Source.BACKEND_JDBC, "SELECT k FROM t",
          org.apache.calcite.sql.dialect.PostgresqlSqlDialect.DEFAULT, List.of("k"),
          List.of(INT), false, -1, -1);
      EngineInput even = new EngineInput(EngineInput.Source.BACKEND_ARROW,
          "SELECT * FROM (SELECT k FROM t WHERE k % 2 = 0) AS m_fragment(c1_0)",
          org.apache.calcite.sql.dialect.PostgresqlSqlDialect.DEFAULT, List.of("k"),
          List.of(INT), false, -1, -1);
      DuckDbEngine.Plan plan = new DuckDbEngine.Plan(
          "SELECT count(*) FROM m_in_0 JOIN m_in_1 ON c0_0 = c1_0", List.of(all, even),
          List.of(), List.of(0, 1), List.of(BIGINT));
      try (Enumerator<Object[]> e = DuckDbEngine.execute(plan,
          new Object[] {backend, backend}).enumerator()) {
        assertThat(e.moveNext()).isTrue();
        assertThat(e.current()[0]).isEqualTo(50_000L);
      }
      EngineInput missing = new EngineInput(EngineInput.Source.BACKEND_JDBC,
          "SELECT k FROM no_such_table", org.apache.calcite.sql.dialect.PostgresqlSqlDialect
          .DEFAULT, List.of("k"), List.of(INT), false, -1, -1);
      for (List<EngineInput> inputs : List.of(List.of(all, missing), List.of(missing, all))) {
        DuckDbEngine.Plan failing = new DuckDbEngine.Plan(
            "SELECT count(*) FROM m_in_0 JOIN m_in_1 ON c0_0 = c1_0", inputs, List.of(),
            List.of(0, 1), List.of(BIGINT));
        assertThatThrownBy(() -> DuckDbEngine.execute(failing,
            new Object[] {backend, backend}).enumerator())
            .hasMessageContaining("no_such_table");
      }
    }
  }
}
