package io.meridian.server;

import io.meridian.adapter.ThreadScoped;
import io.meridian.adapter.jdbc.BackendTransaction;
import io.meridian.adapter.jdbc.StatementCancellation;
import io.meridian.jdbc.MeridianClientDriver;
import io.meridian.planner.CatalogAccess;
import io.meridian.planner.MeridianDriver;
import io.meridian.planner.workload.FragmentCounters;
import io.meridian.planner.workload.PlanSummary;
import io.meridian.server.config.MeridianConfig;
import io.meridian.server.workload.StatementRecord;
import io.meridian.server.workload.WorkloadLog;

import org.apache.calcite.avatica.ConnectionPropertiesImpl;
import org.apache.calcite.avatica.MissingResultsException;
import org.apache.calcite.avatica.NoSuchConnectionException;
import org.apache.calcite.avatica.NoSuchStatementException;
import org.apache.calcite.avatica.QueryState;
import org.apache.calcite.avatica.jdbc.JdbcMeta;
import org.apache.calcite.avatica.jdbc.StatementInfo;
import org.apache.calcite.avatica.remote.AvaticaRuntimeException;
import org.apache.calcite.avatica.remote.TypedValue;
import org.slf4j.MDC;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import static java.util.Objects.requireNonNull;

/**
 * Avatica's server-side metadata and statement handling over Meridian connections: each remote
 * client connection is one Meridian (Calcite) connection opened on the shared catalogs.
 */
final class MeridianMeta extends JdbcMeta {

  private final MeridianDriver driver;
  private final CatalogMetadata metadata;
  private final PerformanceMonitor monitor = new PerformanceMonitor();
  /** The open transaction of each client connection whose autocommit is off. */
  private final ConcurrentMap<String, BackendTransaction> transactions =
      new ConcurrentHashMap<>();
  /** Where statements are recorded; null when the workload log is off. */
  private final WorkloadLog workload;
  /** The user each client connection gave. */
  private final ConcurrentMap<String, String> users = new ConcurrentHashMap<>();
  /** What each prepared statement was prepared with (text and plan), until it is closed. */
  private final ConcurrentMap<Integer, Prepared> prepared = new ConcurrentHashMap<>();
  /**
   * The backend statements of each client statement that is executing or whose result is
   * still open, by statement id: closing the statement (or its connection) stops them.
   */
  private final ConcurrentMap<Integer, StatementCancellation> executions =
      new ConcurrentHashMap<>();
  /** Statements whose results are still being fetched, by statement id. */
  private final ConcurrentMap<Integer, Trace> running = new ConcurrentHashMap<>();
  /**
   * What each client connection may do, and who opened it, on a server with authentication
   * (the authenticated {@link Caller}); a connection is used only by the user who opened it.
   */
  private final ConcurrentMap<String, Caller> owners = new ConcurrentHashMap<>();
  /** The connection of each statement, so that a statement is used only through it. */
  private final ConcurrentMap<Integer, String> statementConnections = new ConcurrentHashMap<>();
  private final MeridianConfig.Limits limits;
  /** How many statements each user has executing now (with a statement limit only). */
  private final ConcurrentMap<String, java.util.concurrent.atomic.AtomicInteger> executing =
      new ConcurrentHashMap<>();
  /** Each connection's {@value #STATEMENT_TIMEOUT} in seconds, where it set one. */
  private final ConcurrentMap<String, Integer> statementTimeouts = new ConcurrentHashMap<>();

  /**
   * The connection property that limits how long each of its statements may run, in whole
   * seconds (Avatica's {@code Statement.setQueryTimeout} never reaches a server): the backend
   * statements a query sends get what is left of it as their own timeout, so a backend stops
   * its query itself (PostgreSQL is sent a cancel request), and the statement fails with
   * SQLSTATE 57014.
   */
  static final String STATEMENT_TIMEOUT = "statement-timeout";

  /** Fires the server-side deadlines of statements with a {@value #STATEMENT_TIMEOUT}. */
  private static final java.util.concurrent.ScheduledExecutorService TIMEOUTS =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "meridian-statement-timeout");
        t.setDaemon(true);
        return t;
      });

  MeridianMeta(MeridianDriver driver, Properties connectionCacheSettings, WorkloadLog workload,
      MeridianConfig.Limits limits) throws SQLException {
    super(MeridianDriver.CONNECT_STRING_PREFIX, connectionCacheSettings);
    useUtcCalendar();
    this.driver = requireNonNull(driver, "driver");
    this.metadata = new CatalogMetadata(driver.catalogs());
    this.workload = workload;
    this.limits = requireNonNull(limits, "limits");
  }

  /**
   * Makes Avatica decode parameters and encode fetched rows in UTC. {@code JdbcMeta} does both
   * with a calendar in the server JVM's time zone (its first frame, though, in UTC), while
   * Meridian's engine keeps dates and times as UTC wall clocks (connection property
   * {@code timeZone=UTC}): on a server whose zone is not UTC, a timestamp parameter arrived
   * shifted by the zone's offset, a fetch after the first frame returned values shifted the
   * other way, and a wall-clock time the zone skips could not be represented at all. The
   * calendar is package-private in Avatica, so it is reached by reflection.
   */
  private void useUtcCalendar() {
    try {
      java.lang.reflect.Field field = JdbcMeta.class.getDeclaredField("calendar");
      field.setAccessible(true);
      ((java.util.Calendar) field.get(this)).setTimeZone(java.util.TimeZone.getTimeZone("UTC"));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot set Avatica's calendar to UTC", e);
    }
  }

  /** A prepared statement's text and plan. */
  private record Prepared(String sql, PlanSummary plan) {
  }

  /** One execution of a statement, from its start until its last row is fetched. */
  private final class Trace {
    final Instant startedAt = Instant.now();
    final long start = System.nanoTime();
    final String connectionId;
    final FragmentCounters counters = new FragmentCounters();
    String sql;
    PlanSummary plan;
    double firstFrameMs;
    /** Nanoseconds the server spent executing and fetching (not waiting for the client). */
    long busyNanos;
    long rows;

    Trace(String connectionId, String sql) {
      this.connectionId = connectionId;
      this.sql = sql;
    }

    /**
     * Records the statement. {@code complete}: every row of the result was read, so each
     * fragment's count is whole (unless an operator of the plan stops early) and feeds later
     * estimates ({@code ObservedCardinalities}).
     */
    void finish(String status, String sqlState, String error, boolean complete) {
      double totalMs = (System.nanoTime() - start) / 1e6;
      Map<Integer, StatementRecord.FragmentRun> runs = StatementRecord.runs(plan, counters);
      StatementRecord statement = new StatementRecord(startedAt,
          users.getOrDefault(connectionId, "anonymous"), connectionId, sql == null ? "" : sql,
          plan, firstFrameMs == 0 ? totalMs : firstFrameMs, totalMs, busyNanos / 1e6,
          counters.planNanos() / 1e6, rows, status, sqlState, error, runs, complete);
      if (statement.countsAreWhole()) {
        for (PlanSummary.Fragment f : plan.fragments()) {
          StatementRecord.FragmentRun run = runs.get(f.id());
          if (run != null && run.rows() >= 0 && f.feedbackKey() != null) {
            driver.observedCardinalities().record(f.feedbackKey(), run.rows(),
                f.estimatedRows());
          }
        }
      }
      workload.record(statement);
    }
  }

  @Override public void openConnection(ConnectionHandle ch, Map<String, String> info) {
    forgetExpired();
    Caller caller = Caller.CURRENT.get();
    String user = caller != null ? caller.user() : info == null ? null : info.get("user");
    if (user != null && !user.isEmpty()) {
      users.put(ch.id, user);
    }
    String timeout = info == null ? null : info.get(STATEMENT_TIMEOUT);
    if (timeout != null) {
      int seconds;
      try {
        seconds = Integer.parseInt(timeout.trim());
      } catch (NumberFormatException e) {
        seconds = -1;
      }
      if (seconds < 0) {
        throw new IllegalArgumentException("connection property " + STATEMENT_TIMEOUT
            + " must be a whole number of seconds (0 for none), not '" + timeout + "'");
      }
      if (seconds > 0) {
        statementTimeouts.put(ch.id, seconds);
      }
    }
    super.openConnection(ch, info);
    if (caller != null) {
      owners.put(ch.id, caller);
    }
  }

  /**
   * Forgets what it kept about connections and statements that Avatica's caches expired (idle
   * for too long) without a close call.
   */
  private void forgetExpired() {
    java.util.Set<String> open = getConnectionCache().asMap().keySet();
    owners.keySet().retainAll(open);
    users.keySet().retainAll(open);
    statementTimeouts.keySet().retainAll(open);
    java.util.Set<Integer> statements = getStatementCache().asMap().keySet();
    statementConnections.keySet().retainAll(statements);
    executions.keySet().retainAll(statements);
    prepared.keySet().retainAll(statements);
  }

  /**
   * The server-side statement of Avatica's {@link StatementInfo}, which Avatica keeps
   * package-private and offers no accessor for.
   */
  private static final java.lang.reflect.Field STATEMENT_OF_INFO;

  static {
    try {
      STATEMENT_OF_INFO = StatementInfo.class.getDeclaredField("statement");
      STATEMENT_OF_INFO.setAccessible(true);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Gives the statement its connection's timeout before it runs. */
  private void applyTimeout(StatementHandle h) {
    Integer seconds = statementTimeouts.get(h.connectionId);
    StatementInfo info = seconds == null ? null : getStatementCache().getIfPresent(h.id);
    if (info != null) {
      try {
        ((java.sql.Statement) STATEMENT_OF_INFO.get(info)).setQueryTimeout(seconds);
      } catch (SQLException | IllegalAccessException e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    }
  }

  // Ownership: with authentication, every call names a connection (and maybe a statement) by
  // an id the client sends; it must be one the calling user opened, else it is treated as
  // unknown, so that one user can neither use nor learn of another's connections.

  /**
   * Returns what the connection may do, after checking that the caller (if any) opened it.
   */
  private CatalogAccess access(String connectionId) {
    Caller caller = Caller.CURRENT.get();
    if (caller == null) {
      return CatalogAccess.ALL;
    }
    Caller owner = owners.get(connectionId);
    if (owner == null || !owner.user().equals(caller.user())) {
      throw new NoSuchConnectionException(
          "Connection not found: invalid id, closed, or expired: " + connectionId);
    }
    return owner.access();
  }

  /** Checks that the statement belongs to its handle's connection, and that to the caller. */
  private void checkStatement(StatementHandle h) {
    checkStatementConnection(h);
    access(h.connectionId);
  }

  private void checkStatementConnection(StatementHandle h) {
    String connection = statementConnections.get(h.id);
    if (connection != null && !connection.equals(h.connectionId)) {
      throw new NoSuchConnectionException(
          "Connection not found: invalid id, closed, or expired: " + h.connectionId);
    }
  }

  @Override public boolean syncResults(StatementHandle sh, QueryState state, long offset)
      throws NoSuchStatementException {
    checkStatement(sh);
    return super.syncResults(sh, state, offset);
  }

  @Override protected Connection getConnection(String id) throws SQLException {
    access(id);
    return super.getConnection(id);
  }

  @Override public StatementHandle createStatement(ConnectionHandle ch) {
    StatementHandle h = super.createStatement(ch);
    statementConnections.put(h.id, ch.id);
    return h;
  }

  // Metadata: catalogs are JDBC catalogs, backend schemas JDBC schemas (see CatalogMetadata);
  // a connection is shown the catalogs it may read.

  @Override public MetaResultSet getCatalogs(ConnectionHandle ch) {
    return metadata.catalogs(ch.id, access(ch.id));
  }

  @Override public MetaResultSet getSchemas(ConnectionHandle ch, String catalog,
      Pat schemaPattern) {
    return metadata.schemas(ch.id, access(ch.id), catalog, schemaPattern);
  }

  @Override public MetaResultSet getTables(ConnectionHandle ch, String catalog,
      Pat schemaPattern, Pat tableNamePattern, List<String> typeList) {
    return metadata.tables(ch.id, access(ch.id), catalog, schemaPattern, tableNamePattern,
        typeList);
  }

  @Override public MetaResultSet getColumns(ConnectionHandle ch, String catalog,
      Pat schemaPattern, Pat tableNamePattern, Pat columnNamePattern) {
    return metadata.columns(ch.id, access(ch.id), catalog, schemaPattern, tableNamePattern,
        columnNamePattern);
  }

  // Keys and indexes: Avatica's protocol has no request for them (its client answers
  // getPrimaryKeys and the like with an empty result without asking), so Meridian's client
  // driver sends them as a metadata call (MeridianClientDriver.METADATA_CALL) in place of SQL.

  @Override public MetaResultSet getPrimaryKeys(ConnectionHandle ch, String catalog,
      String schema, String table) {
    return metadata.primaryKeys(ch.id, access(ch.id), catalog, schema, table);
  }

  @Override public MetaResultSet getImportedKeys(ConnectionHandle ch, String catalog,
      String schema, String table) {
    return metadata.importedKeys(ch.id, access(ch.id), catalog, schema, table);
  }

  @Override public MetaResultSet getExportedKeys(ConnectionHandle ch, String catalog,
      String schema, String table) {
    return metadata.exportedKeys(ch.id, access(ch.id), catalog, schema, table);
  }

  @Override public MetaResultSet getIndexInfo(ConnectionHandle ch, String catalog,
      String schema, String table, boolean unique, boolean approximate) {
    return metadata.indexInfo(ch.id, access(ch.id), catalog, schema, table, unique,
        approximate);
  }

  /**
   * Answers a metadata call of Meridian's client driver
   * ({@code MeridianClientDriver.METADATA_CALL} and a JSON array: the method, then its
   * arguments) with the result, as the statement's result set.
   */
  private ExecuteResult metadataCall(StatementHandle h, String sql) {
    checkStatement(h);
    List<String> call;
    try {
      call = new com.fasterxml.jackson.databind.ObjectMapper().readValue(
          sql.substring(MeridianClientDriver.METADATA_CALL.length()),
          new com.fasterxml.jackson.core.type.TypeReference<List<String>>() { });
    } catch (java.io.IOException e) {
      throw new AvaticaRuntimeException("malformed metadata call: " + e.getMessage(), -1,
          "42601", org.apache.calcite.avatica.AvaticaSeverity.ERROR);
    }
    ConnectionHandle ch = new ConnectionHandle(h.connectionId);
    String method = call.isEmpty() ? "" : call.get(0);
    MetaResultSet result;
    switch (call.size() == 4 || call.size() == 6 ? method : "") {
    case "getPrimaryKeys":
      result = getPrimaryKeys(ch, call.get(1), call.get(2), call.get(3));
      break;
    case "getImportedKeys":
      result = getImportedKeys(ch, call.get(1), call.get(2), call.get(3));
      break;
    case "getExportedKeys":
      result = getExportedKeys(ch, call.get(1), call.get(2), call.get(3));
      break;
    case "getIndexInfo":
      result = getIndexInfo(ch, call.get(1), call.get(2), call.get(3),
          Boolean.parseBoolean(call.get(4)), Boolean.parseBoolean(call.get(5)));
      break;
    default:
      throw new AvaticaRuntimeException("unknown metadata call: " + call, -1, "42601",
          org.apache.calcite.avatica.AvaticaSeverity.ERROR);
    }
    return new ExecuteResult(List.of(MetaResultSet.create(h.connectionId, h.id, false,
        result.signature, result.firstFrame)));
  }

  @Override public MetaResultSet getTableTypes(ConnectionHandle ch) {
    access(ch.id);
    return metadata.tableTypes(ch.id);
  }

  @Override protected Connection createConnection(String url, Properties info)
      throws SQLException {
    Properties clientInfo = new Properties();
    // The client's credentials are for the Meridian server, never for the backends.
    info.stringPropertyNames().stream()
        .filter(k -> !k.equalsIgnoreCase("password") && !k.equalsIgnoreCase("user"))
        .forEach(k -> clientInfo.setProperty(k, info.getProperty(k)));
    // Called from openConnection, on the thread of the caller who opens it.
    Caller caller = Caller.CURRENT.get();
    return driver.open(clientInfo, caller == null ? CatalogAccess.ALL : caller.access());
  }

  // Transactions: autocommit off starts a BackendTransaction for the connection; its statements
  // run with it current, so that each catalog they touch is one pinned backend connection.

  @Override public ConnectionProperties connectionSync(ConnectionHandle ch,
      ConnectionProperties connProps) {
    Boolean autoCommit = connProps.isAutoCommit();
    if (Boolean.FALSE.equals(autoCommit)) {
      transactions.computeIfAbsent(ch.id, id -> new BackendTransaction());
    } else if (Boolean.TRUE.equals(autoCommit)) {
      // JDBC: switching autocommit on commits the open transaction.
      BackendTransaction transaction = transactions.remove(ch.id);
      if (transaction != null) {
        end(transaction, true);
      }
    }
    ConnectionProperties props = super.connectionSync(ch, connProps);
    // Report the session's real mode (Calcite's own connection starts with autocommit unset,
    // which the client would read as off and then never send "off" when asked).
    // A copy, marked clean: Avatica's client sends a sync before every statement it creates
    // for as long as the properties it last received are marked dirty (one more HTTP round
    // trip per statement).
    return new ConnectionPropertiesImpl(!transactions.containsKey(ch.id), props.isReadOnly(),
        props.getTransactionIsolation(), props.getCatalog(), props.getSchema()).setDirty(false);
  }

  @Override public void commit(ConnectionHandle ch) {
    BackendTransaction transaction = transactions.get(ch.id);
    if (transaction != null) {
      end(transaction, true);
    }
  }

  @Override public void rollback(ConnectionHandle ch) {
    BackendTransaction transaction = transactions.get(ch.id);
    if (transaction != null) {
      end(transaction, false);
    }
  }

  @Override public void closeConnection(ConnectionHandle ch) {
    if (owners.containsKey(ch.id)) {
      access(ch.id); // closing a connection that is gone already is no error
    }
    BackendTransaction transaction = transactions.remove(ch.id);
    if (transaction != null) {
      transaction.rollback();
    }
    statementConnections.forEach((statement, connection) -> {
      if (connection.equals(ch.id)) {
        StatementCancellation cancellation = executions.remove(statement);
        if (cancellation != null) {
          cancellation.cancel();
        }
      }
    });
    running.entrySet().removeIf(e -> {
      if (e.getValue().connectionId.equals(ch.id)) {
        e.getValue().finish("ok", null, null, false);
        return true;
      }
      return false;
    });
    users.remove(ch.id);
    statementTimeouts.remove(ch.id);
    statementConnections.values().removeIf(ch.id::equals);
    super.closeConnection(ch);
    owners.remove(ch.id);
  }

  private static void end(BackendTransaction transaction, boolean commit) {
    try {
      if (commit) {
        transaction.commit();
      } else {
        transaction.rollback();
      }
    } catch (SQLException e) {
      throw ErrorTranslator.translate(e);
    }
  }

  /** A statement failed: a transaction it ran in is rolled back (as PostgreSQL does). */
  private static RuntimeException failed(BackendTransaction transaction, Throwable e) {
    AvaticaRuntimeException translated = ErrorTranslator.translate(e);
    if (transaction != null) {
      transaction.abort(translated.getErrorMessage());
    }
    return translated;
  }

  /** Closes every client connection (and with it its statements), for shutdown. */
  void closeAllConnections() {
    transactions.values().forEach(BackendTransaction::rollback);
    transactions.clear();
    running.values().forEach(t -> t.finish("ok", null, null, false));
    running.clear();
    getConnectionCache().invalidateAll();
    getConnectionCache().cleanUp();
  }

  // Every entry point that runs SQL reports failures through ErrorTranslator, so that the
  // client gets one clear message with a SQL state instead of a chain of wrapped exceptions.

  @Override public StatementHandle prepare(ConnectionHandle ch, String sql, long maxRowCount) {
    try {
      PlanSummary.takeLast();
      StatementHandle h = super.prepare(ch, sql, maxRowCount);
      statementConnections.put(h.id, ch.id);
      PlanSummary plan = PlanSummary.takeLast();
      prepared.put(h.id, new Prepared(sql, plan));
      return h;
    } catch (RuntimeException | AssertionError | StackOverflowError e) {
      throw ErrorTranslator.translate(e);
    }
  }

  @Override public void closeStatement(StatementHandle h) {
    checkStatementConnection(h);
    if (owners.containsKey(h.connectionId)) {
      access(h.connectionId); // closing a statement that is gone already is no error
    }
    statementConnections.remove(h.id);
    prepared.remove(h.id);
    // Closed while it runs (from another thread) or before its result was read to the end:
    // whatever its backends still run for it is stopped there.
    StatementCancellation cancellation = executions.remove(h.id);
    if (cancellation != null) {
      cancellation.cancel();
    }
    Trace trace = running.remove(h.id);
    if (trace != null) {
      trace.finish("ok", null, null, false);
    }
    super.closeStatement(h);
  }

  @Override public ExecuteResult prepareAndExecute(StatementHandle h, String sql,
      long maxRowCount, int maxRowsInFirstFrame, PrepareCallback callback)
      throws NoSuchStatementException {
    if (sql.startsWith(MeridianClientDriver.METADATA_CALL)) {
      return metadataCall(h, sql);
    }
    applyTimeout(h);
    return monitored(h, sql, () -> this.<ExecuteResult, NoSuchStatementException,
        RuntimeException>inTransaction(h, () -> withFullFirstFrame(h,
            super.prepareAndExecute(h, sql, maxRowCount, firstFrameRows(maxRowsInFirstFrame),
                callback))));
  }

  @Override public ExecuteResult execute(StatementHandle h, List<TypedValue> parameterValues,
      int maxRowsInFirstFrame) throws NoSuchStatementException {
    applyTimeout(h);
    return monitored(h, null, () -> this.<ExecuteResult, NoSuchStatementException,
        RuntimeException>inTransaction(h,
            () -> withFullFirstFrame(h, super.execute(h, parameterValues,
                firstFrameRows(maxRowsInFirstFrame)))));
  }

  /** Returns what this server has run ({@code /metrics}). */
  PerformanceMonitor monitor() {
    return monitor;
  }

  /**
   * Runs a statement's execution, recording its latency, rows and failure ({@code /metrics})
   * and, with the workload log on, the statement: at once when its result is complete, else
   * when its last row is fetched or it is closed.
   *
   * @param sql the statement's text, or null for a prepared statement's execution
   */
  private ExecuteResult monitored(StatementHandle h, String sql,
      StatementCall<ExecuteResult, NoSuchStatementException, RuntimeException> call)
      throws NoSuchStatementException {
    String user = users.getOrDefault(h.connectionId, "anonymous");
    admit(user);
    StatementCancellation cancellation = new StatementCancellation();
    StatementCancellation previousExecution = executions.put(h.id, cancellation);
    if (previousExecution != null) {
      previousExecution.cancel(); // the statement runs again: its last result is gone
    }
    Integer timeout = statementTimeouts.get(h.connectionId);
    // Besides the timeout each backend statement gets, a server-side deadline: it also stops
    // what the DuckDB engine runs (its inputs' reads and its own query).
    java.util.concurrent.ScheduledFuture<?> deadline = timeout == null ? null
        : TIMEOUTS.schedule(cancellation::cancel, timeout, java.util.concurrent.TimeUnit.SECONDS);
    long start = monitor.started();
    String failed = null;
    Trace trace = null;
    if (workload != null) {
      Trace previous = running.remove(h.id);
      if (previous != null) {
        previous.finish("ok", null, null, false);
      }
      trace = new Trace(h.connectionId, sql);
      if (sql == null) {
        Prepared p = prepared.get(h.id);
        trace.sql = p == null ? null : p.sql();
        trace.plan = p == null ? null : p.plan();
      }
    }
    PlanSummary.takeLast();
    boolean open = false;
    String engine = null;
    try (ThreadScoped.Scope logged = logContext(h);
         ThreadScoped.Scope scope = trace == null ? null : trace.counters.enter();
         ThreadScoped.Scope cancellable = cancellation.enter()) {
      ExecuteResult result = call.run();
      if (trace != null) {
        trace.busyNanos += System.nanoTime() - trace.start;
      }
      long rows = 0;
      boolean done = true;
      for (MetaResultSet set : result.resultSets) {
        if (set.firstFrame != null) {
          rows += count(set.firstFrame);
          done &= set.firstFrame.done;
        }
      }
      monitor.rowsSent(rows);
      open = !done;
      PlanSummary plan = sql != null ? PlanSummary.takeLast()
          : prepared.containsKey(h.id) ? prepared.get(h.id).plan() : null;
      engine = plan == null ? null : plan.resultEngine();
      if (trace != null) {
        if (sql != null) {
          trace.plan = plan;
        }
        trace.rows = rows;
        trace.firstFrameMs = (System.nanoTime() - trace.start) / 1e6;
        if (done) {
          trace.finish("ok", null, null, true);
        } else {
          running.put(h.id, trace);
        }
      }
      return result;
    } catch (AvaticaRuntimeException e) {
      failed = e.getSqlState();
      if (trace != null) {
        trace.finish(isCancellation(e) ? "cancelled" : "error", failed, e.getErrorMessage(),
            false);
      }
      throw e;
    } catch (RuntimeException e) {
      failed = "HY000";
      if (trace != null) {
        trace.finish("error", failed, String.valueOf(e.getMessage()), false);
      }
      throw e;
    } finally {
      if (deadline != null) {
        deadline.cancel(false);
      }
      if (!open) {
        executions.remove(h.id, cancellation);
      }
      monitor.finished(start, failed, engine);
      release(user);
    }
  }

  /**
   * Counts a statement of the user as executing, refusing it (SQL state 53400) when the user
   * already has as many executing as {@link MeridianConfig.Limits#statementsPerUser} allows.
   */
  private void admit(String user) {
    int most = limits.statementsPerUser();
    if (most == 0) {
      return;
    }
    java.util.concurrent.atomic.AtomicInteger count = executing.computeIfAbsent(user,
        u -> new java.util.concurrent.atomic.AtomicInteger());
    if (count.incrementAndGet() > most) {
      count.decrementAndGet();
      monitor.finished(monitor.started(), "53400", null);
      throw new AvaticaRuntimeException("user '" + user + "' already has " + most
          + " statements executing, as many as server.max-statements-per-user allows; run"
          + " this one when one of them has finished", -1, "53400",
          org.apache.calcite.avatica.AvaticaSeverity.ERROR);
    }
  }

  private void release(String user) {
    if (limits.statementsPerUser() != 0) {
      executing.get(user).decrementAndGet();
    }
  }

  /**
   * Puts the statement's user, connection (the first 8 characters of its id) and statement id
   * into the logging context (SLF4J's MDC) while the server works for it, so that every line
   * logged meanwhile says whose statement it concerns (fields of the JSON log lines).
   */
  private ThreadScoped.Scope logContext(StatementHandle h) {
    MDC.put("user", users.getOrDefault(h.connectionId, "anonymous"));
    MDC.put("connection", h.connectionId.length() > 8 ? h.connectionId.substring(0, 8)
        : h.connectionId);
    MDC.put("statement", Integer.toString(h.id));
    return () -> {
      MDC.remove("user");
      MDC.remove("connection");
      MDC.remove("statement");
    };
  }

  private static boolean isCancellation(AvaticaRuntimeException e) {
    String m = String.valueOf(e.getErrorMessage()).toLowerCase(java.util.Locale.ROOT);
    return m.contains("cancel") || "57014".equals(e.getSqlState());
  }

  private static long count(Frame frame) {
    long n = 0;
    for (Object ignored : frame.rows) {
      n++;
    }
    return n;
  }

  /**
   * Fills the first frame of each result up to {@link #MIN_FETCH_ROWS} rows. {@code JdbcMeta}
   * never puts more than 100 rows in the frame that comes back with the execute call, so any
   * larger result cost the client a second round trip before its 101st row (about a millisecond
   * and a half on loopback, a tenth of a typical DuckDB query); the rows already read are kept
   * and the rest read from the same cursor.
   */
  private ExecuteResult withFullFirstFrame(StatementHandle h, ExecuteResult result)
      throws NoSuchStatementException {
    if (result.resultSets.size() != 1) {
      return result;
    }
    MetaResultSet first = result.resultSets.get(0);
    Frame frame = first.firstFrame;
    if (frame == null || frame.done) {
      return result;
    }
    List<Object> rows = new ArrayList<>();
    frame.rows.forEach(rows::add);
    if (rows.size() >= MIN_FETCH_ROWS) {
      return result;
    }
    Frame more;
    try {
      more = super.fetch(h, frame.offset + rows.size(), MIN_FETCH_ROWS - rows.size());
    } catch (MissingResultsException e) {
      throw new IllegalStateException("the result just opened is gone", e);
    }
    more.rows.forEach(rows::add);
    Frame combined = new Frame(frame.offset, more.done, rows);
    return new ExecuteResult(List.of(MetaResultSet.create(first.connectionId,
        first.statementId, first.ownStatement, first.signature, combined)));
  }

  /**
   * The fewest rows a fetch returns (unless the result ends first). Avatica's client asks for
   * 100 rows a round trip unless told otherwise, which makes a result of 20,000 rows cost 200
   * HTTP round trips; a larger frame costs one.
   */
  static final int MIN_FETCH_ROWS = 8192;

  /**
   * The most rows one frame holds, whatever the client asks: Avatica reads a frame whole into
   * the server's memory before sending it, and a client asking for every row at once (a fetch
   * size of -1, or {@code Integer.MAX_VALUE}) would make the server hold the entire result.
   * A larger result simply takes more frames.
   */
  static final int MAX_FRAME_ROWS = 65_536;

  /** The rows a fetch reads: at least {@link #MIN_FETCH_ROWS}, at most {@link #MAX_FRAME_ROWS}. */
  static int frameRows(int requested) {
    if (requested == 0) {
      return 0;
    }
    return requested < 0 ? MAX_FRAME_ROWS
        : Math.min(Math.max(requested, MIN_FETCH_ROWS), MAX_FRAME_ROWS);
  }

  /** The first frame's rows: never "all of them" ({@code JdbcMeta.UNLIMITED_COUNT}). */
  private static int firstFrameRows(int requested) {
    return requested == UNLIMITED_COUNT ? MAX_FRAME_ROWS : requested;
  }

  @Override public Frame fetch(StatementHandle h, long offset, int fetchMaxRowCount)
      throws NoSuchStatementException, MissingResultsException {
    int rows = frameRows(fetchMaxRowCount);
    Trace trace = running.get(h.id);
    StatementCancellation cancellation = executions.get(h.id);
    Frame frame;
    long fetchStart = System.nanoTime();
    try (ThreadScoped.Scope logged = logContext(h);
         ThreadScoped.Scope scope = trace == null ? null : trace.counters.enter();
         ThreadScoped.Scope cancellable = cancellation == null ? null : cancellation.enter()) {
      frame = this.<Frame, NoSuchStatementException, MissingResultsException>inTransaction(h,
          () -> super.fetch(h, offset, rows));
      if (frame.done && cancellation != null) {
        executions.remove(h.id, cancellation);
      }
      if (trace != null) {
        trace.busyNanos += System.nanoTime() - fetchStart;
      }
    } catch (AvaticaRuntimeException e) {
      if (trace != null && running.remove(h.id) != null) {
        trace.finish(isCancellation(e) ? "cancelled" : "error", e.getSqlState(),
            e.getErrorMessage(), false);
      }
      throw e;
    }
    long n = count(frame);
    monitor.rowsSent(n);
    if (trace != null) {
      trace.rows += n;
      if (frame.done && running.remove(h.id) != null) {
        trace.finish("ok", null, null, true);
      }
    }
    return frame;
  }

  @Override public ExecuteBatchResult prepareAndExecuteBatch(StatementHandle h,
      List<String> sqlCommands) throws NoSuchStatementException {
    return inTransaction(h, () -> super.prepareAndExecuteBatch(h, sqlCommands));
  }

  @Override public ExecuteBatchResult executeBatch(StatementHandle h,
      List<List<TypedValue>> parameterValues) throws NoSuchStatementException {
    return inTransaction(h, () -> super.executeBatch(h, parameterValues));
  }

  /** A statement's work, which may throw the checked exceptions of the {@code Meta} call. */
  private interface StatementCall<T, E1 extends Exception, E2 extends Exception> {
    T run() throws E1, E2;
  }

  /**
   * Runs a statement's work with its connection's transaction (if any) current, and reports a
   * failure through {@link ErrorTranslator}, rolling that transaction back.
   */
  private <T, E1 extends Exception, E2 extends Exception> T inTransaction(StatementHandle h,
      StatementCall<T, E1, E2> call) throws E1, E2 {
    checkStatement(h);
    BackendTransaction transaction = transactions.get(h.connectionId);
    try (ThreadScoped.Scope scope = BackendTransaction.enter(transaction)) {
      return call.run();
    } catch (RuntimeException | AssertionError | StackOverflowError e) {
      throw failed(transaction, e);
    }
  }
}
