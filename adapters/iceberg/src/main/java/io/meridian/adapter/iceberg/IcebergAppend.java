package io.meridian.adapter.iceberg;

import org.apache.calcite.avatica.util.ByteString;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.encryption.EncryptedFiles;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Appends rows to an Iceberg table with Iceberg's own writers: one open Parquet data file per
 * partition, committed as one append snapshot at the end. On any failure the files written are
 * deleted and nothing is committed.
 */
final class IcebergAppend {
  private static final Logger LOG = LoggerFactory.getLogger(IcebergAppend.class);

  private IcebergAppend() {
  }

  /** Creates the Iceberg schema of a Calcite row type (fresh field ids). */
  static Schema schemaOf(RelDataType rowType) {
    List<Types.NestedField> fields = new ArrayList<>();
    int id = 1;
    for (RelDataTypeField field : rowType.getFieldList()) {
      Type type = typeOf(field);
      fields.add(field.getType().isNullable()
          ? Types.NestedField.optional(id++, field.getName(), type)
          : Types.NestedField.required(id++, field.getName(), type));
    }
    return new Schema(fields);
  }

  private static Type typeOf(RelDataTypeField field) {
    RelDataType type = field.getType();
    switch (type.getSqlTypeName()) {
    case BOOLEAN:
      return Types.BooleanType.get();
    case TINYINT:
    case SMALLINT:
    case INTEGER:
      return Types.IntegerType.get();
    case BIGINT:
      return Types.LongType.get();
    case REAL:
    case FLOAT:
      return Types.FloatType.get();
    case DOUBLE:
      return Types.DoubleType.get();
    case DECIMAL:
      if (type.getPrecision() > 38) {
        throw new IllegalArgumentException("column " + field.getName() + ": DECIMAL("
            + type.getPrecision() + ") is wider than Iceberg's 38 digits");
      }
      return Types.DecimalType.of(type.getPrecision(), Math.max(type.getScale(), 0));
    case DATE:
      return Types.DateType.get();
    case TIME:
      return Types.TimeType.get();
    case TIMESTAMP:
      return Types.TimestampType.withoutZone();
    case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
      return Types.TimestampType.withZone();
    case CHAR:
    case VARCHAR:
      return Types.StringType.get();
    case BINARY:
    case VARBINARY:
      return Types.BinaryType.get();
    default:
      throw new IllegalArgumentException("column " + field.getName() + ": type "
          + type.getFullTypeString() + " has no Iceberg type");
    }
  }

  /** Appends rows as one snapshot; returns the row count. */
  static long append(Table table, String displayName, Enumerable<Object[]> rows) {
    table.refresh();
    Schema schema = table.schema();
    PartitionSpec spec = table.spec();
    List<Types.NestedField> columns = schema.columns();
    InternalRecordWrapper wrapper = new InternalRecordWrapper(schema.asStruct());
    GenericFileWriterFactory factory = new GenericFileWriterFactory.Builder(table)
        .dataFileFormat(FileFormat.PARQUET).build();
    Map<PartitionKey, DataWriter<org.apache.iceberg.data.Record>> writers = new HashMap<>();
    List<DataFile> files = new ArrayList<>();
    long count = 0;
    boolean committed = false;
    try {
      try (Enumerator<Object[]> e = rows.enumerator()) {
        while (e.moveNext()) {
          Object[] row = e.current();
          count++;
          GenericRecord record = GenericRecord.create(schema);
          for (int i = 0; i < columns.size(); i++) {
            record.set(i, toIceberg(row[i], columns.get(i), count, displayName));
          }
          PartitionKey key = new PartitionKey(spec, schema);
          key.partition(wrapper.wrap(record));
          DataWriter<org.apache.iceberg.data.Record> writer = writers.get(key);
          if (writer == null) {
            String path = table.locationProvider().newDataLocation(spec, key,
                UUID.randomUUID() + ".parquet");
            writer = factory.newDataWriter(
                EncryptedFiles.plainAsEncryptedOutput(table.io().newOutputFile(path)), spec,
                spec.isUnpartitioned() ? null : key);
            writers.put(key.copy(), writer);
          }
          writer.write(record);
        }
      }
      for (DataWriter<org.apache.iceberg.data.Record> writer : writers.values()) {
        writer.close();
        files.add(writer.toDataFile());
      }
      writers.clear();
      if (count > 0) {
        AppendFiles append = table.newAppend();
        files.forEach(append::appendFile);
        append.commit();
      }
      committed = true;
      LOG.info("Iceberg table {}: appended {} rows in {} data files", displayName, count,
          files.size());
      return count;
    } catch (IOException e) {
      throw new UncheckedIOException("writing to Iceberg table " + displayName, e);
    } finally {
      if (!committed) {
        abandon(table, writers, files);
      }
    }
  }

  /** Deletes every file an append wrote: none of them was committed. */
  private static void abandon(Table table,
      Map<PartitionKey, DataWriter<org.apache.iceberg.data.Record>> open, List<DataFile> closed) {
    for (DataWriter<org.apache.iceberg.data.Record> writer : open.values()) {
      try {
        writer.close();
        closed.add(writer.toDataFile());
      } catch (IOException | RuntimeException e) {
        LOG.warn("closing an abandoned Iceberg data file: {}", e.toString());
      }
    }
    for (DataFile file : closed) {
      try {
        table.io().deleteFile(file.location());
      } catch (RuntimeException e) {
        LOG.warn("deleting abandoned Iceberg data file {}: {}", file.location(), e.toString());
      }
    }
  }

  /** Converts one value from Calcite's internal representation to Iceberg's generic one. */
  static @Nullable Object toIceberg(@Nullable Object value, Types.NestedField field, long row,
      String table) {
    if (value == null) {
      if (field.isRequired()) {
        throw new IllegalArgumentException("row " + row + " has NULL in column "
            + field.name() + " of " + table + ", which is NOT NULL");
      }
      return null;
    }
    Type type = field.type();
    switch (type.typeId()) {
    case BOOLEAN:
      return value;
    case INTEGER:
      return ((Number) value).intValue();
    case LONG:
      return ((Number) value).longValue();
    case FLOAT:
      return ((Number) value).floatValue();
    case DOUBLE:
      return ((Number) value).doubleValue();
    case DECIMAL: {
      Types.DecimalType decimal = (Types.DecimalType) type;
      BigDecimal v = (value instanceof BigDecimal ? (BigDecimal) value
          : new BigDecimal(value.toString())).setScale(decimal.scale(), RoundingMode.HALF_UP);
      if (v.precision() > decimal.precision()) {
        throw new IllegalArgumentException("row " + row + ": " + v + " does not fit column "
            + field.name() + " " + type + " of " + table);
      }
      return v;
    }
    case DATE:
      return LocalDate.ofEpochDay(((Number) value).longValue());
    case TIME:
      return LocalTime.ofNanoOfDay(((Number) value).longValue() * 1_000_000L);
    case TIMESTAMP: {
      Instant instant = Instant.ofEpochMilli(((Number) value).longValue());
      return ((Types.TimestampType) type).shouldAdjustToUTC()
          ? instant.atOffset(ZoneOffset.UTC) : LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
    case STRING:
      return value.toString();
    case UUID:
      return UUID.fromString(value.toString());
    case BINARY:
    case FIXED:
      return ByteBuffer.wrap(value instanceof ByteString ? ((ByteString) value).getBytes()
          : (byte[]) value);
    default:
      throw new IllegalArgumentException("column " + field.name() + " of " + table
          + ": writing " + type + " is not supported");
    }
  }
}
