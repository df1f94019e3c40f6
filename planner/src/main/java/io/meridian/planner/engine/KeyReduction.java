package io.meridian.planner.engine;

import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.util.DateString;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * A semi-join reduction (a dynamic filter) of one engine input by another: the engine reads
 * input {@code source} first, collects the distinct values of its column {@code sourceColumn},
 * and sends input {@code target}'s statement to its backend with {@code targetColumn IN (those
 * values)}, so that the backend returns only rows the engine's join can match. Planned where
 * an inner or semi equi-join of the subplan makes it correct ({@code SemiJoinReducer}); done
 * only if, at run time, the keys are at most {@code maxKeys} and at most {@code maxFraction}
 * of the target column's distinct values by the statistics, else the target is read whole.
 * Large key sets go in batches of {@code batchKeys} keys, one statement each.
 *
 * @param estimatedKeys the keys the statistics expect, for EXPLAIN
 * @param targetDistinct the distinct values of the target column by the statistics
 */
public record KeyReduction(int target, int targetColumn, int source, int sourceColumn,
    double estimatedKeys, double targetDistinct, long maxKeys, double maxFraction,
    int batchKeys) {

  /** Whether {@code keys} keys are few enough to be worth sending. */
  public boolean worthSending(long keys) {
    return keys <= maxKeys && keys <= maxFraction * targetDistinct;
  }

  /** How EXPLAIN describes the reduction. */
  public String describe() {
    return String.format(Locale.ROOT, "reduced by the keys of %s.%s (est. %.3g of %.3g"
        + " distinct; done at run time if <= %d keys and <= %.0f%% of them)",
        DuckDbEngine.inputName(source), DuckDbEngine.columnName(source, sourceColumn),
        estimatedKeys, targetDistinct, maxKeys, maxFraction * 100);
  }

  /**
   * Returns the statements that read a target over JDBC restricted to {@code keys}, one per
   * batch (one statement matching nothing if there are no keys). An input grouped in its
   * backend is grouped after the narrowing; its keys are grouping columns, so no group spans
   * two batches.
   *
   * @param input the target's statement and columns
   */
  public List<String> statements(EngineInput input, Collection<Object> keys) {
    SqlDialect dialect = input.dialect();
    String prefix = "SELECT * FROM (" + input.sql() + ") AS m_reduced WHERE m_reduced."
        + dialect.quoteIdentifier(input.fieldNames().get(targetColumn));
    List<String> statements = new ArrayList<>();
    if (keys.isEmpty()) {
      statements.add(input.statement("SELECT * FROM (" + input.sql()
          + ") AS m_reduced WHERE 1 = 0"));
      return statements;
    }
    EngineColumn type = input.columns().get(targetColumn);
    StringBuilder sql = null;
    int inBatch = 0;
    for (Object key : keys) {
      if (sql == null) {
        sql = new StringBuilder(prefix).append(" IN (");
      } else {
        sql.append(", ");
      }
      sql.append(literal(key, type, dialect));
      if (++inBatch == batchKeys) {
        statements.add(input.statement(sql.append(')').toString()));
        sql = null;
        inBatch = 0;
      }
    }
    if (sql != null) {
      statements.add(input.statement(sql.append(')').toString()));
    }
    return statements;
  }

  /**
   * Returns the statement that reads a DuckDB-based target restricted by several reductions,
   * each source's rows registered with its connection under its name in {@code keys} (an
   * Arrow stream with the source's column names): semi-joins DuckDB runs as hash joins, where
   * a long IN list would be parsed and bound value by value.
   */
  public static String semiJoinStatement(EngineInput input, List<KeyReduction> reductions,
      List<String> keys) {
    SqlDialect dialect = input.dialect();
    StringBuilder sql = new StringBuilder("SELECT * FROM (").append(input.sql())
        .append(") AS m_reduced");
    for (int r = 0; r < reductions.size(); r++) {
      KeyReduction reduction = reductions.get(r);
      sql.append(r == 0 ? " WHERE " : " AND ").append("m_reduced.")
          .append(dialect.quoteIdentifier(
              DuckDbEngine.columnName(reduction.target(), reduction.targetColumn())))
          .append(" IN (SELECT ").append(dialect.quoteIdentifier(
              DuckDbEngine.columnName(reduction.source(), reduction.sourceColumn())))
          .append(" FROM ").append(dialect.quoteIdentifier(keys.get(r))).append(')');
    }
    return input.statement(sql.toString());
  }

  /** Whether a source column's values can be looked up in a target column. */
  public static boolean compatible(EngineColumn source, EngineColumn target) {
    String family = family(target);
    return family != null && family.equals(family(source));
  }

  private static String family(EngineColumn column) {
    switch (column.type()) {
    case TINYINT:
    case SMALLINT:
    case INTEGER:
    case BIGINT:
      return "integer";
    case DECIMAL:
      return column.scale() == 0 ? "integer" : null;
    case CHAR:
    case VARCHAR:
      return "text";
    case DATE:
      return "date";
    default:
      return null;
    }
  }

  private static String literal(Object key, EngineColumn type, SqlDialect dialect) {
    switch (type.type()) {
    case CHAR:
    case VARCHAR:
      return dialect.quoteStringLiteral(key.toString());
    case DATE:
      LocalDate date = (LocalDate) key;
      return SqlLiteral.createDate(DateString.fromDaysSinceEpoch((int) date.toEpochDay()),
          SqlParserPos.ZERO).toSqlString(dialect).getSql();
    default:
      return key instanceof BigDecimal ? ((BigDecimal) key).toBigIntegerExact().toString()
          : Long.toString(((Number) key).longValue());
    }
  }
}
