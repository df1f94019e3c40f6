package io.meridian.server.workload;

import io.meridian.adapter.ThreadScoped;
import io.meridian.cost.CoefficientFit.Family;
import io.meridian.cost.CoefficientFit.Observation;
import io.meridian.cost.CoefficientFit;
import io.meridian.cost.CostModel;
import io.meridian.cost.EngineCoefficients;
import io.meridian.planner.MeridianDriver;
import io.meridian.planner.workload.FragmentCounters;
import io.meridian.planner.workload.PlanSummary;

import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.Table;
import org.apache.calcite.sql.type.SqlTypeName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Calibration, the loop from the PerformanceMonitor back into the PlacementEngine: fits the
 * cost coefficients the planner uses to the times the workload log recorded
 * ({@link CoefficientFit}), keeps every fitted set as a version in the log
 * ({@code meridian.system.cost_coefficients}, {@code meridian.system.cost_versions}), and
 * installs it in the {@link CostModel}, so the next statement is planned with it.
 *
 * <p>Three ways in: {@code CALIBRATE} (and {@code ./meridian calibrate}) runs a short built-in
 * workload against the catalogs and fits to that alone, so that a new installation starts from
 * measured coefficients; {@code CALIBRATE FROM WORKLOAD} fits to the last {@link #WINDOW}
 * statements of the log; and in {@code auto} mode the same refit runs every
 * {@link #REFIT_EVERY} once {@link #MIN_NEW_STATEMENTS} statements have been recorded since
 * the last. At start, the newest stored version replaces the starting coefficients.
 *
 * <p>What is observed (the log's calibration columns): the JVM's share of a statement (its
 * server time less planning and the fragments it read) against the rows its operators take
 * in; each run of the DuckDB engine (less its inputs' reads) against the rows its operators
 * take in; each backend read against the rows it moved and the rows it scanned. The JVM's
 * rows are counted ({@code EnumerableRowCounter}); the engine's are estimated, so statements
 * whose fragments were misestimated more than {@link #MAX_Q_ERROR}-fold are left out of the
 * engine's fit.
 */
public final class CostCalibrator implements CostModel.Calibrator, AutoCloseable {
  /** The log's statements and fragments (its views, which put a plan's shared columns back). */
  private static final String QUERIES = "log.queries_all";
  private static final String FRAGMENTS = "log.fragments_all";
  private static final Logger LOG = LoggerFactory.getLogger(CostCalibrator.class);

  /** The most recent statements a fit from the workload looks at. */
  static final int WINDOW = 2000;
  /** How often {@code auto} mode considers a refit. */
  static final Duration REFIT_EVERY = Duration.ofMinutes(10);
  /** Statements recorded since the last fit before {@code auto} mode fits again. */
  static final int MIN_NEW_STATEMENTS = 100;
  /** Fragments misestimated by more than this leave their statement out of a fit. */
  static final double MAX_Q_ERROR = 10;
  /** The user the built-in calibration workload is recorded under. */
  public static final String USER = "meridian-calibrate";
  /** The most rows one input of the calibration workload reads. */
  static final long MAX_PROBE_ROWS = 250_000;
  /** About how many rows the calibration's largest grouped join makes. */
  static final long EXPANDED_ROWS = 2_000_000;

  private static final DateTimeFormatter VERSION_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final WorkloadLog log;
  private final MeridianDriver driver;
  private final CostModel model;
  private final ScheduledExecutorService scheduler;
  private final Object running = new Object();
  private volatile LocalDateTime lastFit = LocalDateTime.now(ZoneOffset.UTC);

  private CostCalibrator(WorkloadLog log, MeridianDriver driver, boolean auto) {
    this.log = log;
    this.driver = driver;
    this.model = driver.costModel();
    this.scheduler = auto ? Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "meridian-calibration");
      t.setDaemon(true);
      return t;
    }) : null;
  }

  /**
   * Starts calibration for a driver: installs the newest stored coefficients, answers
   * {@code CALIBRATE}, and with {@code auto} refits from the workload periodically.
   */
  public static CostCalibrator start(WorkloadLog log, MeridianDriver driver, boolean auto) {
    CostCalibrator calibrator = new CostCalibrator(log, driver, auto);
    calibrator.loadLatest();
    driver.costModel().setCalibrator(calibrator);
    if (calibrator.scheduler != null) {
      long every = REFIT_EVERY.toSeconds();
      calibrator.scheduler.scheduleWithFixedDelay(calibrator::refitIfDue, every, every,
          TimeUnit.SECONDS);
    }
    return calibrator;
  }

  @Override public String calibrate(boolean fromWorkload) throws SQLException {
    synchronized (running) {
      CoefficientFit.Result result = fromWorkload
          ? fit("workload", recentStatements(), null) : runCalibrationWorkload();
      return summary(result);
    }
  }

  /** The fitted coefficients of a result, as {@code key a -> b} text. */
  static String summary(CoefficientFit.Result result) {
    String fitted = result.outcomes().stream().filter(CoefficientFit.Outcome::fitted)
        .map(o -> String.format(Locale.ROOT, "%s %.4g -> %.4g (%d)", o.key(), o.previous(),
            o.value(), o.samples()))
        .collect(Collectors.joining(", "));
    return "version " + result.coefficients().version() + ": "
        + (fitted.isEmpty() ? "nothing could be fitted" : fitted);
  }

  private void refitIfDue() {
    try {
      long recorded;
      try (Connection c = log.connection();
           PreparedStatement p = c.prepareStatement(
               "SELECT count(*) FROM " + QUERIES + " WHERE started_at > ?")) {
        p.setObject(1, lastFit);
        try (ResultSet rs = p.executeQuery()) {
          rs.next();
          recorded = rs.getLong(1);
        }
      }
      if (recorded >= MIN_NEW_STATEMENTS) {
        synchronized (running) {
          LOG.info("Calibration from the workload: {}",
              summary(fit("workload", recentStatements(), null)));
        }
      }
    } catch (SQLException | RuntimeException e) {
      LOG.warn("Calibration from the workload failed: {}", e.getMessage());
    }
  }

  /** The filter of a fit over the log's most recent statements. */
  private static String recentStatements() {
    return "q.query_id IN (SELECT query_id FROM " + QUERIES + " ORDER BY started_at DESC LIMIT "
        + WINDOW + ")";
  }

  /**
   * Fits to the statements {@code filter} selects ({@code q} is a statement of {@link #QUERIES}; a
   * {@code ?} takes {@code parameter}), then stores and installs the result if anything was
   * fitted.
   */
  private CoefficientFit.Result fit(String source, String filter, String parameter)
      throws SQLException {
    lastFit = LocalDateTime.now(ZoneOffset.UTC);
    List<Observation> observations = observations(filter, parameter);
    EngineCoefficients current = model.current();
    String version = source + "-" + VERSION_TIME.format(Instant.now());
    CoefficientFit.Result result = CoefficientFit.fit(observations, current, version);
    if (result.outcomes().stream().anyMatch(CoefficientFit.Outcome::fitted)) {
      store(source, result);
      model.install(result.coefficients());
    }
    return result;
  }

  /** What the statements {@code filter} selects say about the coefficients. */
  List<Observation> observations(String filter, String parameter) throws SQLException {
    List<Observation> out = new ArrayList<>();
    // Statements not read to their end stay out; for the engine, whose rows in are
    // estimated, so do statements with a fragment misestimated too much.
    String whole = "q.jvm_ms IS NOT NULL AND " + filter;
    String trusted = whole + " AND q.query_id NOT IN"
        + " (SELECT query_id FROM " + FRAGMENTS + " WHERE q_error > " + MAX_Q_ERROR + ")";
    try (Connection c = log.connection()) {
      // A statement shape's first run in the log pays for compiling its generated code and
      // for the JIT's warming up to it, in the JVM's share: it says little of the rows' cost.
      query(c, "SELECT q.jvm_ms, q.jvm_rows_actual FROM " + QUERIES + " q WHERE " + whole
          + " AND q.jvm_rows_actual > 0 QUALIFY row_number() OVER (PARTITION BY q.fingerprint"
          + " ORDER BY q.started_at) > 1", parameter, rs -> out.add(new Observation(Family.JVM,
              rs.getDouble(1) * 1000, Map.of("enumerable.row-cpu", rs.getDouble(2)))));
      query(c, "SELECT f.self_ms, f.rows_in FROM " + FRAGMENTS + " f JOIN " + QUERIES + " q"
          + " ON f.query_id = q.query_id WHERE " + trusted + " AND f.role = 'engine'"
          + " AND f.engine = 'duckdb' AND f.self_ms IS NOT NULL", parameter, rs -> out.add(new Observation(
              Family.ENGINE, rs.getDouble(1) * 1000,
              Map.of("duckdb-engine.row-cpu", rs.getDouble(2)))));
      query(c, "SELECT f.elapsed_ms, f.moved_rows, f.scanned_rows, f.backend_type, f.role,"
          + " f.parent, f.columns FROM " + FRAGMENTS + " f JOIN " + QUERIES
          + " q ON f.query_id = q.query_id"
          + " WHERE " + whole + " AND f.role IN ('jdbc', 'arrow') AND f.elapsed_ms IS NOT"
          + " NULL AND f.scanned_rows IS NOT NULL AND f.moved_rows IS NOT NULL", parameter,
          rs -> {
            Map<String, Double> quantities = new HashMap<>();
            // Into the engine as Arrow, into the engine from JDBC, into the JVM over JDBC.
            quantities.put(rs.getString(5).equals("arrow") ? "transfer.arrow.value"
                : rs.getInt(6) >= 0 ? "transfer.jdbc-arrow.value" : "transfer.jdbc.value",
                rs.getDouble(2) * Math.max(1, rs.getInt(7)));
            quantities.put(rs.getString(4) + ".row-cpu", rs.getDouble(3));
            out.add(new Observation(Family.READ, rs.getDouble(1) * 1000, quantities));
          });
    }
    return out;
  }

  @FunctionalInterface
  private interface RowHandler {
    void row(ResultSet rs) throws SQLException;
  }

  private static void query(Connection c, String sql, String parameter, RowHandler handler)
      throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      if (parameter != null) {
        // Every ? of the statement is the filter's parameter.
        int n = p.getParameterMetaData().getParameterCount();
        for (int i = 1; i <= n; i++) {
          p.setString(i, parameter);
        }
      }
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          handler.row(rs);
        }
      }
    }
  }

  /** Keeps a fitted set as a version in {@code log.coefficients}. */
  private void store(String source, CoefficientFit.Result result) throws SQLException {
    LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC);
    try (Connection c = log.connection();
         PreparedStatement p = c.prepareStatement(
             "INSERT INTO log.coefficients VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (CoefficientFit.Outcome o : result.outcomes()) {
        p.setString(1, result.coefficients().version());
        p.setObject(2, now);
        p.setString(3, source);
        p.setString(4, o.key());
        p.setString(5, o.family().name().toLowerCase(Locale.ROOT));
        if (Double.isNaN(o.previous())) {
          p.setNull(6, java.sql.Types.DOUBLE);
        } else {
          p.setDouble(6, o.previous());
        }
        p.setDouble(7, o.value());
        p.setInt(8, o.samples());
        p.setBoolean(9, o.fitted());
        p.setString(10, o.note());
        p.addBatch();
      }
      p.executeBatch();
    }
  }

  /** Installs the newest stored version's fitted coefficients over the starting ones. */
  private void loadLatest() {
    Map<String, Double> fitted = new HashMap<>();
    String version = null;
    try (Connection c = log.connection();
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT version, coefficient, value FROM"
             + " log.coefficients WHERE fitted AND version = (SELECT arg_max(version,"
             + " created_at) FROM log.coefficients)")) {
      while (rs.next()) {
        version = rs.getString(1);
        fitted.put(rs.getString(2), rs.getDouble(3));
      }
    } catch (SQLException e) {
      LOG.warn("Calibration: stored coefficients not loaded: {}", e.getMessage());
      return;
    }
    EngineCoefficients start = model.current();
    Map<String, Double> values = new HashMap<>(start.asMap());
    fitted.forEach((key, value) -> {
      if (start.has(key)) {
        values.put(key, value);
      }
    });
    if (version != null) {
      model.install(start.withValues(version, values));
      LOG.info("Cost coefficients: calibrated version {} ({} fitted)", version, fitted.size());
    }
  }

  /** An input table of the calibration workload: the largest with an integer column. */
  private record Probe(String catalog, String schema, String table, String column,
      double rows) {
    String from(long limit) {
      return "(SELECT " + quote(column) + " AS k FROM " + quote(catalog) + "." + quote(schema)
          + "." + quote(table) + " LIMIT " + limit + ")";
    }
  }

  private static String quote(String name) {
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  /**
   * Runs the built-in calibration workload and fits to it alone: for each pair of catalogs, a
   * join, a join and a grouped join on a computed key (hash joins whose output is many times
   * their inputs), a union, and a union of what each backend aggregated, of their largest tables'
   * integer columns, at three sizes (up to
   * {@link #MAX_PROBE_ROWS} rows an input), each in the JVM and in the DuckDB engine. The
   * whole workload runs once to warm up, then again recorded.
   */
  private CoefficientFit.Result runCalibrationWorkload() throws SQLException {
    List<String> statements = new ArrayList<>();
    Properties jvm = new Properties();
    jvm.setProperty("placement", "jvm");
    jvm.setProperty("reduction", "off");
    jvm.setProperty("preaggregation", "off");
    Properties engine = new Properties();
    engine.setProperty("placement", "duckdb");
    engine.setProperty("reduction", "off");
    engine.setProperty("preaggregation", "off");
    try (CalciteConnection inJvm = driver.open(jvm);
         CalciteConnection inEngine = driver.open(engine)) {
      List<Probe> probes = probes(inJvm);
      for (int i = 0; i < probes.size(); i++) {
        for (int j = i + 1; j < probes.size(); j++) {
          Probe a = probes.get(i);
          Probe b = probes.get(j);
          for (int divisor : new int[] {16, 4, 1}) {
            long n = Math.max(1, (long) Math.min(a.rows(), MAX_PROBE_ROWS) / divisor);
            long m = Math.max(1, (long) Math.min(b.rows(), MAX_PROBE_ROWS) / divisor);
            statements.add("SELECT count(*) AS n, sum(CAST(a.k AS BIGINT)) AS s FROM "
                + a.from(n) + " AS a JOIN " + b.from(m) + " AS b ON a.k = b.k");
            // About EXPANDED_ROWS / divisor rows out of the join (keys spread evenly).
            long modulus = Math.max(1, n * m * divisor / EXPANDED_ROWS);
            statements.add("SELECT count(*) AS n FROM " + a.from(n) + " AS a JOIN " + b.from(m)
                + " AS b ON MOD(a.k, " + modulus + ") = MOD(b.k, " + modulus + ")");
            statements.add("SELECT MOD(a.k, 97) AS g, count(*) AS n, max(b.k) AS m,"
                + " sum(CAST(a.k AS BIGINT) + b.k) AS s FROM " + a.from(n) + " AS a JOIN "
                + b.from(m) + " AS b ON MOD(a.k, " + modulus + ") = MOD(b.k, " + modulus
                + ") GROUP BY MOD(a.k, 97)");
            statements.add("SELECT MOD(u.k, 97) AS g, count(*) AS n FROM (SELECT k FROM "
                + a.from(n) + " AS a UNION ALL SELECT k FROM " + b.from(m)
                + " AS b) AS u GROUP BY MOD(u.k, 97)");
            // Each backend aggregates its rows: reads that scan many rows and move few.
            statements.add("SELECT g, sum(c) AS n FROM (SELECT MOD(k, 97) AS g, count(*) AS c"
                + " FROM " + a.from(n) + " AS a GROUP BY MOD(k, 97) UNION ALL SELECT MOD(k, 97),"
                + " count(*) FROM " + b.from(m) + " AS b GROUP BY MOD(k, 97)) AS u GROUP BY g");
          }
        }
      }
      if (statements.isEmpty()) {
        throw new SQLException("calibration needs two catalogs with a table of at least 1000"
            + " rows with an integer column; found " + probes.size());
      }
      String run = "calibration-" + UUID.randomUUID();
      LOG.info("Calibration: {} statements over {} catalogs, run twice (warm-up, measured)",
          statements.size() * 2, probes.size());
      for (int pass = 0; pass < 2; pass++) {
        int done = 0;
        for (String sql : statements) {
          runOne(inJvm, sql, pass == 0 ? null : run);
          runOne(inEngine, sql, pass == 0 ? null : run);
          if (++done % 10 == 0) {
            LOG.info("Calibration: pass {} of 2, {} of {} statements", pass + 1, done,
                statements.size());
          }
        }
      }
      try {
        log.flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SQLException("calibration interrupted", e);
      }
      return fit("calibrate", "q.connection_id = ?", run);
    }
  }

  /** Per catalog, its largest table (at least 1000 rows) with an integer column. */
  private List<Probe> probes(CalciteConnection c) {
    List<Probe> probes = new ArrayList<>();
    SchemaPlus root = c.getRootSchema();
    for (String catalog : driver.catalogs().backends().keySet()) {
      if (catalog.equals(WorkloadLog.CATALOG)) {
        continue;
      }
      Probe best = null;
      try {
        SchemaPlus catalogSchema = root.getSubSchema(catalog);
        if (catalogSchema == null) {
          continue;
        }
        for (String schemaName : catalogSchema.getSubSchemaNames()) {
          SchemaPlus schema = catalogSchema.getSubSchema(schemaName);
          for (String name : schema == null ? java.util.Set.<String>of()
              : schema.getTableNames()) {
            Table table = schema.getTable(name);
            Double rows = table == null ? null : table.getStatistic().getRowCount();
            if (rows == null || rows < 1000 || best != null && rows <= best.rows()) {
              continue;
            }
            RelDataType type = table.getRowType(c.getTypeFactory());
            for (RelDataTypeField field : type.getFieldList()) {
              SqlTypeName t = field.getType().getSqlTypeName();
              if (t == SqlTypeName.INTEGER || t == SqlTypeName.BIGINT) {
                best = new Probe(catalog, schemaName, name, field.getName(), rows);
                break;
              }
            }
          }
        }
      } catch (RuntimeException e) {
        LOG.warn("Calibration: catalog '{}' left out: {}", catalog, e.getMessage());
      }
      if (best != null) {
        probes.add(best);
      }
    }
    return probes;
  }

  /**
   * Runs one statement in-process and, when {@code run} is given, records it in the log under
   * that connection id, as the server records a client's statement.
   */
  private void runOne(CalciteConnection c, String sql, String run) throws SQLException {
    FragmentCounters counters = new FragmentCounters();
    Instant startedAt = Instant.now();
    long start = System.nanoTime();
    PlanSummary.takeLast();
    long rows = 0;
    try (ThreadScoped.Scope scope = counters.enter();
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        rows++;
      }
    }
    PlanSummary plan = PlanSummary.takeLast();
    double ms = (System.nanoTime() - start) / 1e6;
    if (run != null) {
      log.record(new StatementRecord(startedAt, USER, run, sql, plan, ms, ms, ms,
          counters.planNanos() / 1e6, rows, "ok", null, null,
          StatementRecord.runs(plan, counters), true));
    }
  }

  @Override public void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
  }
}
