package io.meridian.planner.engine;

import org.apache.calcite.sql.SqlDialect;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * How one input of an engine execution reaches the engine, decided at planning time.
 *
 * @param source where its rows come from
 * @param sql the statement its backend runs (empty for {@link Source#JVM}); for
 *     {@link Source#BACKEND_ARROW} its columns are already named as the engine expects
 * @param dialect the backend's dialect, to write the keys of a reduction in (null for
 *     {@link Source#JVM})
 * @param fieldNames the names of the columns the backend's statement returns
 * @param columns the input's columns as shipped
 * @param scalar whether the JVM hands its rows over as bare values (a one-column row)
 * @param fragmentId the id of the plan node that produces the rows, for the workload log
 * @param sameAs the input whose rows these are too (an identical fragment, read once), or -1
 * @param grouping for an input grouped in its backend ({@link PreAggregation}), the statement
 *     that groups the rows of {@code sql} (which a reduction narrows first) in place of
 *     {@link #ROWS}; else null
 */
public record EngineInput(Source source, String sql, @Nullable SqlDialect dialect,
    List<String> fieldNames, List<EngineColumn> columns, boolean scalar, int fragmentId,
    int sameAs, @Nullable String grouping) {

  /** Where a grouping statement takes the rows it groups. */
  public static final String ROWS = "{rows}";

  /** Where an input's rows come from. */
  public enum Source {
    /** Rows the JVM produces (Calcite's generated code), converted to Arrow in the JVM. */
    JVM,
    /** A DuckDB-based backend's statement, its result taken as Arrow without conversion. */
    BACKEND_ARROW,
    /** A backend's statement read over JDBC by the engine and converted to Arrow. */
    BACKEND_JDBC
  }

  public EngineInput {
    requireNonNull(source, "source");
    requireNonNull(sql, "sql");
    fieldNames = List.copyOf(fieldNames);
    columns = List.copyOf(columns);
  }

  /** An input its backend does not group. */
  public EngineInput(Source source, String sql, @Nullable SqlDialect dialect,
      List<String> fieldNames, List<EngineColumn> columns, boolean scalar, int fragmentId,
      int sameAs) {
    this(source, sql, dialect, fieldNames, columns, scalar, fragmentId, sameAs, null);
  }

  /**
   * Returns the statement the backend runs for rows {@code rows} selects: {@code rows} itself,
   * or, for an input grouped in its backend, the grouping of them.
   *
   * @param rows {@link #sql()}, or a statement narrowing it to some join keys
   */
  public String statement(String rows) {
    return grouping == null ? rows : grouping.replace(ROWS, rows);
  }

  /** Returns the same input, read once with input {@code other}. */
  public EngineInput sameAs(int other) {
    return new EngineInput(source, sql, dialect, fieldNames, columns, scalar, fragmentId, other,
        grouping);
  }

  /** Returns the same input, its rows handed over as bare values or not. */
  public EngineInput withScalar(boolean scalar) {
    return new EngineInput(source, sql, dialect, fieldNames, columns, scalar, fragmentId, sameAs,
        grouping);
  }

  /** Whether a backend runs this input's statement (so a reduction can narrow it). */
  public boolean fromBackend() {
    return source != Source.JVM;
  }
}
