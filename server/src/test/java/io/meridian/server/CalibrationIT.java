package io.meridian.server;

import com.google.common.collect.ImmutableMap;

import io.meridian.server.config.MeridianConfig;
import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.TpchQueries;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Calibration closes the loop from the workload log into placement: a deliberately wrong
 * starting coefficient makes the planner keep a large join in the JVM; after a workload has
 * run, the coefficient fitted to the log is within 2x of what a fresh calibration measures,
 * the same statement goes to the DuckDB engine, without a restart, and the fitted version is
 * kept across one.
 */
class CalibrationIT {
  /** A join whose output is many times its inputs: the JVM's per-row cost decides it. */
  private static final String EXPANDING_JOIN = "SELECT count(*) AS n FROM shop.public.orders o"
      + " JOIN lake.tpch.lineitem l ON o.o_custkey = l.l_suppkey";
  private static final Pattern COSTS =
      Pattern.compile("cost duckdb ([0-9.e+]+), jvm ([0-9.e+]+)");
  /** A hundred times below what the JVM's rows cost on any machine these tests run on. */
  private static final double WRONG_JVM_ROW = 0.0005;

  private static DemoEnvironment demo;
  private static Path dataDir;

  @BeforeAll static void demo() throws Exception {
    demo = DemoServerFixture.get().demo();
    dataDir = Path.of("target", "calibration-it").toAbsolutePath();
    DemoEnvironment.deleteRecursively(dataDir);
  }

  /**
   * The starting coefficients: every transfer the same, the engine's rows free, and the JVM's
   * rows wrong, so that the placement of {@link #EXPANDING_JOIN} turns on the JVM's per-row
   * cost against the engine's fixed cost alone.
   */
  private static Map<String, Double> starting(double engineFixed) {
    Map<String, Double> c = new HashMap<>();
    c.put("enumerable.row-cpu", WRONG_JVM_ROW);
    c.put("duckdb-engine.row-cpu", 0.0);
    c.put("duckdb-engine.fixed", engineFixed);
    c.put("transfer.jdbc.value", 0.1);
    c.put("transfer.jdbc-arrow.value", 0.1);
    c.put("transfer.arrow.value", 0.1);
    return c;
  }

  private static MeridianServer start(Map<String, Double> coefficients) throws SQLException {
    return MeridianServer.start(demo.config("127.0.0.1", 0, dataDir)
        .withCostOverrides(ImmutableMap.copyOf(coefficients))
        .withCalibration(MeridianConfig.CALIBRATION_MANUAL));
  }

  private static Properties placement(String placement) {
    Properties info = new Properties();
    info.setProperty("placement", placement);
    return info;
  }

  private static double coefficient(Connection c, String key) throws SQLException {
    try (Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT value FROM meridian.system.cost_coefficients"
             + " WHERE coefficient = '" + key + "'")) {
      assertThat(rs.next()).as("coefficient %s is in the current version", key).isTrue();
      return rs.getDouble(1);
    }
  }

  private static void run(Connection c, String sql, int times) throws SQLException {
    for (int i = 0; i < times; i++) {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
        assertThat(rs.next()).isTrue();
      }
    }
  }

  @Test void aWrongCoefficientIsFittedFromTheWorkloadAndTheJoinMovesToTheEngine()
      throws Exception {
    // The join's rows in, by the planner's estimate, from its two costs: with every transfer
    // equal and the engine's rows free, jvm - duckdb = rows * WRONG_JVM_ROW - fixed.
    double rowsIn;
    try (MeridianServer probe = start(starting(0))) {
      String forced = DemoServerFixture.explain(probe, EXPANDING_JOIN, placement("duckdb"));
      Matcher m = COSTS.matcher(forced);
      assertThat(m.find()).as(forced).isTrue();
      rowsIn = (Double.parseDouble(m.group(2)) - Double.parseDouble(m.group(1)))
          / WRONG_JVM_ROW;
    }
    assertThat(rowsIn).isPositive();
    // The engine's fixed cost sits where a JVM row costing 0.005 us would tie: ten times the
    // wrong value, a tenth of any measured one.
    try (MeridianServer server = start(starting(rowsIn * 0.005))) {
      assertThat(DemoServerFixture.explain(server, EXPANDING_JOIN, placement("auto")))
          .as("with JVM rows almost free, the join stays in the JVM")
          .doesNotContain("EngineExecution");

      try (Connection c = DriverManager.getConnection(server.jdbcUrl(), new Properties())) {
        // Federated hash joins, plain and grouped (the operators the built-in calibration
        // measures), and TPC-H queries without a LIMIT (a statement that stops early says
        // nothing of its rows' cost), all in the JVM with these coefficients. (A merge join
        // that multiplies its rows, as EXPANDING_JOIN does in the JVM, costs 2-4x more per
        // row: a workload made of those fits a higher value than the calibration measures.)
        run(c, "SELECT count(*) AS n FROM shop.public.orders o JOIN lake.tpch.lineitem l"
            + " ON MOD(o.o_orderkey, 500) = MOD(l.l_orderkey, 500)", 6);
        run(c, "SELECT MOD(o.o_orderkey, 97) AS g, count(*) AS n, sum(l.l_quantity) AS q"
            + " FROM shop.public.orders o JOIN lake.tpch.lineitem l"
            + " ON MOD(o.o_orderkey, 300) = MOD(l.l_orderkey, 300)"
            + " GROUP BY MOD(o.o_orderkey, 97)", 6);
        for (int q : new int[] {5, 12}) {
          run(c, TpchQueries.forDemoLayout(q), 2);
        }
        server.workloadLog().flush();
        try (Statement s = c.createStatement()) {
          s.execute("CALIBRATE FROM WORKLOAD");
        }
        double fitted = coefficient(c, "enumerable.row-cpu");
        assertThat(fitted).as("fitted from the workload").isGreaterThan(10 * WRONG_JVM_ROW);

        // Picked up by the next statement: no restart.
        assertThat(DemoServerFixture.explain(server, EXPANDING_JOIN, placement("auto")))
            .as("after calibration").startsWith("EngineExecution(");

        try (Statement s = c.createStatement()) {
          s.execute("CALIBRATE");
        }
        double measured = coefficient(c, "enumerable.row-cpu");
        assertThat(fitted / measured).as("fitted %s, measured %s", fitted, measured)
            .isBetween(0.5, 2.0);

        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) AS versions,"
                 + " count(*) FILTER (WHERE source = 'calibrate') AS calibrations"
                 + " FROM meridian.system.cost_versions")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong(1)).isEqualTo(2);
          assertThat(rs.getLong(2)).isEqualTo(1);
        }
      }
    }

    // Kept: a restart with the same wrong starting values plans with the calibrated ones.
    try (MeridianServer restarted = start(starting(rowsIn * 0.005))) {
      assertThat(DemoServerFixture.explain(restarted, EXPANDING_JOIN, placement("auto")))
          .startsWith("EngineExecution(");
      assertThat(restarted.driver().costModel().current().get("enumerable.row-cpu"))
          .isGreaterThan(10 * WRONG_JVM_ROW);
    }
  }

  @Test void calibrationIsRefusedWithoutTheWorkloadLog() throws Exception {
    try (Connection c = DemoServerFixture.get().connect(); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute("CALIBRATE"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("calibration is off");
    }
  }

  @Test void aBadCalibrateStatementNamesThePosition() throws Exception {
    try (Connection c = DemoServerFixture.get().connect(); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute("CALIBRATE FROM nowhere"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("line 1, column 1");
    }
  }
}
