package io.meridian.planner.engine;

import io.meridian.adapter.duckdb.DuckDbDataSource;
import io.meridian.adapter.jdbc.CatalogDataSource;
import io.meridian.planner.rel.BackendValues;
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
import java.util.List;

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

  private final DuckDbDataSource database =
      new DuckDbDataSource(":memory:", false, List.of());
  private final BufferAllocator allocator = new RootAllocator();

  private DuckDbEngine() {
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

    /** Returns the reduction of input {@code target}, or null. */
    public @Nullable KeyReduction reductionOf(int target) {
      for (KeyReduction r : reductions) {
        if (r.target() == target) {
          return r;
        }
      }
      return null;
    }
  }

  /**
   * Runs a plan; called by generated code. Each input is read whole (in the calling thread, so
   * a backend's transaction and errors stay where they belong) and shipped as Arrow; the result
   * is read as it is produced.
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
      for (int i : plan.readOrder()) {
        EngineInput input = plan.inputs().get(i);
        if (input.sameAs() >= 0) {
          shipments[i] = shipments[input.sameAs()];
          continue;
        }
        long start = System.nanoTime();
        ArrowShipment shipment = read(plan, i, inputs[i], shipments, queryAllocator);
        owned.add(shipment);
        if (LOG.isDebugEnabled()) {
          LOG.debug("input {}: {} rows in {} ms", i, shipment.rows(),
              (System.nanoTime() - start) / 1_000_000);
        }
        shipments[i] = shipment;
        shippedRows += shipment.rows();
        shippedBytes += shipment.bytes();
      }
      LOG.debug("DuckDB engine: {} input(s), {} rows, {} bytes of Arrow", inputs.length,
          shippedRows, shippedBytes);
      connection = (DuckDBConnection) database.getConnection();
      for (int i = 0; i < shipments.length; i++) {
        ArrowArrayStream stream = ArrowArrayStream.allocateNew(queryAllocator);
        streams.add(stream);
        Data.exportArrayStream(queryAllocator, shipments[i].reader(queryAllocator, i), stream);
        connection.registerArrowStream(inputName(i), stream);
      }
      Statement statement = connection.createStatement();
      ResultSet resultSet = statement.executeQuery(plan.sql());
      return new ResultEnumerator(resultSet, statement, connection, plan.output(), owned,
          streams, queryAllocator);
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
    KeyReduction reduction = plan.reductionOf(i);
    if (reduction != null) {
      java.util.Set<Object> keys = shipments[reduction.source()].distinctValues(allocator,
          reduction.sourceColumn(), reduction.maxKeys());
      if (keys != null && reduction.worthSending(keys.size())) {
        LOG.debug("input {} reduced by {} keys of input {}", i, keys.size(),
            reduction.source());
        List<ArrowShipment> parts = new ArrayList<>();
        try {
          for (String sql : reduction.statements(input, keys)) {
            parts.add(readBackend(dataSource, sql, input, i, allocator));
          }
          return ArrowShipment.concat(parts);
        } finally {
          parts.forEach(ArrowShipment::close);
        }
      }
      LOG.debug("input {} read whole: {} keys of input {}", i,
          keys == null ? "more than " + reduction.maxKeys() : keys.size(), reduction.source());
    }
    ArrowShipment shipment = readBackend(dataSource, input.sql(), input, i, allocator);
    FragmentCounters.add(input.fragmentId(), shipment.rows());
    return shipment;
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
        if (input.source() == EngineInput.Source.BACKEND_ARROW) {
          try (org.apache.arrow.vector.ipc.ArrowReader reader =
                   (org.apache.arrow.vector.ipc.ArrowReader) rs.unwrap(
                       org.duckdb.DuckDBResultSet.class)
                       .arrowExportStream(allocator, ArrowShipment.BATCH_ROWS)) {
            return ArrowShipment.read(reader);
          }
        }
        return ArrowShipment.read(allocator, new ResultSetRows(rs, input.columns()), false,
            input.columns(), i);
      }
    } catch (java.io.IOException e) {
      throw new SQLException("reading an input as Arrow: " + e.getMessage(), e);
    } catch (SQLException | RuntimeException e) {
      CatalogDataSource catalog = dataSource.isWrapperFor(CatalogDataSource.class)
          ? dataSource.unwrap(CatalogDataSource.class) : null;
      if (catalog == null) {
        throw e;
      }
      // A backend that went away is named unavailable; any other failure names the catalog.
      RuntimeException failure = e instanceof RuntimeException ? (RuntimeException) e
          : new IllegalStateException(e.getMessage(), e);
      RuntimeException named = catalog.failure(failure);
      if (named != failure) {
        throw named;
      }
      SQLException cause = e instanceof SQLException ? (SQLException) e
          : e.getCause() instanceof SQLException ? (SQLException) e.getCause() : null;
      throw new SQLException(catalog.describe(cause == null ? e : cause),
          cause == null ? null : cause.getSQLState(), e);
    }
  }

  /**
   * A backend's result set read as rows of JDBC values, for {@link ArrowShipment#read}: with
   * typed getters, and the JVM's readers for dates, times and text, so that the engine sees the
   * values the JVM would.
   */
  private static final class ResultSetRows implements Enumerator<Object[]> {
    private final ResultSet resultSet;
    private final EngineColumn[] columns;
    private Object[] current;

    ResultSetRows(ResultSet resultSet, List<EngineColumn> columns) {
      this.resultSet = resultSet;
      this.columns = columns.toArray(new EngineColumn[0]);
    }

    @Override public Object[] current() {
      return current;
    }

    @Override public boolean moveNext() {
      try {
        if (!resultSet.next()) {
          return false;
        }
        Object[] row = new Object[columns.length];
        for (int j = 0; j < row.length; j++) {
          row[j] = value(j + 1, columns[j]);
        }
        current = row;
        return true;
      } catch (SQLException e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    }

    private @Nullable Object value(int column, EngineColumn type) throws SQLException {
      switch (type.type()) {
      case CHAR:
      case VARCHAR:
        return BackendValues.text(resultSet, column);
      case DATE:
        return resultSet.getDate(column);
      case TIME:
        return resultSet.getTime(column);
      case TIMESTAMP:
        return resultSet.getTimestamp(column);
      default:
        // Typed getters: a driver's object for a column may be of another type (ClickHouse
        // hands a UInt8 typed BOOLEAN over as a Short).
        return DuckDbEngine.value(resultSet, column, type);
      }
    }

    @Override public void reset() {
      throw new UnsupportedOperationException();
    }

    @Override public void close() {
    }
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

  /** Reads the engine's result, converting values to Calcite's internal representation. */
  private static final class ResultEnumerator implements Enumerator<Object[]> {
    private final ResultSet resultSet;
    private final Statement statement;
    private final Connection connection;
    private final List<EngineColumn> columns;
    private final List<ArrowShipment> shipments;
    private final List<ArrowArrayStream> streams;
    private final BufferAllocator allocator;
    private Object[] current;
    private boolean closed;

    ResultEnumerator(ResultSet resultSet, Statement statement, Connection connection,
        List<EngineColumn> columns, List<ArrowShipment> shipments,
        List<ArrowArrayStream> streams, BufferAllocator allocator) {
      this.resultSet = resultSet;
      this.statement = statement;
      this.connection = connection;
      this.columns = columns;
      this.shipments = shipments;
      this.streams = streams;
      this.allocator = allocator;
    }

    @Override public Object[] current() {
      return current;
    }

    @Override public boolean moveNext() {
      try {
        if (closed || !resultSet.next()) {
          return false;
        }
        Object[] row = new Object[columns.size()];
        for (int i = 0; i < row.length; i++) {
          row[i] = value(resultSet, i + 1, columns.get(i));
        }
        current = row;
        return true;
      } catch (SQLException e) {
        throw new IllegalStateException("the DuckDB engine failed: " + e.getMessage(), e);
      }
    }

    @Override public void reset() {
      throw new UnsupportedOperationException();
    }

    @Override public void close() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        resultSet.close();
        statement.close();
      } catch (SQLException e) {
        LOG.debug("closing a DuckDB engine result", e);
      }
      release(connection, shipments, streams, allocator);
    }
  }

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
