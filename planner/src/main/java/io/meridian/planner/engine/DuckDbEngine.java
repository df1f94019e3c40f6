package io.meridian.planner.engine;

import io.meridian.adapter.ThreadScoped;
import io.meridian.adapter.duckdb.DuckDbDataSource;
import io.meridian.adapter.jdbc.BackendTransaction;
import io.meridian.adapter.jdbc.CatalogDataSource;
import io.meridian.adapter.jdbc.StatementCancellation;
import io.meridian.planner.workload.FragmentCounters;

import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The embedded DuckDB processing engine: a DuckDB database in memory, in Meridian's process,
 * that runs the part of a plan that spans backends (joins, aggregates, sorts) over intermediate
 * results the backends return. Each input arrives as an Arrow stream
 * ({@link ArrowShipment}, registered with {@code DuckDBConnection.registerArrowStream}) under
 * the name {@code m_in_<i>}; the subplan is one SQL statement over those names, written at
 * planning time ({@code EngineExecution}).
 *
 * <p>Each execution has its own connection (a duplicate of the instance's root connection), so
 * the input names of concurrent executions do not meet.
 */
public final class DuckDbEngine {
  private static final Logger LOG = LoggerFactory.getLogger(DuckDbEngine.class);
  /** The name of input {@code i} in the SQL an execution runs. */
  public static final String INPUT_PREFIX = "m_in_";

  private static final DuckDbEngine SHARED = new DuckDbEngine();

  /**
   * Threads that read an execution's inputs from their backends at the same time as the
   * calling thread (daemon threads, made as needed, ended after a minute idle).
   */
  private static final java.util.concurrent.ExecutorService READERS =
      java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "meridian-engine-reader");
        t.setDaemon(true);
        return t;
      });

  private final DuckDbDataSource database =
      new DuckDbDataSource(":memory:", false, List.of());
  private final BufferAllocator allocator = new RootAllocator();

  private DuckDbEngine() {
  }

  /** Returns the allocator of the Arrow data the engines of this process ship. */
  static BufferAllocator allocator() {
    return SHARED.allocator;
  }

  /** Returns the engine every connection of this process shares. */
  public static DuckDbEngine shared() {
    return SHARED;
  }

  /** Returns the name of input {@code i}. */
  public static String inputName(int i) {
    return INPUT_PREFIX + i;
  }

  /**
   * Returns the name of column {@code j} of input {@code i}: unique across inputs, so that the
   * columns of joined inputs never share a name in the statement's derived tables.
   */
  public static String columnName(int i, int j) {
    return "c" + i + "_" + j;
  }

  /**
   * Checks that the engine accepts a statement over inputs of the given columns: creates empty
   * tables of those columns under the input names and prepares the statement. Returns the
   * number of columns the statement returns.
   *
   * @throws SQLException if DuckDB cannot prepare it (a function it lacks, say)
   */
  public int check(String sql, List<List<EngineColumn>> inputs) throws SQLException {
    try (Connection c = database.getConnection(); Statement s = c.createStatement()) {
      for (int i = 0; i < inputs.size(); i++) {
        StringBuilder ddl = new StringBuilder("CREATE TEMPORARY TABLE ")
            .append(inputName(i)).append(" (");
        List<EngineColumn> columns = inputs.get(i);
        for (int j = 0; j < columns.size(); j++) {
          ddl.append(j > 0 ? ", " : "").append(columnName(i, j)).append(' ')
              .append(sqlType(columns.get(j)));
        }
        s.execute(ddl.append(')').toString());
      }
      try (PreparedStatement p = c.prepareStatement(sql)) {
        return p.getMetaData().getColumnCount();
      }
    }
  }

  private static String sqlType(EngineColumn column) {
    switch (column.type()) {
    case CHAR:
      return "VARCHAR";
    case FLOAT:
      return "DOUBLE";
    case DECIMAL:
      return "DECIMAL(" + column.precision() + ", " + column.scale() + ")";
    default:
      return column.type().getName();
    }
  }

  /**
   * What an engine execution runs, fixed at planning time: the statement over the inputs, how
   * each input reaches the engine, the reductions of inputs by others' keys, the order in which
   * the inputs are read (a reduction's source before its target), and the result's columns.
   */
  public record Plan(String sql, List<EngineInput> inputs, List<KeyReduction> reductions,
      List<Integer> readOrder, List<EngineColumn> output) {
    public Plan {
      inputs = List.copyOf(inputs);
      reductions = List.copyOf(reductions);
      readOrder = List.copyOf(readOrder);
      output = List.copyOf(output);
    }

    /** Returns the reductions of input {@code target} (none, one, or one per key column). */
    public List<KeyReduction> reductionsOf(int target) {
      return reductions.stream().filter(r -> r.target() == target).toList();
    }
  }

  /**
   * Runs a plan; called by generated code. Each input is read whole and shipped as Arrow;
   * inputs that do not wait for each other's keys are read from their backends at the same time
   * ({@link #readWave}; in the calling thread alone when a client transaction pins the backends'
   * connections to it); the result is read as it is produced.
   *
   * @param inputs for each input of the plan: an {@link Enumerable} of rows (arrays, or bare
   *     values where the input is scalar) for {@link EngineInput.Source#JVM}, the backend's
   *     {@link javax.sql.DataSource} for the others, null for an input read with another
   */
  public static Enumerable<Object[]> execute(Plan plan, Object[] inputs) {
    return new AbstractEnumerable<>() {
      @Override public Enumerator<Object[]> enumerator() {
        return SHARED.open(plan, inputs);
      }
    };
  }

  private Enumerator<Object[]> open(Plan plan, Object[] inputs) {
    BufferAllocator queryAllocator = allocator.newChildAllocator("query", 0, Long.MAX_VALUE);
    ArrowShipment[] shipments = new ArrowShipment[inputs.length];
    List<ArrowShipment> owned = new ArrayList<>();
    List<ArrowArrayStream> streams = new ArrayList<>();
    DuckDBConnection connection = null;
    try {
      long shippedRows = 0;
      long shippedBytes = 0;
      boolean parallel = BackendTransaction.current() == null;
      for (List<Integer> wave : waves(plan)) {
        List<Integer> reads = new ArrayList<>();
        for (int i : wave) {
          EngineInput input = plan.inputs().get(i);
          if (input.sameAs() >= 0) {
            shipments[i] = shipments[input.sameAs()];
          } else {
            reads.add(i);
          }
        }
        readWave(plan, reads, inputs, shipments, queryAllocator, owned, parallel);
        for (int i : reads) {
          shippedRows += shipments[i].rows();
          shippedBytes += shipments[i].bytes();
        }
      }
      LOG.debug("DuckDB engine: {} input(s), {} rows, {} bytes of Arrow", inputs.length,
          shippedRows, shippedBytes);
      connection = (DuckDBConnection) database.getConnection();
      for (int i = 0; i < shipments.length; i++) {
        streams.add(registerArrow(connection, inputName(i), shipments[i], i, queryAllocator));
      }
      Statement statement = connection.createStatement();
      StatementCancellation.register(statement);
      ResultSet resultSet = statement.executeQuery(plan.sql());
      DuckDBConnection used = connection;
      return new ResultRows(resultSet, plan.output(), "the DuckDB engine", () -> {
        try {
          statement.close();
        } catch (SQLException e) {
          LOG.debug("closing a DuckDB engine statement", e);
        }
        release(used, owned, streams, queryAllocator);
      });
    } catch (SQLException | RuntimeException e) {
      release(connection, owned, streams, queryAllocator);
      if (e instanceof RuntimeException) {
        throw (RuntimeException) e;
      }
      // An input's backend reports itself (a catalog that is down names the catalog); a
      // failure of the engine's own statement says it is the engine's.
      throw new IllegalStateException(connection == null ? e.getMessage()
          : "the DuckDB engine failed: " + e.getMessage(), e);
    }
  }

  /**
   * The inputs in waves: each input in the first wave whose inputs (a reduction's source, the
   * input whose rows it shares) are all in earlier waves; within a wave, in read order.
   */
  static List<List<Integer>> waves(Plan plan) {
    List<List<Integer>> waves = new ArrayList<>();
    Set<Integer> done = new java.util.HashSet<>();
    while (done.size() < plan.readOrder().size()) {
      List<Integer> wave = new ArrayList<>();
      for (int i : plan.readOrder()) {
        EngineInput input = plan.inputs().get(i);
        boolean ready = !done.contains(i)
            && (input.sameAs() < 0 || done.contains(input.sameAs()))
            && plan.reductionsOf(i).stream().allMatch(r -> done.contains(r.source()));
        if (ready) {
          wave.add(i);
        }
      }
      if (wave.isEmpty()) {
        throw new IllegalStateException("the engine's inputs depend on each other in a cycle");
      }
      done.addAll(wave);
      waves.add(wave);
    }
    return waves;
  }

  /**
   * Reads the inputs of one wave into {@code shipments} (no input of a wave reads another's).
   * With {@code parallel} (no client transaction pins the backends' connections to this thread)
   * and two or more inputs from backends, those are read at the same time, one in this thread
   * and the others on reader threads that carry this statement's cancellation and counters;
   * inputs from the JVM are read in this thread. Each input read is added to {@code owned} as
   * soon as it is read, so that a failure releases it. The time the parallel reads overlapped
   * is taken off their counted times, in proportion, so that the counted reads add up to the
   * wall time they took (calibration subtracts them from the engine's).
   */
  private static void readWave(Plan plan, List<Integer> reads, Object[] inputs,
      ArrowShipment[] shipments, BufferAllocator allocator, List<ArrowShipment> owned,
      boolean parallel) throws SQLException {
    List<Integer> fromBackends = reads.stream()
        .filter(i -> plan.inputs().get(i).source() != EngineInput.Source.JVM).toList();
    if (!parallel || fromBackends.size() < 2) {
      for (int i : reads) {
        readOwned(plan, i, inputs, shipments, allocator, owned);
      }
      return;
    }
    StatementCancellation cancellation = StatementCancellation.current();
    FragmentCounters counters = FragmentCounters.current();
    long waveStart = System.nanoTime();
    Map<Integer, java.util.concurrent.Future<Long>> others = new LinkedHashMap<>();
    Map<Integer, Long> nanos = new LinkedHashMap<>();
    Throwable failure = null;
    try {
      for (int i : fromBackends.subList(1, fromBackends.size())) {
        others.put(i, READERS.submit(() -> {
          try (ThreadScoped.Scope c = cancellation == null ? null : cancellation.enter();
               ThreadScoped.Scope f = counters == null ? null : counters.enter()) {
            return readOwned(plan, i, inputs, shipments, allocator, owned);
          }
        }));
      }
      for (int i : reads) {
        if (!others.containsKey(i)) {
          nanos.put(i, readOwned(plan, i, inputs, shipments, allocator, owned));
        }
      }
    } catch (SQLException | RuntimeException e) {
      failure = e;
    }
    for (Map.Entry<Integer, java.util.concurrent.Future<Long>> other : others.entrySet()) {
      try {
        nanos.put(other.getKey(), other.getValue().get());
      } catch (java.util.concurrent.ExecutionException e) {
        if (failure == null) {
          failure = e.getCause();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        if (failure == null) {
          failure = new SQLException("interrupted while reading the engine's inputs", "57014",
              e);
        }
      }
    }
    if (failure instanceof SQLException) {
      throw (SQLException) failure;
    } else if (failure instanceof RuntimeException) {
      throw (RuntimeException) failure;
    } else if (failure != null) {
      throw new IllegalStateException(failure);
    }
    long wall = System.nanoTime() - waveStart;
    long sum = fromBackends.stream().mapToLong(nanos::get).sum();
    if (sum > wall) {
      for (int i : fromBackends) {
        FragmentCounters.add(plan.inputs().get(i).fragmentId(), 0,
            -(long) ((double) nanos.get(i) * (sum - wall) / sum), false);
      }
    }
    LOG.debug("inputs {} read at the same time: {} ms of reads in {} ms", fromBackends,
        sum / 1_000_000, wall / 1_000_000);
  }

  /**
   * Reads input {@code i} into {@code shipments}, adds it to {@code owned} (released on
   * failure), and returns the nanoseconds the read took.
   */
  private static long readOwned(Plan plan, int i, Object[] inputs, ArrowShipment[] shipments,
      BufferAllocator allocator, List<ArrowShipment> owned) throws SQLException {
    long start = System.nanoTime();
    ArrowShipment shipment = read(plan, i, inputs[i], shipments, allocator);
    synchronized (owned) {
      owned.add(shipment);
    }
    shipments[i] = shipment;
    long nanos = System.nanoTime() - start;
    if (LOG.isDebugEnabled()) {
      LOG.debug("input {}: {} rows in {} ms", i, shipment.rows(), nanos / 1_000_000);
    }
    return nanos;
  }

  /**
   * Registers input {@code input}'s Arrow data with a DuckDB connection as {@code name} (its
   * columns named as {@link #columnName} names them); the returned stream is the caller's to
   * close once the statement that reads it is done.
   */
  static ArrowArrayStream registerArrow(DuckDBConnection connection, String name,
      ArrowShipment shipment, int input, BufferAllocator allocator) {
    ArrowArrayStream stream = ArrowArrayStream.allocateNew(allocator);
    try {
      Data.exportArrayStream(allocator, shipment.reader(allocator, input), stream);
      connection.registerArrowStream(name, stream);
      return stream;
    } catch (RuntimeException e) {
      stream.close();
      throw e;
    }
  }

  /** Reads input {@code i}, reduced by another's keys where the plan says so and it pays. */
  private static ArrowShipment read(Plan plan, int i, Object rows, ArrowShipment[] shipments,
      BufferAllocator allocator) throws SQLException {
    EngineInput input = plan.inputs().get(i);
    if (input.source() == EngineInput.Source.JVM) {
      try (Enumerator<?> enumerator = ((Enumerable<?>) rows).enumerator()) {
        // A backend fragment among these rows counts itself (generated code).
        return ArrowShipment.read(allocator, enumerator, input.scalar(), input.columns(), i);
      }
    }
    javax.sql.DataSource dataSource = (javax.sql.DataSource) rows;
    long start = System.nanoTime();
    if (input.source() == EngineInput.Source.BACKEND_ARROW) {
      List<KeyReduction> applied = new ArrayList<>();
      for (KeyReduction reduction : plan.reductionsOf(i)) {
        ArrowShipment source = shipments[reduction.source()];
        // The source's rows bound its keys; only where they do not pass are keys counted.
        long keys = source.rows();
        if (!reduction.worthSending(keys)) {
          Set<Object> distinct = source.distinctValues(allocator, reduction.sourceColumn(),
              reduction.maxKeys());
          keys = distinct == null ? Long.MAX_VALUE : distinct.size();
        }
        boolean worth = reduction.worthSending(keys);
        LOG.debug("input {} {} by the keys of input {} (at most {})", i,
            worth ? "reduced" : "not reduced", reduction.source(),
            keys == Long.MAX_VALUE ? "more than " + reduction.maxKeys() : keys);
        if (worth) {
          applied.add(reduction);
        }
      }
      if (!applied.isEmpty()) {
        return counted(input, readArrowReduced(dataSource, input, applied, shipments, allocator),
            start, false);
      }
    } else {
      Map<KeyReduction, Set<Object>> sending = new LinkedHashMap<>();
      for (KeyReduction reduction : plan.reductionsOf(i)) {
        Set<Object> keys = shipments[reduction.source()].distinctValues(allocator,
            reduction.sourceColumn(), reduction.maxKeys());
        boolean worth = keys != null && reduction.worthSending(keys.size());
        LOG.debug("input {} {} by {} keys of input {}", i, worth ? "reduced" : "not reduced",
            keys == null ? "more than " + reduction.maxKeys() : keys.size(), reduction.source());
        if (worth) {
          sending.put(reduction, keys);
        }
      }
      if (!sending.isEmpty()) {
        // Over JDBC the keys are literals, in batches: the fewest keys go.
        Map.Entry<KeyReduction, Set<Object>> fewest = sending.entrySet().stream()
            .min(java.util.Comparator.comparingInt(e -> e.getValue().size())).orElseThrow();
        List<ArrowShipment> parts = new ArrayList<>();
        try {
          for (String sql : fewest.getKey().statements(input, fewest.getValue())) {
            parts.add(readBackend(dataSource, sql, input, i, allocator));
          }
          return counted(input, ArrowShipment.concat(parts), start, false);
        } finally {
          parts.forEach(ArrowShipment::close);
        }
      }
    }
    return counted(input, readBackend(dataSource, input.statement(input.sql()), input, i,
        allocator), start,
        true);
  }

  /**
   * Counts a backend input's rows and read time for the workload log; rows narrowed by another
   * input's keys are not the fragment's rows ({@code whole} false), and count as moved only.
   */
  private static ArrowShipment counted(EngineInput input, ArrowShipment shipment, long start,
      boolean whole) {
    FragmentCounters.add(input.fragmentId(), shipment.rows(), System.nanoTime() - start, whole);
    return shipment;
  }

  /**
   * Reads a DuckDB-based input restricted to other inputs' keys: each source's rows, already
   * held as Arrow, are registered with the backend's connection for the one statement, and the
   * input's statement keeps the rows whose keys are among theirs (hash semi-joins in DuckDB).
   */
  private static ArrowShipment readArrowReduced(javax.sql.DataSource dataSource,
      EngineInput input, List<KeyReduction> reductions, ArrowShipment[] shipments,
      BufferAllocator allocator) throws SQLException {
    List<ArrowArrayStream> streams = new ArrayList<>();
    List<String> names = new ArrayList<>();
    try (Connection c = dataSource.getConnection()) {
      try {
        DuckDBConnection duckdb = c.unwrap(DuckDBConnection.class);
        for (KeyReduction reduction : reductions) {
          String name = "m_keys_" + reduction.target() + "_" + reduction.targetColumn();
          streams.add(registerArrow(duckdb, name, shipments[reduction.source()],
              reduction.source(), allocator));
          names.add(name);
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(
                 KeyReduction.semiJoinStatement(input, reductions, names))) {
          return arrowResult(rs, allocator);
        }
      } finally {
        try (Statement s = c.createStatement()) {
          for (String name : names) {
            s.execute("DROP VIEW IF EXISTS " + name);
          }
        }
        streams.forEach(ArrowArrayStream::close);
      }
    } catch (SQLException | RuntimeException e) {
      throw named(dataSource, e);
    }
  }

  /**
   * Runs an input's statement in its backend: a DuckDB-based backend hands its result over as
   * Arrow without converting a value; another backend's result is read over JDBC.
   */
  private static ArrowShipment readBackend(javax.sql.DataSource dataSource, String sql,
      EngineInput input, int i, BufferAllocator allocator) throws SQLException {
    try (Connection c = dataSource.getConnection();
         Statement s = c.createStatement()) {
      if (input.source() == EngineInput.Source.BACKEND_JDBC) {
        s.setFetchSize(ArrowShipment.BATCH_ROWS);
      }
      try (ResultSet rs = s.executeQuery(sql)) {
        return input.source() == EngineInput.Source.BACKEND_ARROW
            ? arrowResult(rs, allocator) : ArrowShipment.read(allocator, rs, input.columns(), i);
      }
    } catch (SQLException | RuntimeException e) {
      throw named(dataSource, e);
    }
  }

  /** Takes a DuckDB result as Arrow, without converting a value in the JVM. */
  private static ArrowShipment arrowResult(ResultSet rs, BufferAllocator allocator)
      throws SQLException {
    try (org.apache.arrow.vector.ipc.ArrowReader reader =
             (org.apache.arrow.vector.ipc.ArrowReader) rs.unwrap(
                 org.duckdb.DuckDBResultSet.class)
                 .arrowExportStream(allocator, ArrowShipment.BATCH_ROWS)) {
      return ArrowShipment.read(reader);
    } catch (java.io.IOException e) {
      throw new SQLException("reading an input as Arrow: " + e.getMessage(), e);
    }
  }

  /**
   * Returns (or throws, if unchecked) a backend's failure naming its catalog: a backend that
   * went away as unavailable, any other failure with the catalog's name in front (never its
   * credentials).
   */
  static SQLException named(javax.sql.DataSource dataSource, Exception e)
      throws SQLException {
    CatalogDataSource catalog = dataSource.isWrapperFor(CatalogDataSource.class)
        ? dataSource.unwrap(CatalogDataSource.class) : null;
    RuntimeException failure = e instanceof RuntimeException ? (RuntimeException) e : null;
    if (catalog == null) {
      if (failure != null) {
        throw failure;
      }
      return (SQLException) e;
    }
    if (failure == null) {
      failure = new IllegalStateException(e.getMessage(), e);
    }
    RuntimeException named = catalog.failure(failure);
    if (named != failure) {
      throw named;
    }
    SQLException cause = e instanceof SQLException ? (SQLException) e
        : e.getCause() instanceof SQLException ? (SQLException) e.getCause() : null;
    return new SQLException(catalog.describe(cause == null ? e : cause),
        cause == null ? null : cause.getSQLState(), e);
  }

  private static void release(@Nullable Connection connection, List<ArrowShipment> shipments,
      List<ArrowArrayStream> streams, BufferAllocator allocator) {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        LOG.debug("closing a DuckDB engine connection", e);
      }
    }
    streams.forEach(ArrowArrayStream::close);
    shipments.forEach(ArrowShipment::close);
    try {
      allocator.close();
    } catch (IllegalStateException e) {
      LOG.warn("DuckDB engine: Arrow memory still held after a query: {}", e.getMessage());
    }
  }

  /** Reads column {@code i} of a result's current row in the JVM's row representation. */
  static Object value(ResultSet rs, int i, EngineColumn column) throws SQLException {
    Object value;
    switch (column.type()) {
    case BOOLEAN:
      value = rs.getBoolean(i);
      break;
    case TINYINT:
      value = rs.getByte(i);
      break;
    case SMALLINT:
      value = rs.getShort(i);
      break;
    case INTEGER:
      value = rs.getInt(i);
      break;
    case BIGINT:
      value = rs.getLong(i);
      break;
    case REAL:
      value = rs.getFloat(i);
      break;
    case FLOAT:
    case DOUBLE:
      value = rs.getDouble(i);
      break;
    case DECIMAL:
      BigDecimal d = rs.getBigDecimal(i);
      value = d == null ? null : d.setScale(column.scale(), RoundingMode.HALF_UP);
      break;
    case CHAR:
    case VARCHAR:
      value = rs.getString(i);
      break;
    case DATE:
      LocalDate date = rs.getObject(i, LocalDate.class);
      value = date == null ? null : (int) date.toEpochDay();
      break;
    case TIME:
      LocalTime time = rs.getObject(i, LocalTime.class);
      value = time == null ? null : (int) (time.toNanoOfDay() / 1_000_000);
      break;
    case TIMESTAMP:
      Object ts = rs.getObject(i);
      if (ts instanceof OffsetDateTime) {
        value = ((OffsetDateTime) ts).toInstant().toEpochMilli();
      } else {
        LocalDateTime local = rs.getObject(i, LocalDateTime.class);
        value = local == null ? null : local.toInstant(ZoneOffset.UTC).toEpochMilli();
      }
      break;
    default:
      value = rs.getObject(i);
    }
    return rs.wasNull() ? null : value;
  }

}
