package io.meridian.benchmarks;

import io.meridian.adapter.duckdb.DuckDbDataSource;
import io.meridian.adapter.duckdb.DuckDbSqlDialect;
import io.meridian.planner.engine.ArrowShipment;
import io.meridian.planner.engine.EngineColumn;
import io.meridian.server.demo.DemoEnvironment;

import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.calcite.linq4j.Enumerator;
import org.apache.calcite.sql.type.SqlTypeName;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Arrow transfer between engines, the two ways an input reaches Meridian's DuckDB engine: from
 * a DuckDB-based backend (the demo's Parquet lineitem) as Arrow with no value converted in the
 * JVM, and from a JDBC backend (the demo's PostgreSQL orders) as rows the JVM writes into Arrow
 * vectors. Each run ships the whole table into the engine and counts it there; rows per second
 * = the table's rows / the time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.nio=ALL-UNNAMED")
public class ArrowTransferBenchmark {
  private static final List<EngineColumn> ORDERS_KEYS = List.of(
      new EngineColumn(SqlTypeName.INTEGER, 0, 0), new EngineColumn(SqlTypeName.INTEGER, 0, 0),
      new EngineColumn(SqlTypeName.DECIMAL, 15, 2), new EngineColumn(SqlTypeName.DATE, 0, 0));
  private static final int BATCH_ROWS = 64 * 1024;

  private DemoEnvironment demo;
  private DuckDbDataSource lake;
  private DuckDbDataSource engine;
  private Connection postgres;
  private BufferAllocator allocator;

  @Setup(Level.Trial) public void setUp() throws Exception {
    demo = DemoState.startDemo(0.1);
    Path parquet = demo.lakeDirectory().resolve("tpch").resolve("lineitem.parquet");
    lake = new DuckDbDataSource(":memory:", false, List.of("CREATE VIEW lineitem AS SELECT *"
        + " FROM read_parquet(" + DuckDbSqlDialect.literal(parquet.toString()) + ")"));
    engine = new DuckDbDataSource(":memory:", false, List.of());
    postgres = DemoState.postgres(demo);
    postgres.setAutoCommit(false); // a fetch size streams only inside a transaction
    allocator = new RootAllocator();
  }

  @TearDown(Level.Trial) public void tearDown() throws Exception {
    postgres.close();
    lake.close();
    engine.close();
    allocator.close();
    demo.close();
  }

  /** lineitem from a DuckDB-based backend into the engine, as Arrow end to end. */
  @Benchmark public long parquetToEngine() throws Exception {
    ArrowShipment shipment;
    try (Connection c = lake.getConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT l_orderkey, l_partkey, l_quantity,"
             + " l_extendedprice, l_shipdate FROM lineitem");
         ArrowReader reader = (ArrowReader) rs.unwrap(DuckDBResultSet.class)
             .arrowExportStream(allocator, BATCH_ROWS)) {
      shipment = ArrowShipment.read(reader);
    }
    return countInEngine(shipment);
  }

  /** orders from PostgreSQL over JDBC, written into Arrow in the JVM, into the engine. */
  @Benchmark public long postgresToEngine() throws Exception {
    ArrowShipment shipment;
    try (Statement s = postgres.createStatement()) {
      s.setFetchSize(10_000);
      try (ResultSet rs = s.executeQuery(
          "SELECT o_orderkey, o_custkey, o_totalprice, o_orderdate FROM orders")) {
        shipment = ArrowShipment.read(allocator, new RowsOf(rs), false, ORDERS_KEYS, 0);
      }
    }
    postgres.commit();
    return countInEngine(shipment);
  }

  private long countInEngine(ArrowShipment shipment) throws SQLException {
    try (shipment; ArrowArrayStream stream = ArrowArrayStream.allocateNew(allocator);
         DuckDBConnection c = (DuckDBConnection) engine.getConnection()) {
      Data.exportArrayStream(allocator, shipment.reader(allocator, 0), stream);
      c.registerArrowStream("m_in_0", stream);
      try (Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM m_in_0")) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** A JDBC result's rows as the engine's input reads them (arrays of Calcite values). */
  private static final class RowsOf implements Enumerator<Object[]> {
    private final ResultSet rs;
    private Object[] current;

    RowsOf(ResultSet rs) {
      this.rs = rs;
    }

    @Override public Object[] current() {
      return current;
    }

    @Override public boolean moveNext() {
      try {
        if (!rs.next()) {
          return false;
        }
        // Calcite's internal forms: INTEGER as int, DECIMAL as BigDecimal, DATE as days.
        current = new Object[] {rs.getInt(1), rs.getInt(2), rs.getBigDecimal(3),
            (int) rs.getDate(4).toLocalDate().toEpochDay()};
        return true;
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override public void reset() {
      throw new UnsupportedOperationException();
    }

    @Override public void close() {
    }
  }
}
