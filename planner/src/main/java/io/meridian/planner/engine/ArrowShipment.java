package io.meridian.planner.engine;

import io.meridian.planner.rel.BackendValues;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeStampMilliVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.calcite.linq4j.Enumerator;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Rows of an intermediate result, read from the JVM side and held as Arrow record batches, ready
 * to be handed to an engine as an Arrow stream ({@link #reader}). Values arrive in Calcite's
 * internal representation (a DATE is a day number, a TIMESTAMP milliseconds since the epoch);
 * their JDBC forms are accepted too.
 */
public final class ArrowShipment implements AutoCloseable {
  /** Rows per record batch. */
  static final int BATCH_ROWS = 64 * 1024;

  private final Schema schema;
  private final List<ArrowRecordBatch> batches = new ArrayList<>();
  private long rows;
  private long bytes;

  private ArrowShipment(Schema schema) {
    this.schema = schema;
  }

  /**
   * Reads all rows of an enumerator into record batches.
   *
   * @param scalar whether each row is a bare value (a one-column row) rather than an array
   * @param input the input's number, which names its columns
   */
  public static ArrowShipment read(BufferAllocator allocator, Enumerator<?> rows,
      boolean scalar, List<EngineColumn> columns, int input) {
    try {
      return read(allocator, columns, input, (root, n) -> {
        if (!rows.moveNext()) {
          return false;
        }
        Object row = rows.current();
        for (int c = 0; c < columns.size(); c++) {
          set(root.getVector(c), columns.get(c), n, scalar ? row : ((Object[]) row)[c]);
        }
        return true;
      });
    } catch (SQLException e) {
      throw new IllegalStateException(e); // an enumerator throws no checked exception
    }
  }

  /** Writes the next row into row {@code n} of a batch, or returns false at the end. */
  @FunctionalInterface
  private interface RowWriter {
    boolean writeNext(VectorSchemaRoot root, int n) throws SQLException;
  }

  /** Reads rows into record batches of {@link #BATCH_ROWS}, the columns named for an input. */
  private static ArrowShipment read(BufferAllocator allocator, List<EngineColumn> columns,
      int input, RowWriter rows) throws SQLException {
    List<Field> fields = new ArrayList<>();
    for (int j = 0; j < columns.size(); j++) {
      fields.add(columns.get(j).arrowField(DuckDbEngine.columnName(input, j)));
    }
    ArrowShipment shipment = new ArrowShipment(new Schema(fields));
    try (VectorSchemaRoot root = VectorSchemaRoot.create(shipment.schema, allocator)) {
      boolean more = true;
      while (more) {
        root.allocateNew();
        int n = 0;
        while (n < BATCH_ROWS && (more = rows.writeNext(root, n))) {
          n++;
        }
        if (n == 0 && !shipment.batches.isEmpty()) {
          break;
        }
        root.setRowCount(n);
        ArrowRecordBatch batch = new VectorUnloader(root).getRecordBatch();
        shipment.batches.add(batch);
        shipment.rows += n;
        shipment.bytes += batch.computeBodyLength();
      }
    } catch (SQLException | RuntimeException | Error e) {
      shipment.close();
      throw e;
    }
    return shipment;
  }

  /**
   * Reads all rows of a backend's result set into record batches, each value with the typed
   * getter of its column (no boxing), dates as {@code LocalDate} where the driver offers it
   * (much cheaper than {@code getDate}), text as the JVM reads it ({@link BackendValues#text}).
   *
   * @param input the input's number, which names its columns
   */
  public static ArrowShipment read(BufferAllocator allocator, ResultSet rows,
      List<EngineColumn> columns, int input) throws SQLException {
    boolean[] legacyDates = new boolean[columns.size()];
    return read(allocator, columns, input, (root, n) -> {
      if (!rows.next()) {
        return false;
      }
      for (int c = 0; c < columns.size(); c++) {
        set(root.getVector(c), columns.get(c), n, rows, c + 1, legacyDates);
      }
      return true;
    });
  }

  private static void set(FieldVector vector, EngineColumn column, int i, ResultSet rs, int j,
      boolean[] legacyDates) throws SQLException {
    switch (column.type()) {
    case BOOLEAN:
      boolean b = rs.getBoolean(j);
      if (!rs.wasNull()) {
        ((BitVector) vector).setSafe(i, b ? 1 : 0);
        return;
      }
      break;
    case TINYINT:
      byte t = rs.getByte(j);
      if (!rs.wasNull()) {
        ((TinyIntVector) vector).setSafe(i, t);
        return;
      }
      break;
    case SMALLINT:
      short sh = rs.getShort(j);
      if (!rs.wasNull()) {
        ((SmallIntVector) vector).setSafe(i, sh);
        return;
      }
      break;
    case INTEGER:
      int in = rs.getInt(j);
      if (!rs.wasNull()) {
        ((IntVector) vector).setSafe(i, in);
        return;
      }
      break;
    case BIGINT:
      long l = rs.getLong(j);
      if (!rs.wasNull()) {
        ((BigIntVector) vector).setSafe(i, l);
        return;
      }
      break;
    case REAL:
      float f = rs.getFloat(j);
      if (!rs.wasNull()) {
        ((Float4Vector) vector).setSafe(i, f);
        return;
      }
      break;
    case FLOAT:
    case DOUBLE:
      double d = rs.getDouble(j);
      if (!rs.wasNull()) {
        ((Float8Vector) vector).setSafe(i, d);
        return;
      }
      break;
    case DATE:
      LocalDate date = date(rs, j, legacyDates);
      if (date != null) {
        ((DateDayVector) vector).setSafe(i, (int) date.toEpochDay());
        return;
      }
      break;
    case CHAR:
    case VARCHAR:
      String text = BackendValues.text(rs, j);
      if (text != null) {
        ((VarCharVector) vector).setSafe(i, text.getBytes(StandardCharsets.UTF_8));
        return;
      }
      break;
    case DECIMAL:
      set(vector, column, i, rs.getBigDecimal(j));
      return;
    case TIME:
      set(vector, column, i, rs.getTime(j));
      return;
    default:
      set(vector, column, i, rs.getTimestamp(j));
      return;
    }
    vector.setNull(i);
  }

  /** A date as {@code LocalDate}; through {@code getDate} for a driver that lacks that. */
  private static @Nullable LocalDate date(ResultSet rs, int j, boolean[] legacyDates)
      throws SQLException {
    if (!legacyDates[j - 1]) {
      try {
        return rs.getObject(j, LocalDate.class);
      } catch (SQLException | RuntimeException e) {
        legacyDates[j - 1] = true;
      }
    }
    java.sql.Date date = rs.getDate(j);
    return date == null ? null : date.toLocalDate();
  }

  /**
   * Reads all batches of an Arrow stream (an engine's own result, exported by it) without
   * converting a value.
   */
  public static ArrowShipment read(ArrowReader reader) throws java.io.IOException {
    VectorSchemaRoot root = reader.getVectorSchemaRoot();
    ArrowShipment shipment = new ArrowShipment(root.getSchema());
    try {
      while (reader.loadNextBatch()) {
        ArrowRecordBatch batch = new VectorUnloader(root).getRecordBatch();
        shipment.batches.add(batch);
        shipment.rows += root.getRowCount();
        shipment.bytes += batch.computeBodyLength();
      }
      if (shipment.batches.isEmpty()) {
        root.setRowCount(0);
        shipment.batches.add(new VectorUnloader(root).getRecordBatch());
      }
    } catch (java.io.IOException | RuntimeException | Error e) {
      shipment.close();
      throw e;
    }
    return shipment;
  }

  /**
   * Returns the shipments' rows as one shipment (all of the same schema), taking over their
   * batches.
   */
  public static ArrowShipment concat(List<ArrowShipment> parts) {
    ArrowShipment all = new ArrowShipment(parts.get(0).schema);
    for (ArrowShipment part : parts) {
      all.batches.addAll(part.batches);
      all.rows += part.rows;
      all.bytes += part.bytes;
      part.batches.clear();
    }
    return all;
  }

  /**
   * Returns the distinct non-null values of a column (integers as {@code Long}, text as
   * {@code String}, dates as {@code LocalDate}, decimals as {@code BigDecimal}), or null as
   * soon as there are more than {@code limit} of them.
   */
  public @Nullable Set<Object> distinctValues(BufferAllocator allocator, int column,
      long limit) {
    Set<Object> values = new LinkedHashSet<>();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
      VectorLoader loader = new VectorLoader(root);
      for (ArrowRecordBatch batch : batches) {
        loader.load(batch);
        ValueVector vector = root.getVector(column);
        for (int i = 0; i < root.getRowCount(); i++) {
          Object value = vector.getObject(i);
          if (value == null) {
            continue;
          }
          if (values.add(key(vector, value)) && values.size() > limit) {
            return null;
          }
        }
      }
    }
    return values;
  }

  private static Object key(ValueVector vector, Object value) {
    if (vector instanceof DateDayVector) {
      return LocalDate.ofEpochDay(((Number) value).longValue());
    }
    if (value instanceof LocalDateTime) {
      return ((LocalDateTime) value).toLocalDate();
    }
    if (value instanceof Byte || value instanceof Short || value instanceof Integer) {
      return ((Number) value).longValue();
    }
    if (value instanceof org.apache.arrow.vector.util.Text) {
      return value.toString();
    }
    return value;
  }

  /** Returns the number of rows held. */
  public long rows() {
    return rows;
  }

  /** Returns the size of the Arrow buffers held, in bytes. */
  public long bytes() {
    return bytes;
  }

  /**
   * Returns a reader that replays the batches, with the columns named for input
   * {@code input} (a shipment read once may feed several inputs), or as read if
   * {@code input} is negative.
   */
  public ArrowReader reader(BufferAllocator allocator, int input) {
    List<Field> fields = new ArrayList<>();
    for (int j = 0; j < schema.getFields().size(); j++) {
      Field field = schema.getFields().get(j);
      fields.add(input < 0 ? field : new Field(DuckDbEngine.columnName(input, j),
          field.getFieldType(), field.getChildren()));
    }
    Schema named = new Schema(fields);
    return new ArrowReader(allocator) {
      private int next;

      @Override public boolean loadNextBatch() {
        if (next >= batches.size()) {
          return false;
        }
        try {
          prepareLoadNextBatch();
          // Loaded without closing the batch (as loadRecordBatch would): the shipment keeps
          // its batches until it is closed, for the other readers of the same rows.
          new VectorLoader(getVectorSchemaRoot()).load(batches.get(next++));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        return true;
      }

      @Override public long bytesRead() {
        return bytes;
      }

      @Override protected void closeReadSource() {
      }

      @Override protected Schema readSchema() {
        return named;
      }
    };
  }

  @Override public void close() {
    batches.forEach(ArrowRecordBatch::close);
    batches.clear();
  }

  private static void set(FieldVector vector, EngineColumn column, int i, Object value) {
    if (value == null) {
      vector.setNull(i);
      return;
    }
    switch (column.type()) {
    case BOOLEAN:
      ((BitVector) vector).setSafe(i, (Boolean) value ? 1 : 0);
      break;
    case TINYINT:
      ((TinyIntVector) vector).setSafe(i, ((Number) value).byteValue());
      break;
    case SMALLINT:
      ((SmallIntVector) vector).setSafe(i, ((Number) value).shortValue());
      break;
    case INTEGER:
      ((IntVector) vector).setSafe(i, ((Number) value).intValue());
      break;
    case BIGINT:
      ((BigIntVector) vector).setSafe(i, ((Number) value).longValue());
      break;
    case REAL:
      ((Float4Vector) vector).setSafe(i, ((Number) value).floatValue());
      break;
    case FLOAT:
    case DOUBLE:
      ((Float8Vector) vector).setSafe(i, ((Number) value).doubleValue());
      break;
    case DECIMAL:
      BigDecimal d = value instanceof BigDecimal ? (BigDecimal) value
          : new BigDecimal(value.toString());
      ((DecimalVector) vector).setSafe(i, d.setScale(column.scale(), RoundingMode.HALF_UP));
      break;
    case CHAR:
    case VARCHAR:
      ((VarCharVector) vector).setSafe(i, value.toString().getBytes(StandardCharsets.UTF_8));
      break;
    case DATE:
      ((DateDayVector) vector).setSafe(i, days(value));
      break;
    case TIME:
      ((TimeMilliVector) vector).setSafe(i, millisOfDay(value));
      break;
    case TIMESTAMP:
      ((TimeStampMilliVector) vector).setSafe(i, epochMillis(value));
      break;
    default:
      throw new IllegalStateException("cannot ship " + column);
    }
  }

  private static int days(Object value) {
    if (value instanceof Number) {
      return ((Number) value).intValue();
    }
    if (value instanceof java.sql.Date) {
      return (int) ((java.sql.Date) value).toLocalDate().toEpochDay();
    }
    return (int) ((LocalDate) value).toEpochDay();
  }

  private static int millisOfDay(Object value) {
    if (value instanceof Number) {
      return ((Number) value).intValue();
    }
    if (value instanceof java.sql.Time) {
      return (int) (((java.sql.Time) value).toLocalTime().toNanoOfDay() / 1_000_000);
    }
    return (int) (((LocalTime) value).toNanoOfDay() / 1_000_000);
  }

  private static long epochMillis(Object value) {
    if (value instanceof Number) {
      return ((Number) value).longValue();
    }
    if (value instanceof java.sql.Timestamp) {
      return ((java.sql.Timestamp) value).toLocalDateTime().toInstant(ZoneOffset.UTC)
          .toEpochMilli();
    }
    return ((LocalDateTime) value).toInstant(ZoneOffset.UTC).toEpochMilli();
  }
}
