package io.meridian.planner.engine;

import io.meridian.adapter.duckdb.DuckDbDataSource;
import io.meridian.adapter.jdbc.BackendTransaction;

import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.memory.BufferAllocator;

import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;
import org.apache.calcite.sql.SqlDialect;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Runs a subplan in the backend that holds its big input ({@link ShipToBackendEngine}): the
 * small inputs' rows are read in the JVM and sent along, as Arrow streams registered with the
 * connection of a DuckDB-based backend, as {@code VALUES} written into the statement for
 * another, and the backend runs
 * {@code WITH m_in_0 (c0_0, ...) AS (<its own fragment>), m_in_1 (c1_0, ...) AS (VALUES ...)
 * <the subplan over m_in_0, m_in_1, ...>}; its result is read as it is produced.
 */
public final class BackendShipment {
  private static final Logger LOG = LoggerFactory.getLogger(BackendShipment.class);

  private BackendShipment() {
  }

  /**
   * Prepares the statement in the backend over empty small inputs, so that what the backend
   * cannot run is found at planning time. Refused within a client transaction (a statement the
   * backend rejects would abort the transaction).
   */
  static void check(DataSource dataSource, String sql, List<EngineInput> inputs)
      throws SQLException {
    if (BackendTransaction.current() != null) {
      throw new SQLException("not within a client transaction");
    }
    String statement = statement(sql, inputs,
        java.util.Collections.<List<?>>nCopies(inputs.size(), List.of()), false);
    try (Connection c = dataSource.getConnection();
         PreparedStatement p = c.prepareStatement(statement)) {
      p.getMetaData();
    }
  }

  /** Runs a plan; called by generated code. {@code inputs}: as for the DuckDB engine. */
  public static Enumerable<Object[]> execute(DuckDbEngine.Plan plan, Object[] inputs) {
    return new AbstractEnumerable<>() {
      @Override public Enumerator<Object[]> enumerator() {
        return open(plan, inputs);
      }
    };
  }

  private static Enumerator<Object[]> open(DuckDbEngine.Plan plan, Object[] inputs) {
    DataSource dataSource = null;
    for (int i = 0; i < inputs.length; i++) {
      if (plan.inputs().get(i).fromBackend()) {
        dataSource = (DataSource) inputs[i];
      }
    }
    if (dataSource == null) {
      throw new IllegalStateException("a shipment needs the backend's own input");
    }
    boolean arrow;
    try {
      arrow = dataSource.isWrapperFor(DuckDbDataSource.class);
    } catch (SQLException e) {
      arrow = false;
    }
    BufferAllocator allocator = arrow
        ? DuckDbEngine.allocator().newChildAllocator("shipment", 0, Long.MAX_VALUE) : null;
    List<List<?>> rows = new ArrayList<>();
    List<ArrowShipment> shipments = new ArrayList<>();
    Connection connection = null;
    Statement s = null;
    List<ArrowArrayStream> streams = new ArrayList<>();
    List<String> views = new ArrayList<>();
    try {
      for (int i = 0; i < inputs.length; i++) {
        EngineInput input = plan.inputs().get(i);
        if (input.fromBackend()) {
          rows.add(List.of());
          shipments.add(null);
          continue;
        }
        try (Enumerator<?> e = ((Enumerable<?>) inputs[i]).enumerator()) {
          if (arrow) {
            shipments.add(ArrowShipment.read(allocator, e, input.scalar(), input.columns(), i));
            rows.add(List.of());
          } else {
            List<Object> read = new ArrayList<>();
            while (e.moveNext()) {
              read.add(e.current());
            }
            rows.add(read);
            shipments.add(null);
          }
        }
      }
      connection = dataSource.getConnection();
      if (arrow) {
        // A DuckDB-based backend takes the small inputs as Arrow streams, registered with the
        // connection for this statement.
        DuckDBConnection duckdb = connection.unwrap(DuckDBConnection.class);
        for (int i = 0; i < shipments.size(); i++) {
          if (shipments.get(i) != null) {
            String view = "m_ship_" + i;
            streams.add(DuckDbEngine.registerArrow(duckdb, view, shipments.get(i), i,
                allocator));
            views.add(view);
          }
        }
      }
      String statement = statement(plan.sql(), plan.inputs(), rows, arrow);
      LOG.debug("running a subplan in its backend, {} characters of SQL", statement.length());
      s = connection.createStatement();
      ResultSet rs = s.executeQuery(statement);
      Statement statementToClose = s;
      Connection connectionToClose = connection;
      return new ResultRows(rs, plan.output(), "the backend", () -> release(statementToClose,
          connectionToClose, shipments, streams, views, allocator));
    } catch (SQLException | RuntimeException e) {
      release(s, connection, shipments, streams, views, allocator);
      try {
        throw DuckDbEngine.named(dataSource, e);
      } catch (SQLException named) {
        throw new IllegalStateException(named.getMessage(), named);
      }
    }
  }

  /** Drops the views, then closes the statement, connection, Arrow data and allocator. */
  private static void release(Statement s, Connection c, List<ArrowShipment> shipments,
      List<ArrowArrayStream> streams, List<String> views, BufferAllocator allocator) {
    try {
      if (s != null) {
        s.close();
      }
      if (c != null) {
        if (!views.isEmpty()) {
          try (Statement drop = c.createStatement()) {
            for (String view : views) {
              drop.execute("DROP VIEW IF EXISTS " + view);
            }
          }
        }
        c.close();
      }
    } catch (SQLException | RuntimeException e) {
      LOG.debug("closing a shipment's statement", e);
    }
    streams.forEach(ArrowArrayStream::close);
    shipments.stream().filter(java.util.Objects::nonNull).forEach(ArrowShipment::close);
    if (allocator != null) {
      allocator.close();
    }
  }

  /** The statement the backend runs: the inputs as named subqueries, then the subplan. */
  static String statement(String sql, List<EngineInput> inputs, List<List<?>> rows,
      boolean arrow) {
    SqlDialect dialect = inputs.stream().map(EngineInput::dialect)
        .filter(java.util.Objects::nonNull).findFirst().orElseThrow();
    StringBuilder out = new StringBuilder("WITH ");
    for (int i = 0; i < inputs.size(); i++) {
      EngineInput input = inputs.get(i);
      out.append(i > 0 ? ", " : "").append(dialect.quoteIdentifier(DuckDbEngine.inputName(i)))
          .append(" (");
      for (int j = 0; j < input.columns().size(); j++) {
        out.append(j > 0 ? ", " : "")
            .append(dialect.quoteIdentifier(DuckDbEngine.columnName(i, j)));
      }
      out.append(") AS (");
      if (input.fromBackend()) {
        out.append(input.sql());
      } else if (arrow) {
        out.append("SELECT * FROM m_ship_").append(i);
      } else if (rows.get(i).isEmpty()) {
        out.append("SELECT ");
        for (int j = 0; j < input.columns().size(); j++) {
          out.append(j > 0 ? ", " : "").append("CAST(NULL AS ")
              .append(typeName(input.columns().get(j))).append(')');
        }
        out.append(" WHERE 1 = 0");
      } else {
        out.append("VALUES ");
        boolean first = true;
        for (Object row : rows.get(i)) {
          out.append(first ? "(" : ", (");
          first = false;
          for (int j = 0; j < input.columns().size(); j++) {
            Object value = input.scalar() ? row : ((Object[]) row)[j];
            EngineColumn column = input.columns().get(j);
            out.append(j > 0 ? ", " : "").append("CAST(").append(literal(value, column, dialect))
                .append(" AS ").append(typeName(column)).append(')');
          }
          out.append(')');
        }
      }
      out.append(')');
    }
    return out.append(' ').append(sql).toString();
  }

  /** The column's type as PostgreSQL and DuckDB both spell it. */
  static String typeName(EngineColumn column) {
    switch (column.type()) {
    case TINYINT:
      return "SMALLINT";
    case FLOAT:
    case DOUBLE:
      return "DOUBLE PRECISION";
    case DECIMAL:
      return "DECIMAL(" + column.precision() + ", " + column.scale() + ")";
    case CHAR:
      return "VARCHAR";
    default:
      return column.type().getName();
    }
  }

  /** A value of the JVM's row representation as a SQL literal of the dialect. */
  static String literal(Object value, EngineColumn column, SqlDialect dialect) {
    if (value == null) {
      return "NULL";
    }
    switch (column.type()) {
    case BOOLEAN:
      return ((Boolean) value) ? "TRUE" : "FALSE";
    case REAL:
    case FLOAT:
    case DOUBLE:
      double d = ((Number) value).doubleValue();
      return Double.isFinite(d) ? Double.toString(d)
          : dialect.quoteStringLiteral(Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity"
              : "-Infinity");
    case DECIMAL:
      return ((BigDecimal) value).toPlainString();
    case CHAR:
    case VARCHAR:
      return dialect.quoteStringLiteral((String) value);
    case DATE:
      return dialect.quoteStringLiteral(
          LocalDate.ofEpochDay(((Number) value).longValue()).toString());
    case TIME:
      return dialect.quoteStringLiteral(
          LocalTime.ofNanoOfDay(((Number) value).longValue() * 1_000_000).toString());
    case TIMESTAMP:
      long millis = ((Number) value).longValue();
      return dialect.quoteStringLiteral(LocalDateTime.ofEpochSecond(
          Math.floorDiv(millis, 1000), (int) Math.floorMod(millis, 1000) * 1_000_000,
          ZoneOffset.UTC).toString().replace('T', ' '));
    default:
      return value.toString();
    }
  }
}
