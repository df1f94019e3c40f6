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

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
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
 * writes in batches (a full queue drops the record and counts it); fingerprints are computed
 * there too. Bounded by age ({@link #RETENTION}) and count ({@link #MAX_STATEMENTS}), applied at
 * start and then hourly.
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
  private static final int BATCH = 1_000;
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
      // "system" alone is also DuckDB's system catalog: qualify it with the database's name.
      "CREATE SCHEMA IF NOT EXISTS workload.\"system\"",
      "CREATE OR REPLACE VIEW workload.\"system\".queries AS SELECT * FROM log.queries",
      "CREATE OR REPLACE VIEW workload.\"system\".fragments AS SELECT * FROM log.fragments",
      // The WorkloadAnalyzer's views.
      "CREATE OR REPLACE VIEW workload.\"system\".statement_shapes AS SELECT fingerprint,"
          + " any_value(normalized_sql) AS normalized_sql, any_value(catalogs) AS catalogs,"
          + " count(*) AS executions, count(*) FILTER (WHERE status <> 'ok') AS failures,"
          + " sum(total_ms) AS total_ms, median(total_ms) AS median_ms,"
          + " max(started_at) AS last_run FROM log.queries GROUP BY fingerprint",
      "CREATE OR REPLACE VIEW workload.\"system\".estimation_errors AS SELECT engine, role,"
          + " count(*) AS fragments, median(q_error) AS median_q_error,"
          + " quantile_cont(q_error, 0.9) AS p90_q_error, max(q_error) AS max_q_error"
          + " FROM log.fragments WHERE q_error IS NOT NULL GROUP BY engine, role",
      "CREATE OR REPLACE VIEW workload.\"system\".hot_tables AS SELECT t.table_name,"
          + " count(*) AS statements, sum(q.total_ms) AS total_ms,"
          + " count(*) FILTER (WHERE q.catalogs LIKE '%,%') AS federated_statements"
          + " FROM log.queries q, unnest(string_split(q.tables, ',')) AS t(table_name)"
          + " WHERE q.tables <> '' GROUP BY t.table_name",
      "CREATE OR REPLACE VIEW workload.\"system\".catalog_pairs AS SELECT catalogs,"
          + " count(*) AS statements, sum(total_ms) AS total_ms,"
          + " sum(total_ms) / greatest(1, date_diff('second', min(started_at), max(started_at))"
          + " / 86400.0) AS ms_per_day FROM log.queries WHERE catalogs LIKE '%,%'"
          + " GROUP BY catalogs");

  private final Path file;
  private final DuckDbDataSource database;
  private final BlockingQueue<StatementRecord> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final Thread writer;
  private volatile boolean closing;
  private long lastPrune;

  private WorkloadLog(Path file, DuckDbDataSource database) {
    this.file = file;
    this.database = database;
    this.writer = new Thread(this::writeLoop, "meridian-workload-log");
    writer.setDaemon(true);
  }

  /** Opens (creating if needed) the log under {@code dataDir}, and starts its writer. */
  public static WorkloadLog open(Path dataDir) throws IOException, SQLException {
    Path dir = Files.createDirectories(dataDir.resolve("workload"));
    Path file = dir.resolve(DATABASE + ".duckdb");
    DuckDbDataSource database = new DuckDbDataSource(file.toString(), false, List.of());
    try (Connection c = database.getConnection(); Statement s = c.createStatement()) {
      for (String ddl : SCHEMA) {
        s.execute(ddl);
      }
    } catch (SQLException e) {
      database.close();
      throw e;
    }
    WorkloadLog log = new WorkloadLog(file, database);
    log.prune();
    log.writer.start();
    LOG.info("Workload log: {} (meridian.system.queries, meridian.system.fragments)", file);
    return log;
  }

  /** Gives the planner the latest observed row count of each filtered scan in the log. */
  public void loadObservationsInto(ObservedCardinalities store) {
    Map<String, Long> observed = new java.util.HashMap<>();
    try (Connection c = database.getConnection(); Statement s = c.createStatement();
         java.sql.ResultSet rs = s.executeQuery("SELECT feedback_key,"
             + " arg_max(actual_rows, started_at) FROM log.fragments"
             + " WHERE feedback_key IS NOT NULL GROUP BY feedback_key")) {
      while (rs.next()) {
        observed.put(rs.getString(1), rs.getLong(2));
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
    if (closing || !queue.offer(statement)) {
      dropped.incrementAndGet();
    }
  }

  /** Returns how many statements were not recorded because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Returns how many statements have been written. */
  public long written() {
    return written.get();
  }

  /** Waits until every statement recorded so far is written (tests, shutdown). */
  public void flush() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!queue.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    synchronized (this) {
      // The writer holds this lock while it writes a batch: taking it waits for the last one.
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
    List<StatementRecord> batch = new ArrayList<>();
    while (!closing || !queue.isEmpty()) {
      try {
        StatementRecord first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, BATCH - 1);
        synchronized (this) {
          write(batch);
        }
        written.addAndGet(batch.size());
        if (System.currentTimeMillis() - lastPrune > PRUNE_EVERY.toMillis()) {
          prune();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (SQLException | RuntimeException e) {
        LOG.warn("Workload log: {} statements not written: {}", batch.size(), e.getMessage());
      } finally {
        batch.clear();
      }
    }
  }

  private void write(List<StatementRecord> batch) throws SQLException {
    try (Connection c = database.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement q = c.prepareStatement("INSERT INTO log.queries (query_id,"
          + " started_at, user_name, connection_id, statement_kind, sql_text, normalized_sql,"
          + " fingerprint, catalogs, tables, placement, fragment_count, plan, first_frame_ms,"
          + " total_ms, rows_sent, status, sql_state, error)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
          PreparedStatement f = c.prepareStatement(
              "INSERT INTO log.fragments (query_id, started_at, fingerprint, fragment, engine,"
                  + " role, estimated_rows, actual_rows, q_error, feedback_key)"
                  + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (StatementRecord r : batch) {
          String id = UUID.randomUUID().toString();
          LocalDateTime started = LocalDateTime.ofInstant(r.startedAt(), ZoneOffset.UTC);
          String normalized = Fingerprints.normalize(r.sql());
          String fingerprint = Fingerprints.of(normalized);
          PlanSummary plan = r.plan();
          q.setString(1, id);
          q.setObject(2, started);
          q.setString(3, r.user());
          q.setString(4, r.connectionId());
          q.setString(5, Fingerprints.kind(normalized));
          q.setString(6, truncate(r.sql()));
          q.setString(7, truncate(normalized));
          q.setString(8, fingerprint);
          q.setString(9, plan == null ? null : String.join(",", plan.catalogs()));
          q.setString(10, plan == null ? null : String.join(",", plan.tables()));
          q.setString(11, plan == null ? null : plan.placement());
          if (plan == null) {
            q.setNull(12, Types.INTEGER);
          } else {
            q.setInt(12, plan.fragments().size());
          }
          q.setString(13, plan == null ? null : truncate(plan.plan()));
          q.setDouble(14, r.firstFrameMs());
          q.setDouble(15, r.totalMs());
          q.setLong(16, r.rows());
          q.setString(17, r.status());
          q.setString(18, r.sqlState());
          q.setString(19, r.error() == null ? null : truncate(r.error()));
          q.addBatch();
          if (plan == null) {
            continue;
          }
          for (PlanSummary.Fragment fragment : plan.fragments()) {
            Long actual = r.fragmentRows().get(fragment.id());
            f.setString(1, id);
            f.setObject(2, started);
            f.setString(3, fingerprint);
            f.setInt(4, fragment.id());
            f.setString(5, fragment.engine());
            f.setString(6, fragment.role());
            f.setDouble(7, fragment.estimatedRows());
            if (actual == null) {
              f.setNull(8, Types.BIGINT);
              f.setNull(9, Types.DOUBLE);
            } else {
              f.setLong(8, actual);
              f.setDouble(9, qError(fragment.estimatedRows(), actual));
            }
            // Only whole counts correct later estimates (and are loaded again at start).
            f.setString(10, actual != null && r.countsAreWhole() ? fragment.feedbackKey() : null);
            f.addBatch();
          }
        }
        q.executeBatch();
        f.executeBatch();
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
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

  /** Applies retention: by age, then by count. */
  private synchronized void prune() {
    lastPrune = System.currentTimeMillis();
    LocalDateTime cutoff = LocalDateTime.now(ZoneOffset.UTC).minus(RETENTION);
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
      }
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
