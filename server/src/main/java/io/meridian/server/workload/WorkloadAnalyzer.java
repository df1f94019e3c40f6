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

  /** Tables read across engines by at least this many statements are candidates to copy. */
  static final int MIN_FEDERATED = 3;

  private WorkloadAnalyzer() {
  }

  /**
   * Recommendations ({@code meridian.system.recommendations}), the largest expected saving
   * first: the tables that statements over several catalogs keep reading from one engine to
   * join with a larger table of another, the copy that would put them next to it, and what it
   * would save.
   */
  public static List<String> recommendations(Connection c) throws SQLException {
    List<String> out = new ArrayList<>();
    String sql = "SELECT tables, source_catalog, source_type, target_catalog, target_type,"
        + " joined_with, statements, of_statements, cross_engine_ms, saving_ms,"
        + " saving_ms_per_day, log_hours FROM meridian.system.recommendations"
        + " WHERE statements >= " + MIN_FEDERATED + " AND saving_ms > 0"
        + " ORDER BY saving_ms DESC LIMIT 5";
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        List<String> tables = List.of(rs.getString(1).split(","));
        String target = rs.getString(4);
        String joinedWith = rs.getString(6);
        // Next to the table it is joined with: in that table's schema.
        String schema = joinedWith.substring(0, joinedWith.lastIndexOf('.'));
        List<String> copies = new ArrayList<>();
        for (String table : tables) {
          copies.add("CREATE TABLE " + schema + table.substring(table.lastIndexOf('.'))
              + " AS SELECT * FROM " + table);
        }
        out.add(String.format(Locale.ROOT,
            "copy %s from %s (%s) into %s (%s), next to %s (e.g. %s): %d of the last %d statements"
                + " read %s from %s to join with it, %.1f s across engines; estimated saving"
                + " %.1f s over the log's %.1f h, %.1f s/day at that rate",
            String.join(" and ", tables), rs.getString(2), rs.getString(3), target,
            rs.getString(5), joinedWith, String.join("; ", copies), rs.getLong(7),
            rs.getLong(8), tables.size() == 1 ? "it" : "them", rs.getString(2),
            rs.getDouble(9) / 1000, rs.getDouble(10) / 1000, rs.getDouble(12),
            rs.getDouble(11) / 1000));
      }
    }
    return out;
  }
}
