package io.meridian.benchmarks.tpch;

import io.meridian.adapter.duckdb.DuckDbDataSource;
import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.testing.Rows;
import io.meridian.server.testing.TpchQueries;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs the 22 TPC-H queries once on {@link TrinoSystem} over a demo data set and compares each
 * result with the co-located DuckDB oracle.
 *
 * <p>Arguments (all optional): data directory (default {@code /tmp/trino-smoke-data}), Trino
 * work directory (default {@code /tmp/trino-smoke-work}), scale (default {@code 0.01}). Exits
 * with status 1 when a query fails or differs.
 */
public final class TrinoSmoke {
  private static final Logger LOG = LoggerFactory.getLogger(TrinoSmoke.class);

  private TrinoSmoke() {
  }

  /** Starts the demo and Trino, runs the queries, and reports each one. */
  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args.length > 0 ? args[0] : "/tmp/trino-smoke-data");
    Path workDir = Path.of(args.length > 1 ? args[1] : "/tmp/trino-smoke-work");
    double scale = args.length > 2 ? Double.parseDouble(args[2]) : 0.01;
    List<String> failures = new ArrayList<>();
    List<String> representational = new ArrayList<>();
    try (DemoEnvironment demo = DemoEnvironment.start(dataDir, scale);
         TrinoSystem trino = TrinoSystem.start(demo, workDir);
         Connection oracle = DriverManager.getConnection("jdbc:duckdb:"
             + demo.colocatedDatabase(), DuckDbDataSource.connectionProperties(true))) {
      try (Statement s = oracle.createStatement()) {
        s.execute("SET search_path = 'tpch'");
      }
      LOG.info("Smoke: {} {}", trino.name(), trino.version());
      logStatistics(trino);
      for (int n = 1; n <= 22; n++) {
        String sql = trino.sql(n);
        try {
          Rows expected;
          try (Statement s = oracle.createStatement();
               ResultSet rs = s.executeQuery(TpchQueries.query(n))) {
            expected = Rows.read(rs);
          }
          long start = System.nanoTime();
          Rows actual;
          try (Statement s = trino.connection().createStatement();
               ResultSet rs = s.executeQuery(sql)) {
            actual = Rows.read(rs);
          }
          long millis = (System.nanoTime() - start) / 1_000_000;
          String difference = actual.differenceFrom(expected, TpchQueries.isOrdered(sql));
          if (difference == null) {
            LOG.info("Smoke: q{} PASS ({} ms)", n, millis);
          } else if (equalAtReturnedScale(actual, expected)) {
            LOG.info("Smoke: q{} PASS at Trino's decimal scale ({} ms): {}", n, millis,
                difference.lines().findFirst().orElse(""));
            representational.add("q" + n);
          } else {
            LOG.warn("Smoke: q{} DIFFERS ({} ms): {}", n, millis, difference);
            failures.add("q" + n);
          }
        } catch (Exception e) {
          LOG.warn("Smoke: q{} FAILED: {}\n{}", n, e.toString(), sql);
          failures.add("q" + n);
        }
      }
    }
    LOG.info("Smoke: {} of 22 queries pass{}{}", 22 - failures.size(),
        representational.isEmpty() ? ""
            : " (" + representational + " only at the decimal scale Trino returns)",
        failures.isEmpty() ? "" : "; not: " + failures);
    System.exit(failures.isEmpty() ? 0 : 1);
  }

  /** Logs the row count Trino's statistics give each table (what its optimizer sees). */
  private static void logStatistics(TrinoSystem trino) throws SQLException {
    for (String table : DemoEnvironment.LAYOUT.keySet()) {
      String qualified = TpchQueries.qualifyEach("FROM " + table, trino.prefixOfTable())
          .substring("FROM ".length());
      try (Statement s = trino.connection().createStatement();
           ResultSet rs = s.executeQuery("SHOW STATS FOR " + qualified)) {
        Object rows = null;
        int columnsWithNdv = 0;
        while (rs.next()) {
          if (rs.getString("column_name") == null) {
            rows = rs.getObject("row_count");
          } else if (rs.getObject("distinct_values_count") != null) {
            columnsWithNdv++;
          }
        }
        LOG.info("Smoke: statistics of {}: rows {}, {} columns with distinct counts", qualified,
            rows, columnsWithNdv);
      }
    }
  }

  /**
   * Returns whether two results in the same row order are equal once each expected number is
   * rounded to the scale of the decimal Trino returned: Trino types {@code avg} of a
   * {@code DECIMAL(15,2)} as {@code DECIMAL(15,2)} and a decimal quotient with a bounded scale,
   * where DuckDB returns a {@code DOUBLE}.
   */
  static boolean equalAtReturnedScale(Rows actual, Rows expected) {
    List<List<Object>> a = actual.rows();
    List<List<Object>> e = expected.rows();
    if (a.size() != e.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      List<Object> ra = a.get(i);
      List<Object> re = e.get(i);
      if (ra.size() != re.size()) {
        return false;
      }
      for (int j = 0; j < ra.size(); j++) {
        Object va = ra.get(j);
        Object ve = re.get(j);
        if (va instanceof BigDecimal da && ve instanceof BigDecimal de) {
          if (de.setScale(da.scale(), RoundingMode.HALF_UP).compareTo(da) != 0) {
            return false;
          }
        } else if (!Objects.equals(va, ve)) {
          return false;
        }
      }
    }
    return true;
  }
}
