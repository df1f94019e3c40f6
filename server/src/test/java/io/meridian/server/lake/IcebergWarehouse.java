package io.meridian.server.lake;

import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.deletes.PositionDelete;
import org.apache.iceberg.deletes.PositionDeleteWriter;
import org.apache.iceberg.encryption.EncryptedFiles;
import org.apache.iceberg.encryption.EncryptedOutputFile;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

import java.io.IOException;
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
import java.util.UUID;

/**
 * Writes Iceberg tables for tests and benchmarks with Iceberg's own writers (generic records to
 * Parquet data files, position and equality delete files), committed through a catalog.
 */
public final class IcebergWarehouse {
  private final Catalog catalog;

  public IcebergWarehouse(Catalog catalog) {
    this.catalog = catalog;
  }

  /** Opens (creating if needed) a Hadoop catalog over a directory. */
  public static IcebergWarehouse hadoop(java.nio.file.Path directory) throws IOException {
    java.nio.file.Files.createDirectories(directory);
    return new IcebergWarehouse(new HadoopCatalog(new Configuration(), directory.toString()));
  }

  public Catalog catalog() {
    return catalog;
  }

  /** Creates a format-2 table (deletes allowed). */
  public Table create(String namespace, String name, Schema schema, PartitionSpec spec) {
    Namespace ns = Namespace.of(namespace);
    if (catalog instanceof SupportsNamespaces
        && !((SupportsNamespaces) catalog).namespaceExists(ns)) {
      ((SupportsNamespaces) catalog).createNamespace(ns);
    }
    return catalog.createTable(TableIdentifier.of(ns, name), schema, spec,
        Map.of(TableProperties.FORMAT_VERSION, "2"));
  }

  /** Returns the Iceberg schema of a query's result (DuckDB types), all columns optional. */
  public static Schema schemaOf(ResultSetMetaData md) throws SQLException {
    List<Types.NestedField> fields = new ArrayList<>();
    for (int i = 1; i <= md.getColumnCount(); i++) {
      fields.add(Types.NestedField.optional(i, md.getColumnLabel(i), typeOf(md, i)));
    }
    return new Schema(fields);
  }

  private static Type typeOf(ResultSetMetaData md, int i) throws SQLException {
    switch (md.getColumnType(i)) {
    case java.sql.Types.INTEGER:
    case java.sql.Types.SMALLINT:
      return Types.IntegerType.get();
    case java.sql.Types.BIGINT:
      return Types.LongType.get();
    case java.sql.Types.DECIMAL:
    case java.sql.Types.NUMERIC:
      return Types.DecimalType.of(md.getPrecision(i), md.getScale(i));
    case java.sql.Types.DOUBLE:
      return Types.DoubleType.get();
    case java.sql.Types.DATE:
      return Types.DateType.get();
    default:
      return Types.StringType.get();
    }
  }

  /** Reads a query's rows as Iceberg records of {@code schema}. */
  static List<GenericRecord> records(Connection connection, String sql, Schema schema)
      throws SQLException {
    List<GenericRecord> records = new ArrayList<>();
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        GenericRecord record = GenericRecord.create(schema);
        for (int i = 0; i < schema.columns().size(); i++) {
          Types.NestedField field = schema.columns().get(i);
          Object value = value(rs, i + 1, field);
          record.set(i, value);
        }
        records.add(record);
      }
    }
    return records;
  }

  /** Reads a column as the Java value Iceberg's generic records hold for its type. */
  private static Object value(ResultSet rs, int column, Types.NestedField field)
      throws SQLException {
    Object value = rs.getObject(column);
    if (value == null) {
      return null;
    }
    switch (field.type().typeId()) {
    case DATE:
      return rs.getDate(column).toLocalDate();
    case DECIMAL:
      return rs.getBigDecimal(column).setScale(((Types.DecimalType) field.type()).scale());
    case INTEGER:
      return ((Number) value).intValue();
    case LONG:
      return ((Number) value).longValue();
    case STRING:
      return value.toString();
    default:
      return value;
    }
  }

  /**
   * Appends the rows of a query as one snapshot, streaming: a new data file starts whenever the
   * partition changes, so a query ordered by the partition source column writes one file per
   * partition. Logs progress every million rows. Returns the number of rows.
   */
  public long appendQuery(Table table, Connection connection, String sql) throws Exception {
    Schema schema = table.schema();
    PartitionSpec spec = table.spec();
    InternalRecordWrapper wrapper = new InternalRecordWrapper(schema.asStruct());
    GenericFileWriterFactory factory = new GenericFileWriterFactory.Builder(table)
        .dataFileFormat(FileFormat.PARQUET).build();
    var append = table.newAppend();
    long rows = 0;
    PartitionKey current = null;
    DataWriter<org.apache.iceberg.data.Record> writer = null;
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        GenericRecord record = GenericRecord.create(schema);
        for (int i = 0; i < schema.columns().size(); i++) {
          record.set(i, value(rs, i + 1, schema.columns().get(i)));
        }
        PartitionKey key = new PartitionKey(spec, schema);
        key.partition(wrapper.wrap(record));
        if (writer == null || !key.equals(current)) {
          if (writer != null) {
            writer.close();
            append.appendFile(writer.toDataFile());
          }
          current = key;
          writer = factory.newDataWriter(output(table), spec,
              spec.isUnpartitioned() ? null : key);
        }
        writer.write(record);
        if (++rows % 1_000_000 == 0) {
          org.slf4j.LoggerFactory.getLogger(IcebergWarehouse.class)
              .info("{}: {} rows written", table.name(), rows);
        }
      }
    }
    if (writer != null) {
      writer.close();
      append.appendFile(writer.toDataFile());
    }
    append.commit();
    return rows;
  }

  /**
   * Appends records as one snapshot: one data file per partition. Returns the files written.
   */
  List<DataFile> append(Table table, List<GenericRecord> records) throws IOException {
    List<DataFile> files = write(table, records);
    var append = table.newAppend();
    files.forEach(append::appendFile);
    append.commit();
    return files;
  }

  /** Writes records into data files, one per partition, without committing them. */
  List<DataFile> write(Table table, List<GenericRecord> records) throws IOException {
    PartitionSpec spec = table.spec();
    Map<StructLike, List<GenericRecord>> byPartition = new LinkedHashMap<>();
    InternalRecordWrapper wrapper = new InternalRecordWrapper(table.schema().asStruct());
    for (GenericRecord record : records) {
      PartitionKey key = new PartitionKey(spec, table.schema());
      key.partition(wrapper.wrap(record));
      byPartition.computeIfAbsent(key, k -> new ArrayList<>()).add(record);
    }
    GenericFileWriterFactory factory = new GenericFileWriterFactory.Builder(table)
        .dataFileFormat(FileFormat.PARQUET).build();
    List<DataFile> files = new ArrayList<>();
    for (Map.Entry<StructLike, List<GenericRecord>> e : byPartition.entrySet()) {
      DataWriter<org.apache.iceberg.data.Record> writer = factory.newDataWriter(
          output(table), spec, spec.isUnpartitioned() ? null : e.getKey());
      try (writer) {
        e.getValue().forEach(writer::write);
      }
      files.add(writer.toDataFile());
    }
    return files;
  }

  /** Deletes rows by position (row numbers within one data file), as one snapshot. */
  DeleteFile deletePositions(Table table, DataFile file, List<Long> positions)
      throws IOException {
    GenericFileWriterFactory factory = new GenericFileWriterFactory.Builder(table)
        .deleteFileFormat(FileFormat.PARQUET).build();
    PositionDeleteWriter<org.apache.iceberg.data.Record> writer =
        factory.newPositionDeleteWriter(output(table), table.spec(), file.partition());
    PositionDelete<org.apache.iceberg.data.Record> delete = PositionDelete.create();
    try (writer) {
      for (long pos : positions) {
        writer.write(delete.set(file.location(), pos));
      }
    }
    DeleteFile deletes = writer.toDeleteFile();
    table.newRowDelta().addDeletes(deletes).commit();
    return deletes;
  }

  /** Deletes every row whose {@code column} equals one of {@code values}, as one snapshot. */
  DeleteFile deleteEqual(Table table, String column, List<?> values) throws IOException {
    Types.NestedField field = table.schema().findField(column);
    Schema deleteSchema = table.schema().select(column);
    GenericFileWriterFactory factory = new GenericFileWriterFactory.Builder(table)
        .deleteFileFormat(FileFormat.PARQUET)
        .equalityFieldIds(new int[] {field.fieldId()})
        .equalityDeleteRowSchema(deleteSchema).build();
    EqualityDeleteWriter<org.apache.iceberg.data.Record> writer =
        factory.newEqualityDeleteWriter(output(table), table.spec(), null);
    try (writer) {
      for (Object value : values) {
        GenericRecord record = GenericRecord.create(deleteSchema);
        record.set(0, value);
        writer.write(record);
      }
    }
    DeleteFile deletes = writer.toDeleteFile();
    table.newRowDelta().addDeletes(deletes).commit();
    return deletes;
  }

  private static EncryptedOutputFile output(Table table) {
    String path = table.locationProvider().newDataLocation(
        UUID.randomUUID() + ".parquet");
    return EncryptedFiles.plainAsEncryptedOutput(table.io().newOutputFile(path));
  }

  static BigDecimal decimal(String value) {
    return new BigDecimal(value);
  }
}
