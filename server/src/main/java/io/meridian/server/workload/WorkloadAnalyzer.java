package io.meridian.server.workload;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The WorkloadAnalyzer: what the workload log says about how the installation is used, as
 * queries over {@code meridian.system.*} ({@link #SECTIONS}, printed by {@code ./meridian
 * workload}) and recommendations with the time at stake ({@link #recommendations}).
 */
public final class WorkloadAnalyzer {
  /** A titled query of the report. */
  public record Section(String title, String sql) {
  }

  /** The report's sections; {@code %d} is the number of rows each shows. */
  public static final List<Section> SECTIONS = List.of(
      new Section("Statement shapes by total time",
          "SELECT fingerprint, executions, failures, round(total_ms) AS total_ms,"
              + " round(median_ms, 1) AS median_ms, catalogs, substring(normalized_sql FROM 1 FOR 80)"
              + " AS statement FROM meridian.system.statement_shapes"
              + " ORDER BY total_ms DESC LIMIT %d"),
      new Section("Hot tables",
          "SELECT table_name, statements, federated_statements, round(total_ms) AS total_ms"
              + " FROM meridian.system.hot_tables ORDER BY total_ms DESC LIMIT %d"),
      new Section("Estimation error by engine (q-error: max(estimate/actual, actual/estimate))",
          "SELECT engine, role, fragments, round(median_q_error, 2) AS median_q_error,"
              + " round(p90_q_error, 2) AS p90_q_error, round(max_q_error, 1) AS max_q_error"
              + " FROM meridian.system.estimation_errors ORDER BY fragments DESC LIMIT %d"),
      new Section("Statements whose plans were furthest from their estimates",
          "SELECT q.fingerprint, round(max(f.q_error), 1) AS worst_q_error,"
              + " count(DISTINCT q.query_id) AS executions, round(sum(q.total_ms)) AS total_ms,"
              + " substring(min(q.normalized_sql) FROM 1 FOR 80) AS statement"
              + " FROM meridian.system.fragments f JOIN meridian.system.queries q"
              + " ON f.query_id = q.query_id GROUP BY q.fingerprint"
              + " ORDER BY worst_q_error DESC LIMIT %d"),
      new Section("Catalogs joined across engines",
          "SELECT catalogs, statements, round(total_ms) AS total_ms,"
              + " round(ms_per_day) AS ms_per_day FROM meridian.system.catalog_pairs"
              + " ORDER BY total_ms DESC LIMIT %d"));

  /** A table read by at least this many federated statements is a candidate to co-locate. */
  static final int MIN_FEDERATED = 3;

  private WorkloadAnalyzer() {
  }

  /**
   * Recommendations: each table that federated statements keep reading from one engine to join
   * with another's, with the statements' time (what co-locating could save at most).
   */
  public static List<String> recommendations(Connection c) throws SQLException {
    List<String> out = new ArrayList<>();
    String sql = "SELECT h.table_name, h.federated_statements, s.statements,"
        + " h.total_ms FROM meridian.system.hot_tables h,"
        + " (SELECT count(*) AS statements FROM meridian.system.queries) s"
        + " WHERE h.federated_statements >= " + MIN_FEDERATED
        + " ORDER BY h.total_ms DESC LIMIT 5";
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        String table = rs.getString(1);
        out.add(String.format(Locale.ROOT,
            "co-locate %s with the tables it is joined with (e.g. CREATE TABLE"
                + " <lake catalog>.<schema>.%s AS SELECT * FROM %s): %d of the last %d"
                + " statements read it across engines, %.1f s in all; single-engine, they"
                + " would not ship it between engines",
            table, table.substring(table.lastIndexOf('.') + 1), table, rs.getLong(2),
            rs.getLong(3), rs.getDouble(4) / 1000));
      }
    }
    return out;
  }
}
