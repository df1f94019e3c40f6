package io.meridian.server.workload;

import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.StorageBackend;
import io.meridian.adapter.duckdb.DuckDbBackendFactory;
import io.meridian.adapter.duckdb.DuckDbDataSource;
import io.meridian.adapter.duckdb.DuckDbSqlDialect;
import io.meridian.adapter.jdbc.BackendDdl;
import io.meridian.adapter.jdbc.CatalogDataSource;
import io.meridian.adapter.jdbc.JdbcBackend;
import io.meridian.planner.metadata.ObservedCardinalities;
import io.meridian.planner.workload.PlanSummary;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The workload log: every statement the server runs, with the plan it got, where each of its
 * fragments ran, how many rows each was expected to produce and did, its times, and how it
 * ended. The PerformanceMonitor's durable half, and what the WorkloadAnalyzer and calibration
 * read.
 *
 * <p>Stored in an embedded DuckDB database, {@code <data-dir>/workload/workload.duckdb}, and
 * served as the catalog {@code meridian}: {@code meridian.system.queries} (one row per
 * statement) and {@code meridian.system.fragments} (one row per fragment). Recording never
 * waits: {@link #record} puts the statement on a bounded queue that one background thread
 * writes in batches, at most one transaction per half second (a full queue drops the record
 * and counts it); fingerprints are computed there too, and what a plan's executions share is
 * written once ({@code PLAN_COLUMNS}). Bounded by age ({@link #RETENTION}) and count
 * ({@link #MAX_STATEMENTS}), applied at start and then hourly.
 */
public final class WorkloadLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkloadLog.class);

  /** The catalog name the log is served under; reserved. */
  public static final String CATALOG = "meridian";
  /** Statements older than this are deleted. */
  public static final Duration RETENTION = Duration.ofDays(30);
  /** At most this many statements are kept (the newest). */
  public static final long MAX_STATEMENTS = 1_000_000;
  /** The DuckDB database's name (its file's), which qualifies its schemas. */
  private static final String DATABASE = "workload";
  private static final int QUEUE_CAPACITY = 10_000;
  private static final int BATCH = 5_000;
  private static final Duration WRITE_INTERVAL = Duration.ofMillis(500);
  private static final int MAX_TEXT = 100_000;
  private static final Duration PRUNE_EVERY = Duration.ofHours(1);

  private static final List<String> SCHEMA = List.of(
      "CREATE SCHEMA IF NOT EXISTS log",
      "CREATE TABLE IF NOT EXISTS log.queries (query_id VARCHAR, started_at TIMESTAMP,"
          + " user_name VARCHAR, connection_id VARCHAR, statement_kind VARCHAR,"
          + " sql_text VARCHAR, normalized_sql VARCHAR, fingerprint VARCHAR, catalogs VARCHAR,"
          + " tables VARCHAR,"
          + " placement VARCHAR, fragment_count INTEGER, plan VARCHAR, first_frame_ms DOUBLE,"
          + " total_ms DOUBLE, rows_sent BIGINT, status VARCHAR, sql_state VARCHAR,"
          + " error VARCHAR)",
      "CREATE TABLE IF NOT EXISTS log.fragments (query_id VARCHAR, started_at TIMESTAMP,"
          + " fingerprint VARCHAR, fragment INTEGER, engine VARCHAR, role VARCHAR,"
          + " estimated_rows DOUBLE, actual_rows BIGINT, q_error DOUBLE, feedback_key VARCHAR)",
      // Columns added since the first version of the log, for logs written before them.
      "ALTER TABLE log.queries ADD COLUMN IF NOT EXISTS tables VARCHAR",
      "ALTER TABLE log.fragments ADD COLUMN IF NOT EXISTS feedback_key VARCHAR",
      // Times for calibration (CostCalibrator).
      "ALTER TABLE log.queries ADD COLUMN IF NOT EXISTS busy_ms DOUBLE",
      "ALTER TABLE log.queries ADD COLUMN IF NOT EXISTS plan_ms DOUBLE",
      "ALTER TABLE log.queries ADD COLUMN IF NOT EXISTS jvm_rows DOUBLE",
      "ALTER TABLE log.queries ADD COLUMN IF NOT EXISTS jvm_ms DOUBLE",
      "ALTER TABLE log.queries ADD COLUMN IF NOT EXISTS jvm_rows_actual DOUBLE",
      "ALTER TABLE log.fragments ADD COLUMN IF NOT EXISTS parent INTEGER",
      "ALTER TABLE log.fragments ADD COLUMN IF NOT EXISTS backend_type VARCHAR",
      "ALTER TABLE log.fragments ADD COLUMN IF NOT EXISTS scanned_rows DOUBLE",
      "ALTER TABLE log.fragments ADD COLUMN IF NOT EXISTS rows_in DOUBLE",
      "ALTER TABLE log.fragments ADD COLUMN IF NOT EXISTS moved_rows BIGINT",
      "ALTER TABLE log.fragments ADD COLUMN IF NOT EXISTS elapsed_ms DOUBLE",
      "ALTER TABLE log.fragments ADD COLUMN IF NOT EXISTS self_ms DOUBLE",
      "ALTER TABLE log.fragments ADD COLUMN IF NOT EXISTS estimated_bytes DOUBLE",
      "ALTER TABLE log.fragments ADD COLUMN IF NOT EXISTS columns INTEGER",
      "ALTER TABLE log.fragments ADD COLUMN IF NOT EXISTS tables VARCHAR",
      // What a plan's executions share is written once per plan (see PLAN_COLUMNS).
      "ALTER TABLE log.queries ADD COLUMN IF NOT EXISTS plan_id VARCHAR",
      "CREATE TABLE IF NOT EXISTS log.plans (plan_id VARCHAR, created_at TIMESTAMP,"
          + " statement_kind VARCHAR, normalized_sql VARCHAR, fingerprint VARCHAR,"
          + " catalogs VARCHAR, tables VARCHAR, placement VARCHAR, fragment_count INTEGER,"
          + " plan VARCHAR, jvm_rows DOUBLE)",
      "CREATE TABLE IF NOT EXISTS log.plan_fragments (plan_id VARCHAR, fragment INTEGER,"
          + " fingerprint VARCHAR, engine VARCHAR, role VARCHAR, estimated_rows DOUBLE,"
          + " parent INTEGER, backend_type VARCHAR, scanned_rows DOUBLE, rows_in DOUBLE,"
          + " estimated_bytes DOUBLE, columns INTEGER, tables VARCHAR)",
      // Every coefficient set calibration made, newest last (CostCalibrator).
      "CREATE TABLE IF NOT EXISTS log.coefficients (version VARCHAR, created_at TIMESTAMP,"
          + " source VARCHAR, coefficient VARCHAR, family VARCHAR, previous DOUBLE,"
          + " value DOUBLE, samples INTEGER, fitted BOOLEAN, note VARCHAR)",
      // "system" alone is also DuckDB's system catalog: qualify it with the database's name.
      "CREATE SCHEMA IF NOT EXISTS workload.\"system\"");

  /**
   * The columns of {@code log.queries} and {@code log.fragments} that are the same for every
   * execution of one plan (of one statement text): written once per plan, in
   * {@code log.plans} and {@code log.plan_fragments}, and NULL in the executions' rows, which
   * name the plan ({@code log.queries.plan_id}); the views {@code system.queries} and
   * {@code system.fragments} put them back. (Rows written before, with no plan id, keep their
   * own.) Of the 44 values a point lookup's execution wrote, 20 (and the plan's text) are now
   * written once; the writer's CPU per statement went from about 11 to 9 to 10 µs, and the log
   * keeps each plan's text once.
   */
  private static final Map<String, List<String>> PLAN_COLUMNS = Map.of(
      "queries", List.of("statement_kind", "normalized_sql", "fingerprint", "catalogs",
          "tables", "placement", "fragment_count", "plan", "jvm_rows"),
      "fragments", List.of("fingerprint", "engine", "role", "estimated_rows", "parent",
          "backend_type", "scanned_rows", "rows_in", "estimated_bytes", "columns", "tables"));

  /** Calibration's views, and the WorkloadAnalyzer's over the system views. */
  private static final List<String> ANALYZER_VIEWS = List.of(
      "CREATE OR REPLACE VIEW workload.\"system\".cost_versions AS SELECT version,"
          + " min(created_at) AS created_at, any_value(source) AS source,"
          + " count(*) FILTER (WHERE fitted) AS fitted_coefficients FROM log.coefficients"
          + " GROUP BY version",
      "CREATE OR REPLACE VIEW workload.\"system\".cost_coefficients AS SELECT * FROM"
          + " log.coefficients WHERE version = (SELECT arg_max(version, created_at)"
          + " FROM log.coefficients)",
      // The WorkloadAnalyzer's views.
      "CREATE OR REPLACE VIEW workload.\"system\".statement_shapes AS SELECT fingerprint,"
          + " any_value(normalized_sql) AS normalized_sql, any_value(catalogs) AS catalogs,"
          + " count(*) AS executions, count(*) FILTER (WHERE status <> 'ok') AS failures,"
          + " sum(total_ms) AS total_ms, median(total_ms) AS median_ms,"
          + " max(started_at) AS last_run FROM log.queries_all GROUP BY fingerprint",
      "CREATE OR REPLACE VIEW workload.\"system\".estimation_errors AS SELECT engine, role,"
          + " count(*) AS fragments, median(q_error) AS median_q_error,"
          + " quantile_cont(q_error, 0.9) AS p90_q_error, max(q_error) AS max_q_error"
          + " FROM log.fragments_all WHERE q_error IS NOT NULL"
          + " GROUP BY engine, role",
      "CREATE OR REPLACE VIEW workload.\"system\".hot_tables AS SELECT t.table_name,"
          + " count(*) AS statements, sum(q.total_ms) AS total_ms,"
          + " count(*) FILTER (WHERE q.catalogs LIKE '%,%') AS federated_statements"
          + " FROM log.queries_all q,"
          + " unnest(string_split(q.tables, ',')) AS t(table_name)"
          + " WHERE q.tables <> '' GROUP BY t.table_name",
      "CREATE OR REPLACE VIEW workload.\"system\".catalog_pairs AS SELECT catalogs,"
          + " count(*) AS statements, sum(total_ms) AS total_ms,"
          + " sum(total_ms) / greatest(1, date_diff('second', min(started_at), max(started_at))"
          + " / 86400.0) AS ms_per_day FROM log.queries_all"
          + " WHERE catalogs LIKE '%,%'"
          + " GROUP BY catalogs",
      // Tables worth co-locating (WorkloadAnalyzer.recommendations): the tables one fragment
      // of statements over several catalogs reads from its engine (into the JVM or Meridian's
      // engine; the tables of one fragment go together), with the catalog and table they are
      // joined with most (by the rows scanned there; copying goes to a larger partner only),
      // what reading them across engines cost, and the expected saving: that cost less reading
      // the same rows where the partner is, at that engine's observed time per scanned row;
      // per day at the log's rate (over at least an hour).
      "CREATE OR REPLACE VIEW workload.\"system\".recommendations AS"
          + " WITH span AS (SELECT count(*) AS statements, greatest(3600,"
          + " date_diff('second', min(started_at), max(started_at))) / 86400.0 AS days"
          + " FROM log.queries_all),"
          + " reads AS (SELECT f.query_id, f.engine AS catalog, f.backend_type, f.role,"
          + " f.tables, f.elapsed_ms, f.moved_rows, f.scanned_rows"
          + " FROM log.fragments_all f JOIN log.queries_all q"
          + " ON f.query_id = q.query_id"
          + " WHERE q.catalogs LIKE '%,%' AND f.tables <> '' AND f.role <> 'engine'),"
          + " moved AS (SELECT * FROM reads WHERE role IN ('jdbc', 'arrow')),"
          + " partners AS (SELECT m.tables, m.catalog, p.catalog AS target_catalog,"
          + " any_value(p.backend_type) AS target_type, t.table_name AS partner_table,"
          + " max(p.scanned_rows) AS partner_rows FROM (SELECT DISTINCT query_id, tables,"
          + " catalog FROM moved) m JOIN reads p ON p.query_id = m.query_id"
          + " AND p.catalog <> m.catalog, unnest(string_split(p.tables, ',')) AS t(table_name)"
          + " GROUP BY m.tables, m.catalog, p.catalog, t.table_name),"
          + " best AS (SELECT tables, catalog, arg_max({'catalog': target_catalog, 'type':"
          + " target_type, 'partner': partner_table, 'rows': partner_rows}, partner_rows) AS b"
          + " FROM partners GROUP BY tables, catalog),"
          + " rates AS (SELECT catalog, sum(elapsed_ms) / sum(scanned_rows) AS ms_per_row"
          + " FROM reads WHERE elapsed_ms IS NOT NULL AND scanned_rows > 0 GROUP BY catalog),"
          + " totals AS (SELECT m.tables, m.catalog AS source_catalog,"
          + " any_value(m.backend_type) AS source_type, b.b.catalog AS target_catalog,"
          + " b.b.type AS target_type, b.b.partner AS joined_with,"
          + " count(DISTINCT m.query_id) AS statements, any_value(s.statements)"
          + " AS of_statements, max(m.scanned_rows) AS scanned_rows,"
          + " sum(m.moved_rows) AS moved_rows, sum(m.elapsed_ms) AS cross_engine_ms,"
          + " sum(m.scanned_rows) * coalesce(any_value(r.ms_per_row), 0) AS local_ms,"
          + " any_value(s.days) AS days"
          + " FROM moved m JOIN best b ON b.tables = m.tables AND b.catalog = m.catalog"
          + " LEFT JOIN rates r ON r.catalog = b.b.catalog, span s"
          + " WHERE m.scanned_rows <= b.b.rows"
          + " GROUP BY m.tables, m.catalog, b.b.catalog, b.b.type, b.b.partner)"
          + " SELECT tables, source_catalog, source_type, target_catalog, target_type,"
          + " joined_with, statements, of_statements, scanned_rows, moved_rows,"
          + " cross_engine_ms, greatest(0, cross_engine_ms - local_ms) AS saving_ms,"
          + " greatest(0, cross_engine_ms - local_ms) / days AS saving_ms_per_day,"
          + " days * 24 AS log_hours FROM totals");

  private final Path file;
  private final DuckDbDataSource database;
  /**
   * Normalized text, fingerprint and kind of recent statement texts (the writer's only: a
   * workload repeats its texts, and normalizing is the costliest part of recording).
   */
  private final Map<String, String[]> shapes = new java.util.LinkedHashMap<>(256, 0.75f, true) {
    @Override protected boolean removeEldestEntry(Map.Entry<String, String[]> eldest) {
      return size() > 1_000;
    }
  };
  private final BlockingQueue<StatementRecord> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final AtomicLong dropped = new AtomicLong();
  /** Statements recorded and not yet written (or given up on). */
  private final AtomicLong pending = new AtomicLong();
  /** The columns of each table of the log's schema, in the table's order. */
  private final Map<String, Layout> layouts;
  /**
   * The ids of the plans written to {@code log.plans}, by statement text and plan (the
   * writer's only; forgotten when retention may have deleted them).
   */
  private final Map<PlanKey, String> planIds = new java.util.LinkedHashMap<>(256, 0.75f, true) {
    @Override protected boolean removeEldestEntry(Map.Entry<PlanKey, String> eldest) {
      return size() > 10_000;
    }
  };
  /** Query and plan ids are this plus a count (the writer's only). */
  private final UUID idBase = UUID.randomUUID();
  private long idCount;
  private final Thread writer;
  private volatile boolean closing;
  private long lastPrune;

  private WorkloadLog(Path file, DuckDbDataSource database, Map<String, List<String>> columns) {
    this.file = file;
    this.database = database;
    Map<String, Layout> layouts = new java.util.HashMap<>();
    columns.forEach((table, names) -> layouts.put(table, Layout.of(names)));
    this.layouts = Map.copyOf(layouts);
    this.writer = new Thread(this::writeLoop, "meridian-workload-log");
    writer.setDaemon(true);
  }

  /** Opens (creating if needed) the log under {@code dataDir}, and starts its writer. */
  public static WorkloadLog open(Path dataDir) throws IOException, SQLException {
    Path dir = Files.createDirectories(dataDir.resolve("workload"));
    Path file = dir.resolve(DATABASE + ".duckdb");
    DuckDbDataSource database = new DuckDbDataSource(file.toString(), false, List.of());
    Map<String, List<String>> columns = new java.util.HashMap<>();
    try (Connection c = database.getConnection(); Statement s = c.createStatement()) {
      for (String ddl : SCHEMA) {
        s.execute(ddl);
      }
      // A log written by an earlier version may have its columns in another order.
      try (java.sql.ResultSet rs = s.executeQuery("SELECT table_name, column_name"
          + " FROM duckdb_columns() WHERE database_name = '" + DATABASE + "'"
          + " AND schema_name = 'log' ORDER BY table_name, column_index")) {
        while (rs.next()) {
          columns.computeIfAbsent(rs.getString(1), t -> new ArrayList<>()).add(rs.getString(2));
        }
      }
      s.execute(wholeRows("queries", columns.get("queries"),
          " FROM log.queries x LEFT JOIN log.plans p ON p.plan_id = x.plan_id"));
      s.execute(wholeRows("fragments", columns.get("fragments"),
          " FROM log.fragments x LEFT JOIN log.queries q ON q.query_id = x.query_id"
              + " LEFT JOIN log.plan_fragments p ON p.plan_id = q.plan_id"
              + " AND p.fragment = x.fragment"));
      // (A view in "system" that reads another view there does not bind in DuckDB: views read
      // the log schema's.)
      s.execute("CREATE OR REPLACE VIEW workload.\"system\".queries AS"
          + " SELECT * FROM log.queries_all");
      s.execute("CREATE OR REPLACE VIEW workload.\"system\".fragments AS"
          + " SELECT * FROM log.fragments_all");
      for (String view : ANALYZER_VIEWS) {
        s.execute(view);
      }
    } catch (SQLException e) {
      database.close();
      throw e;
    }
    WorkloadLog log = new WorkloadLog(file, database, Map.copyOf(columns));
    log.writer.start(); // applies retention first, off the server's start
    LOG.info("Workload log: {} (meridian.system.queries, meridian.system.fragments)", file);
    return log;
  }

  /**
   * The view {@code log.<table>_all} (served as {@code system.<table>}): every column of
   * {@code log.<table>} ({@code x} in {@code from}), those a plan's executions share taken from
   * its plan ({@code p}) where the row has none.
   */
  private static String wholeRows(String table, List<String> columns, String from) {
    StringBuilder select = new StringBuilder();
    for (String column : columns) {
      String quoted = '"' + column + '"';
      select.append(select.length() == 0 ? "" : ", ").append(
          PLAN_COLUMNS.get(table).contains(column)
              ? "coalesce(x." + quoted + ", p." + quoted + ") AS " + quoted : "x." + quoted);
    }
    return "CREATE OR REPLACE VIEW log." + table + "_all AS SELECT " + select + from;
  }

  /** Gives the planner the latest observed row count of each filtered scan in the log. */
  public void loadObservationsInto(ObservedCardinalities store) {
    Map<String, Long> observed = new java.util.HashMap<>();
    try (Connection c = database.getConnection();
         PreparedStatement p = c.prepareStatement("SELECT feedback_key,"
             + " arg_max(actual_rows, started_at) FROM log.fragments"
             + " WHERE feedback_key IS NOT NULL AND started_at >= ? GROUP BY feedback_key")) {
      // Within retention: the writer applies it only after the server has started.
      p.setObject(1, retentionCutoff());
      try (java.sql.ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          observed.put(rs.getString(1), rs.getLong(2));
        }
      }
    } catch (SQLException e) {
      LOG.warn("Workload log: observed row counts not loaded: {}", e.getMessage());
    }
    store.load(observed);
    if (!observed.isEmpty()) {
      LOG.info("Workload log: {} observed row counts correct the planner's estimates",
          observed.size());
    }
  }

  /** Records a statement; never blocks (a full queue drops it, see {@link #dropped}). */
  public void record(StatementRecord statement) {
    pending.incrementAndGet();
    if (closing || !queue.offer(statement)) {
      pending.decrementAndGet();
      dropped.incrementAndGet();
    }
  }

  /** Opens a connection to the log's database (calibration reads and writes through it). */
  Connection connection() throws SQLException {
    return database.getConnection();
  }

  /** Returns how many statements were not recorded because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Waits until every statement recorded so far is written (tests, shutdown). */
  public void flush() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (pending.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  /** The catalog {@code meridian}: schema {@code system}, the log's views. */
  public StorageBackend catalog() {
    CatalogSpec spec = new CatalogSpec(CATALOG, "duckdb", Map.of("path", file.toString()));
    return new JdbcBackend(spec, new CatalogDataSource(CATALOG, "duckdb", database, null),
        DuckDbSqlDialect.DEFAULT, DATABASE, schema -> schema.equals("system"),
        DuckDbBackendFactory.ROW_COUNTS, DuckDbBackendFactory.COLUMN_STATISTICS, "SELECT 1",
        new BackendDdl(DuckDbSqlDialect.DEFAULT));
  }

  private void writeLoop() {
    prune();
    List<StatementRecord> batch = new ArrayList<>();
    while (!closing || !queue.isEmpty()) {
      try {
        StatementRecord first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        if (!closing) {
          // Let a batch gather: one DuckDB transaction per interval, not one per statement,
          // so that a busy OLTP workload pays for the log in bulk, on this thread.
          Thread.sleep(WRITE_INTERVAL.toMillis());
        }
        batch.add(first);
        queue.drainTo(batch, BATCH - 1);
        write(batch);
        if (System.currentTimeMillis() - lastPrune > PRUNE_EVERY.toMillis()) {
          prune();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (SQLException | RuntimeException e) {
        LOG.warn("Workload log: {} statements not written: {}", batch.size(), e.getMessage());
      } finally {
        pending.addAndGet(-batch.size());
        batch.clear();
      }
    }
  }

  private void write(List<StatementRecord> batch) throws SQLException {
    Layout queryTable = layouts.get("queries");
    Layout fragmentTable = layouts.get("fragments");
    Layout planTable = layouts.get("plans");
    Layout planFragmentTable = layouts.get("plan_fragments");
    List<Object[]> queries = new ArrayList<>(batch.size());
    List<Object[]> fragments = new ArrayList<>();
    List<Object[]> plans = new ArrayList<>();
    List<Object[]> planFragments = new ArrayList<>();
    // Plans first written by this batch: known to later batches once it is committed.
    Map<PlanKey, String> newPlans = new java.util.HashMap<>();
    for (StatementRecord r : batch) {
      String id = nextId();
      LocalDateTime started = LocalDateTime.ofInstant(r.startedAt(), ZoneOffset.UTC);
      PlanSummary plan = r.plan();
      Object[] q = queryTable.row();
      queryTable.set(q, "query_id", id);
      queryTable.set(q, "started_at", started);
      queryTable.set(q, "user_name", r.user());
      queryTable.set(q, "connection_id", r.connectionId());
      queryTable.set(q, "sql_text", truncate(r.sql()));
      queryTable.set(q, "first_frame_ms", r.firstFrameMs());
      queryTable.set(q, "total_ms", r.totalMs());
      queryTable.set(q, "rows_sent", r.rows());
      queryTable.set(q, "status", r.status());
      queryTable.set(q, "sql_state", r.sqlState());
      queryTable.set(q, "error", r.error() == null ? null : truncate(r.error()));
      queryTable.set(q, "busy_ms", r.busyMs());
      queryTable.set(q, "plan_ms", r.planMs());
      queryTable.set(q, "jvm_ms", r.jvmMs());
      queryTable.set(q, "jvm_rows_actual", r.jvmRows());
      queries.add(q);
      if (plan == null) {
        String[] shape = shape(r.sql());
        queryTable.set(q, "statement_kind", shape[2]);
        queryTable.set(q, "normalized_sql", truncate(shape[0]));
        queryTable.set(q, "fingerprint", shape[1]);
        continue;
      }
      PlanKey key = new PlanKey(r.sql(), plan);
      String planId = planIds.get(key);
      if (planId == null) {
        planId = newPlans.get(key);
      }
      if (planId == null) {
        planId = nextId();
        newPlans.put(key, planId);
        String[] shape = shape(r.sql());
        Object[] p = planTable.row();
        planTable.set(p, "plan_id", planId);
        planTable.set(p, "created_at", started);
        planTable.set(p, "statement_kind", shape[2]);
        planTable.set(p, "normalized_sql", truncate(shape[0]));
        planTable.set(p, "fingerprint", shape[1]);
        planTable.set(p, "catalogs", String.join(",", plan.catalogs()));
        planTable.set(p, "tables", String.join(",", plan.tables()));
        planTable.set(p, "placement", plan.placement());
        planTable.set(p, "fragment_count", plan.fragments().size());
        planTable.set(p, "plan", truncate(plan.plan()));
        planTable.set(p, "jvm_rows", plan.jvmRows());
        plans.add(p);
        for (PlanSummary.Fragment fragment : plan.fragments()) {
          Object[] f = planFragmentTable.row();
          planFragmentTable.set(f, "plan_id", planId);
          planFragmentTable.set(f, "fragment", fragment.id());
          planFragmentTable.set(f, "fingerprint", shape[1]);
          planFragmentTable.set(f, "engine", fragment.engine());
          planFragmentTable.set(f, "role", fragment.role());
          planFragmentTable.set(f, "estimated_rows", fragment.estimatedRows());
          planFragmentTable.set(f, "parent", fragment.parent());
          planFragmentTable.set(f, "backend_type", fragment.backendType());
          planFragmentTable.set(f, "scanned_rows", fragment.scannedRows());
          planFragmentTable.set(f, "rows_in", fragment.rowsIn());
          planFragmentTable.set(f, "estimated_bytes", fragment.estimatedBytes());
          planFragmentTable.set(f, "columns", fragment.columns());
          planFragmentTable.set(f, "tables", fragment.tables());
          planFragments.add(f);
        }
      }
      queryTable.set(q, "plan_id", planId);
      for (PlanSummary.Fragment fragment : plan.fragments()) {
        StatementRecord.FragmentRun run = r.fragments().get(fragment.id());
        Object[] f = fragmentTable.row();
        fragmentTable.set(f, "query_id", id);
        fragmentTable.set(f, "started_at", started);
        fragmentTable.set(f, "fragment", fragment.id());
        if (run != null) {
          fragmentTable.set(f, "moved_rows", run.movedRows());
          fragmentTable.set(f, "elapsed_ms", run.ms());
          fragmentTable.set(f, "self_ms", r.selfMs(fragment));
          if (run.rows() >= 0) {
            fragmentTable.set(f, "actual_rows", run.rows());
            fragmentTable.set(f, "q_error", qError(fragment.estimatedRows(), run.rows()));
            // Only whole counts correct later estimates (and are loaded again at start).
            fragmentTable.set(f, "feedback_key",
                r.countsAreWhole() ? fragment.feedbackKey() : null);
          }
        }
        fragments.add(f);
      }
    }
    // One transaction for the batch: a statement, its fragments and its plan go together.
    try (DuckDBConnection c = (DuckDBConnection) database.getConnection()) {
      c.setAutoCommit(false);
      try {
        append(c, "plans", plans);
        append(c, "plan_fragments", planFragments);
        append(c, "queries", queries);
        append(c, "fragments", fragments);
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
    planIds.putAll(newPlans);
  }

  /**
   * The normalized text, fingerprint and kind of a statement text: written with its plan, or
   * with the statement when it has none.
   */
  private String[] shape(String sql) {
    return shapes.computeIfAbsent(sql, text -> {
      String n = Fingerprints.normalize(text);
      return new String[] {n, Fingerprints.of(n), Fingerprints.kind(n)};
    });
  }

  /**
   * A statement text with its plan: what executions that share a plan row have in common. (A
   * prepared statement's executions share one summary object: compared as that first, and
   * hashed by the texts, whose hashes strings keep.)
   */
  private static final class PlanKey {
    final String sql;
    final PlanSummary plan;
    final int hash;

    PlanKey(String sql, PlanSummary plan) {
      this.sql = sql;
      this.plan = plan;
      this.hash = sql.hashCode() * 31 + plan.plan().hashCode();
    }

    @Override public boolean equals(Object o) {
      return o instanceof PlanKey && ((PlanKey) o).hash == hash && ((PlanKey) o).sql.equals(sql)
          && (((PlanKey) o).plan == plan || ((PlanKey) o).plan.equals(plan));
    }

    @Override public int hashCode() {
      return hash;
    }
  }

  /**
   * A query or plan id: unique within the log (a random base drawn when the log opens, plus a
   * count), in UUID form, without drawing from the secure random source for every statement.
   */
  private String nextId() {
    return new UUID(idBase.getMostSignificantBits(),
        idBase.getLeastSignificantBits() + idCount++).toString();
  }

  /**
   * The columns of one of the log's tables as it is on disk (a log written by an earlier
   * version may have them in another order): rows are built as arrays in that order, so that
   * they are appended as they are.
   */
  private record Layout(Map<String, Integer> positions) {
    static Layout of(List<String> columns) {
      Map<String, Integer> positions = new java.util.HashMap<>();
      for (int i = 0; i < columns.size(); i++) {
        positions.put(columns.get(i), i);
      }
      return new Layout(Map.copyOf(positions));
    }

    Object[] row() {
      return new Object[positions.size()];
    }

    void set(Object[] row, String column, Object value) {
      row[positions.get(column)] = value;
    }
  }

  /**
   * Appends rows to a table of the log with DuckDB's appender (one bulk write, not a statement
   * per row).
   */
  private static void append(DuckDBConnection c, String table, List<Object[]> rows)
      throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    try (DuckDBAppender appender = c.createAppender("log", table)) {
      for (Object[] row : rows) {
        appender.beginRow();
        for (Object v : row) {
          if (v == null || v instanceof Double && ((Double) v).isNaN()) {
            appender.appendNull();
          } else if (v instanceof String) {
            appender.append((String) v);
          } else if (v instanceof LocalDateTime) {
            appender.append((LocalDateTime) v);
          } else if (v instanceof Integer) {
            appender.append((int) (Integer) v);
          } else if (v instanceof Long) {
            appender.append((long) (Long) v);
          } else {
            appender.append(((Number) v).doubleValue());
          }
        }
        appender.endRow();
      }
    }
  }

  /** max(estimate/actual, actual/estimate), both counted as at least one row. */
  static double qError(double estimated, long actual) {
    double e = Math.max(1, estimated);
    double a = Math.max(1, actual);
    return Math.max(e / a, a / e);
  }

  private static String truncate(String text) {
    return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT) + "...";
  }

  /** Statements that started before this (UTC) are past retention. */
  private static LocalDateTime retentionCutoff() {
    return LocalDateTime.now(ZoneOffset.UTC).minus(RETENTION);
  }

  /** Applies retention: by age, then by count (on the writer's thread). */
  private void prune() {
    lastPrune = System.currentTimeMillis();
    LocalDateTime cutoff = retentionCutoff();
    try (Connection c = database.getConnection()) {
      for (String table : List.of("log.queries", "log.fragments")) {
        try (PreparedStatement p = c.prepareStatement(
            "DELETE FROM " + table + " WHERE started_at < ?")) {
          p.setObject(1, cutoff);
          p.executeUpdate();
        }
      }
      try (Statement s = c.createStatement()) {
        s.execute("DELETE FROM log.queries WHERE query_id IN (SELECT query_id FROM log.queries"
            + " ORDER BY started_at DESC OFFSET " + MAX_STATEMENTS + ")");
        s.execute("DELETE FROM log.fragments WHERE query_id NOT IN"
            + " (SELECT query_id FROM log.queries)");
        s.execute("DELETE FROM log.plans WHERE plan_id NOT IN"
            + " (SELECT plan_id FROM log.queries WHERE plan_id IS NOT NULL)");
        s.execute("DELETE FROM log.plan_fragments WHERE plan_id NOT IN"
            + " (SELECT plan_id FROM log.plans)");
      }
      // A plan deleted here is written again when it runs next.
      planIds.clear();
    } catch (SQLException e) {
      LOG.warn("Workload log: retention not applied: {}", e.getMessage());
    }
  }

  /** Writes what is queued, stops the writer and closes the database. */
  @Override public void close() {
    closing = true;
    try {
      writer.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    database.close();
  }
}
