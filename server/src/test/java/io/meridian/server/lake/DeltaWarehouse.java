package io.meridian.server.lake;

import io.delta.kernel.DataWriteContext;
import io.delta.kernel.Operation;
import io.delta.kernel.TableManager;
import io.delta.kernel.Transaction;
import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.data.Row;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.expressions.Column;
import io.delta.kernel.expressions.Literal;
import io.delta.kernel.internal.util.Utils;
import io.delta.kernel.transaction.DataLayoutSpec;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.CloseableIterable;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.DataFileStatus;

import org.apache.hadoop.conf.Configuration;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes Delta tables for tests with Delta Kernel's own writer: each commit groups rows by
 * partition, lets Kernel turn them into physical data, writes Parquet files with Kernel's
 * Parquet handler and commits the append actions Kernel generates.
 */
public final class DeltaWarehouse {
  final Engine engine = DefaultEngine.create(new Configuration());

  public DeltaWarehouse() {
  }

  /** The Delta schema of a query's result (DuckDB types), all columns nullable. */
  public static StructType schemaOf(ResultSetMetaData md) throws SQLException {
    StructType schema = new StructType();
    for (int i = 1; i <= md.getColumnCount(); i++) {
      DataType type;
      switch (md.getColumnType(i)) {
      case java.sql.Types.INTEGER:
        type = IntegerType.INTEGER;
        break;
      case java.sql.Types.BIGINT:
        type = LongType.LONG;
        break;
      case java.sql.Types.DECIMAL:
        type = new DecimalType(md.getPrecision(i), md.getScale(i));
        break;
      case java.sql.Types.DOUBLE:
        type = DoubleType.DOUBLE;
        break;
      case java.sql.Types.DATE:
        type = DateType.DATE;
        break;
      default:
        type = StringType.STRING;
      }
      schema = schema.add(md.getColumnLabel(i), type, true);
    }
    return schema;
  }

  /** Reads a query's rows as Kernel values (dates as days). */
  public static List<Object[]> rows(Connection c, String sql, StructType schema) throws SQLException {
    List<Object[]> rows = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        Object[] row = new Object[schema.length()];
        for (int i = 0; i < row.length; i++) {
          DataType type = schema.at(i).getDataType();
          Object v = rs.getObject(i + 1);
          if (v == null) {
            row[i] = null;
          } else if (type instanceof DateType) {
            row[i] = (int) rs.getDate(i + 1).toLocalDate().toEpochDay();
          } else if (type instanceof DecimalType) {
            row[i] = rs.getBigDecimal(i + 1).setScale(((DecimalType) type).getScale());
          } else if (type instanceof IntegerType) {
            row[i] = ((Number) v).intValue();
          } else if (type instanceof LongType) {
            row[i] = ((Number) v).longValue();
          } else if (type instanceof DoubleType) {
            row[i] = ((Number) v).doubleValue();
          } else {
            row[i] = v.toString();
          }
        }
        rows.add(row);
      }
    }
    return rows;
  }

  /** Creates a table with its first rows (version 0). */
  public void create(String path, StructType schema, List<String> partitionColumns,
      Map<String, String> properties, List<Object[]> rows) throws Exception {
    Transaction txn = TableManager.buildCreateTableTransaction(path, schema, "meridian-tests")
        .withDataLayoutSpec(partitionColumns.isEmpty() ? DataLayoutSpec.noDataLayout()
            : DataLayoutSpec.partitioned(partitionColumns.stream().map(Column::new).toList()))
        .withTableProperties(properties)
        .build(engine);
    commit(txn, schema, partitionColumns, rows);
  }

  /** Appends rows as the next version. */
  public void append(String path, List<Object[]> rows) throws Exception {
    Transaction txn = TableManager.loadSnapshot(path).build(engine)
        .buildUpdateTableTransaction("meridian-tests", Operation.WRITE).build(engine);
    commit(txn, txn.getSchema(engine), txn.getPartitionColumns(engine), rows);
  }

  private void commit(Transaction txn, StructType schema, List<String> partitionColumns,
      List<Object[]> rows) throws Exception {
    Row state = txn.getTransactionState(engine);
    Map<List<Object>, List<Object[]>> groups = new LinkedHashMap<>();
    for (Object[] row : rows) {
      List<Object> key = new ArrayList<>();
      for (String p : partitionColumns) {
        key.add(row[schema.indexOf(p)]);
      }
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(row);
    }
    List<Row> actions = new ArrayList<>();
    for (Map.Entry<List<Object>, List<Object[]>> group : groups.entrySet()) {
      Map<String, Literal> partition = new LinkedHashMap<>();
      for (int i = 0; i < partitionColumns.size(); i++) {
        String column = partitionColumns.get(i);
        partition.put(column, literal(schema.get(column).getDataType(), group.getKey().get(i)));
      }
      FilteredColumnarBatch batch =
          new FilteredColumnarBatch(new Batch(schema, group.getValue()), java.util.Optional.empty());
      CloseableIterator<FilteredColumnarBatch> physical = Transaction.transformLogicalData(
          engine, state, Utils.singletonCloseableIterator(batch), partition);
      DataWriteContext context = Transaction.getWriteContext(engine, state, partition);
      CloseableIterator<DataFileStatus> files = engine.getParquetHandler().writeParquetFiles(
          context.getTargetDirectory(), physical, context.getStatisticsColumns());
      Transaction.generateAppendActions(engine, state, files, context)
          .forEachRemaining(actions::add);
    }
    txn.commit(engine, CloseableIterable.inMemoryIterable(
        Utils.toCloseableIterator(actions.iterator())));
  }

  private static Literal literal(DataType type, Object value) {
    if (value == null) {
      return Literal.ofNull(type);
    }
    if (type instanceof IntegerType) {
      return Literal.ofInt((Integer) value);
    }
    if (type instanceof LongType) {
      return Literal.ofLong((Long) value);
    }
    if (type instanceof DateType) {
      return Literal.ofDate((Integer) value);
    }
    return Literal.ofString(value.toString());
  }

  /** Rows as a Kernel columnar batch. */
  private static final class Batch implements ColumnarBatch {
    private final StructType schema;
    private final List<Object[]> rows;

    Batch(StructType schema, List<Object[]> rows) {
      this.schema = schema;
      this.rows = rows;
    }

    @Override public StructType getSchema() {
      return schema;
    }

    @Override public int getSize() {
      return rows.size();
    }

    @Override public ColumnVector getColumnVector(int ordinal) {
      DataType type = schema.at(ordinal).getDataType();
      return new ColumnVector() {
        @Override public DataType getDataType() {
          return type;
        }

        @Override public int getSize() {
          return rows.size();
        }

        @Override public void close() {
        }

        @Override public boolean isNullAt(int row) {
          return rows.get(row)[ordinal] == null;
        }

        @Override public int getInt(int row) {
          return (Integer) rows.get(row)[ordinal];
        }

        @Override public long getLong(int row) {
          return (Long) rows.get(row)[ordinal];
        }

        @Override public double getDouble(int row) {
          return (Double) rows.get(row)[ordinal];
        }

        @Override public String getString(int row) {
          return (String) rows.get(row)[ordinal];
        }

        @Override public BigDecimal getDecimal(int row) {
          return (BigDecimal) rows.get(row)[ordinal];
        }
      };
    }

    @Override public ColumnarBatch withDeletedColumnAt(int ordinal) {
      List<Object[]> narrowed = new ArrayList<>();
      for (Object[] row : rows) {
        Object[] copy = new Object[row.length - 1];
        System.arraycopy(row, 0, copy, 0, ordinal);
        System.arraycopy(row, ordinal + 1, copy, ordinal, row.length - ordinal - 1);
        narrowed.add(copy);
      }
      StructType remaining = new StructType();
      for (int i = 0; i < schema.length(); i++) {
        if (i != ordinal) {
          StructField f = schema.at(i);
          remaining = remaining.add(f);
        }
      }
      return new Batch(remaining, narrowed);
    }
  }
}
