package io.meridian.planner.engine;

import io.meridian.adapter.duckdb.DuckDbDataSource;
import io.meridian.adapter.jdbc.CatalogDataSource;

import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;
import org.apache.calcite.sql.type.SqlTypeName;
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
   * An input that a DuckDB-based backend (a DuckDB file, Parquet files) produces: its statement
   * runs there and its result is taken as Arrow, without converting a value in the JVM. The
   * statement names its columns as the engine's statement expects them.
   */
  public record ArrowSource(javax.sql.DataSource dataSource, String sql) {
  }

  /**
   * Runs a statement over inputs; called by generated code. Each input is read whole (in the
   * calling thread, so a backend's transaction and errors stay where they belong) and shipped
   * as Arrow; the result is read as it is produced.
   *
   * @param sql the statement, naming input {@code i} {@code m_in_<i>}
   * @param inputs each input: an {@link Enumerable} of rows (arrays, or bare values where the
   *     input is scalar), or an {@link ArrowSource}
   * @param scalar for each input, whether its rows are bare values
   * @param inputColumns for each input, its columns ({@link EngineColumn#encode})
   * @param outputColumns the result's columns
   */
  public static Enumerable<Object[]> execute(String sql, Object[] inputs,
      boolean[] scalar, String[] inputColumns, String outputColumns) {
    List<EngineColumn> output = EngineColumn.decode(outputColumns);
    return new AbstractEnumerable<>() {
      @Override public Enumerator<Object[]> enumerator() {
        return SHARED.open(sql, inputs, scalar, inputColumns, output);
      }
    };
  }

  private Enumerator<Object[]> open(String sql, Object[] inputs, boolean[] scalar,
      String[] inputColumns, List<EngineColumn> output) {
    BufferAllocator queryAllocator = allocator.newChildAllocator("query", 0, Long.MAX_VALUE);
    List<ArrowShipment> shipments = new ArrayList<>();
    List<ArrowArrayStream> streams = new ArrayList<>();
    DuckDBConnection connection = null;
    try {
      long shippedRows = 0;
      long shippedBytes = 0;
      for (int i = 0; i < inputs.length; i++) {
        ArrowShipment shipment;
        if (inputs[i] instanceof ArrowSource) {
          shipment = readArrow((ArrowSource) inputs[i], queryAllocator);
        } else {
          try (Enumerator<?> rows = ((Enumerable<?>) inputs[i]).enumerator()) {
            shipment = ArrowShipment.read(queryAllocator, rows, scalar[i],
                EngineColumn.decode(inputColumns[i]), i);
          }
        }
        shipments.add(shipment);
        shippedRows += shipment.rows();
        shippedBytes += shipment.bytes();
      }
      LOG.debug("DuckDB engine: {} input(s), {} rows, {} bytes of Arrow", inputs.length,
          shippedRows, shippedBytes);
      connection = (DuckDBConnection) database.getConnection();
      for (int i = 0; i < shipments.size(); i++) {
        ArrowArrayStream stream = ArrowArrayStream.allocateNew(queryAllocator);
        streams.add(stream);
        Data.exportArrayStream(queryAllocator, shipments.get(i).reader(queryAllocator), stream);
        connection.registerArrowStream(inputName(i), stream);
      }
      Statement statement = connection.createStatement();
      ResultSet resultSet = statement.executeQuery(sql);
      return new ResultEnumerator(resultSet, statement, connection, output, shipments, streams,
          queryAllocator);
    } catch (SQLException | RuntimeException e) {
      release(connection, shipments, streams, queryAllocator);
      if (e instanceof RuntimeException) {
        throw (RuntimeException) e;
      }
      // An input's backend reports itself (a catalog that is down names the catalog); a
      // failure of the engine's own statement says it is the engine's.
      throw new IllegalStateException(connection == null ? e.getMessage()
          : "the DuckDB engine failed: " + e.getMessage(), e);
    }
  }

  /** Runs an input's statement in its DuckDB-based backend and takes the result as Arrow. */
  private static ArrowShipment readArrow(ArrowSource source, BufferAllocator allocator)
      throws SQLException {
    try (Connection c = source.dataSource().getConnection();
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(source.sql());
         org.apache.arrow.vector.ipc.ArrowReader reader = (org.apache.arrow.vector.ipc.ArrowReader)
             rs.unwrap(org.duckdb.DuckDBResultSet.class)
                 .arrowExportStream(allocator, ArrowShipment.BATCH_ROWS)) {
      return ArrowShipment.read(reader);
    } catch (java.io.IOException e) {
      throw new SQLException("reading an input as Arrow: " + e.getMessage(), e);
    } catch (SQLException e) {
      CatalogDataSource catalog = source.dataSource().isWrapperFor(CatalogDataSource.class)
          ? source.dataSource().unwrap(CatalogDataSource.class) : null;
      if (catalog == null) {
        throw e;
      }
      throw new SQLException(catalog.describe(e), e.getSQLState(), e);
    }
  }

  private static void release(Connection connection, List<ArrowShipment> shipments,
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
