package io.meridian.server;

import com.google.common.collect.ImmutableList;

import io.meridian.adapter.StorageBackend;
import io.meridian.planner.CatalogAccess;
import io.meridian.planner.CatalogRegistry;
import io.meridian.planner.MeridianTypeSystem;

import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.avatica.ColumnMetaData;
import org.apache.calcite.avatica.Meta;
import org.apache.calcite.avatica.MetaImpl;
import org.apache.calcite.jdbc.JavaTypeFactoryImpl;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.schema.Schema;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.lookup.LikePattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The JDBC metadata Meridian serves to tools (DBeaver, BI tools): each configured catalog is a
 * JDBC catalog ({@code TABLE_CAT}), each backend schema a JDBC schema ({@code TABLE_SCHEM}), so
 * that a tool's navigator shows {@code shop > public > customer} and the SQL it generates
 * ({@code shop.public.customer}) is Meridian's. A backend that is down contributes nothing
 * rather than failing the whole call. A session is shown only the catalogs it may read
 * ({@link CatalogAccess}).
 */
final class CatalogMetadata {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogMetadata.class);

  /** Kinds of backend objects a tool can query; indexes, sequences and types are left out. */
  private static final java.util.Set<Schema.TableType> RELATIONS = java.util.EnumSet.of(
      Schema.TableType.TABLE, Schema.TableType.VIEW, Schema.TableType.MATERIALIZED_VIEW,
      Schema.TableType.FOREIGN_TABLE, Schema.TableType.LOCAL_TEMPORARY,
      Schema.TableType.GLOBAL_TEMPORARY, Schema.TableType.TEMPORARY_TABLE,
      Schema.TableType.TEMPORARY_VIEW, Schema.TableType.GLOBAL_TEMPORARY_TABLE);

  private final CatalogRegistry catalogs;
  private final JavaTypeFactory typeFactory = new JavaTypeFactoryImpl(MeridianTypeSystem.INSTANCE);

  CatalogMetadata(CatalogRegistry catalogs) {
    this.catalogs = requireNonNull(catalogs, "catalogs");
  }

  Meta.MetaResultSet catalogs(String connectionId, CatalogAccess access) {
    List<Object> rows = new ArrayList<>();
    for (StorageBackend backend : backends(null, access)) {
      rows.add(new Object[] {backend.catalogName()});
    }
    return result(connectionId, columns("TABLE_CAT", String.class), rows);
  }

  Meta.MetaResultSet schemas(String connectionId, CatalogAccess access, String catalog,
      Meta.Pat schemaPattern) {
    List<Object> rows = new ArrayList<>();
    Pattern schemaRegex = regex(schemaPattern);
    for (StorageBackend backend : backends(catalog, access)) {
      for (String schema : schemaNames(backend)) {
        if (schemaRegex.matcher(schema).matches()) {
          rows.add(new Object[] {schema, backend.catalogName()});
        }
      }
    }
    return result(connectionId,
        columns("TABLE_SCHEM", String.class, "TABLE_CATALOG", String.class), rows);
  }

  Meta.MetaResultSet tables(String connectionId, CatalogAccess access, String catalog,
      Meta.Pat schemaPattern, Meta.Pat tablePattern, List<String> typeList) {
    List<Object> rows = new ArrayList<>();
    forEachTable(access, catalog, schemaPattern, tablePattern, (backend, schema, name, table) -> {
      String type = table.getJdbcTableType().jdbcName;
      if (typeList == null || typeList.contains(type)) {
        rows.add(new Object[] {backend.catalogName(), schema, name, type, null, null, null, null,
            null, null});
      }
    });
    return result(connectionId, columns("TABLE_CAT", String.class, "TABLE_SCHEM", String.class,
        "TABLE_NAME", String.class, "TABLE_TYPE", String.class, "REMARKS", String.class,
        "TYPE_CAT", String.class, "TYPE_SCHEM", String.class, "TYPE_NAME", String.class,
        "SELF_REFERENCING_COL_NAME", String.class, "REF_GENERATION", String.class), rows);
  }

  Meta.MetaResultSet columns(String connectionId, CatalogAccess access, String catalog,
      Meta.Pat schemaPattern, Meta.Pat tablePattern, Meta.Pat columnPattern) {
    List<Object> rows = new ArrayList<>();
    Pattern columnRegex = regex(columnPattern);
    forEachTable(access, catalog, schemaPattern, tablePattern, (backend, schema, name, table) -> {
      RelDataType rowType = table.getRowType(typeFactory);
      for (RelDataTypeField field : rowType.getFieldList()) {
        if (!columnRegex.matcher(field.getName()).matches()) {
          continue;
        }
        RelDataType type = field.getType();
        boolean hasScale = type.getSqlTypeName().allowsScale();
        int precision = type.getPrecision();
        rows.add(new Object[] {backend.catalogName(), schema, name, field.getName(),
            type.getSqlTypeName().getJdbcOrdinal(), type.getSqlTypeName().getName(),
            precision < 0 ? null : precision, null, hasScale ? type.getScale() : null, 10,
            type.isNullable() ? 1 : 0, null, null, null, null, null, field.getIndex() + 1,
            type.isNullable() ? "YES" : "NO", null, null, null, null, "NO", "NO"});
      }
    });
    return result(connectionId, columns("TABLE_CAT", String.class, "TABLE_SCHEM", String.class,
        "TABLE_NAME", String.class, "COLUMN_NAME", String.class, "DATA_TYPE", Integer.class,
        "TYPE_NAME", String.class, "COLUMN_SIZE", Integer.class, "BUFFER_LENGTH", Integer.class,
        "DECIMAL_DIGITS", Integer.class, "NUM_PREC_RADIX", Integer.class,
        "NULLABLE", Integer.class, "REMARKS", String.class, "COLUMN_DEF", String.class,
        "SQL_DATA_TYPE", Integer.class, "SQL_DATETIME_SUB", Integer.class,
        "CHAR_OCTET_LENGTH", Integer.class, "ORDINAL_POSITION", Integer.class,
        "IS_NULLABLE", String.class, "SCOPE_CATALOG", String.class,
        "SCOPE_SCHEMA", String.class, "SCOPE_TABLE", String.class,
        "SOURCE_DATA_TYPE", Short.class, "IS_AUTOINCREMENT", String.class,
        "IS_GENERATEDCOLUMN", String.class), rows);
  }

  Meta.MetaResultSet tableTypes(String connectionId) {
    List<Object> rows = new ArrayList<>();
    for (String type : List.of("SYSTEM TABLE", "TABLE", "VIEW")) {
      rows.add(new Object[] {type});
    }
    return result(connectionId, columns("TABLE_TYPE", String.class), rows);
  }

  /** One of a backend driver's key or index metadata calls. */
  private interface BackendMetadataCall {
    java.sql.ResultSet call(java.sql.DatabaseMetaData md, String jdbcCatalog, String schema,
        String table) throws java.sql.SQLException;
  }

  private static final Object[] PRIMARY_KEY_COLUMNS = {"TABLE_CAT", String.class,
      "TABLE_SCHEM", String.class, "TABLE_NAME", String.class, "COLUMN_NAME", String.class,
      "KEY_SEQ", Short.class, "PK_NAME", String.class};
  private static final Object[] FOREIGN_KEY_COLUMNS = {"PKTABLE_CAT", String.class,
      "PKTABLE_SCHEM", String.class, "PKTABLE_NAME", String.class, "PKCOLUMN_NAME", String.class,
      "FKTABLE_CAT", String.class, "FKTABLE_SCHEM", String.class, "FKTABLE_NAME", String.class,
      "FKCOLUMN_NAME", String.class, "KEY_SEQ", Short.class, "UPDATE_RULE", Short.class,
      "DELETE_RULE", Short.class, "FK_NAME", String.class, "PK_NAME", String.class,
      "DEFERRABILITY", Short.class};
  private static final Object[] INDEX_COLUMNS = {"TABLE_CAT", String.class,
      "TABLE_SCHEM", String.class, "TABLE_NAME", String.class, "NON_UNIQUE", Boolean.class,
      "INDEX_QUALIFIER", String.class, "INDEX_NAME", String.class, "TYPE", Short.class,
      "ORDINAL_POSITION", Short.class, "COLUMN_NAME", String.class, "ASC_OR_DESC", String.class,
      "CARDINALITY", Long.class, "PAGES", Long.class, "FILTER_CONDITION", String.class};

  /** {@code getPrimaryKeys}: what the backend's own catalog says. */
  Meta.MetaResultSet primaryKeys(String connectionId, CatalogAccess access, String catalog,
      String schema, String table) {
    return fromBackends(connectionId, access, catalog, schema, table, PRIMARY_KEY_COLUMNS,
        new int[] {0}, (md, c, s, t) -> md.getPrimaryKeys(c, s, t));
  }

  /** {@code getImportedKeys}: the foreign keys of a table, as its backend knows them. */
  Meta.MetaResultSet importedKeys(String connectionId, CatalogAccess access, String catalog,
      String schema, String table) {
    return fromBackends(connectionId, access, catalog, schema, table, FOREIGN_KEY_COLUMNS,
        new int[] {0, 4}, (md, c, s, t) -> md.getImportedKeys(c, s, t));
  }

  /** {@code getExportedKeys}: the foreign keys that refer to a table. */
  Meta.MetaResultSet exportedKeys(String connectionId, CatalogAccess access, String catalog,
      String schema, String table) {
    return fromBackends(connectionId, access, catalog, schema, table, FOREIGN_KEY_COLUMNS,
        new int[] {0, 4}, (md, c, s, t) -> md.getExportedKeys(c, s, t));
  }

  /** {@code getIndexInfo}: a table's indexes, as its backend knows them. */
  Meta.MetaResultSet indexInfo(String connectionId, CatalogAccess access, String catalog,
      String schema, String table, boolean unique, boolean approximate) {
    return fromBackends(connectionId, access, catalog, schema, table, INDEX_COLUMNS,
        new int[] {0}, (md, c, s, t) -> md.getIndexInfo(c, s, t, unique, approximate));
  }

  /**
   * Asks the backend of each visible JDBC catalog ({@code catalog} null: all) its driver's
   * metadata for a table, and serves the rows with the backend's own catalog (its database
   * name) replaced by the Meridian catalog in the columns {@code catalogColumns}. Lake catalogs
   * and catalogs that are down contribute nothing.
   */
  private Meta.MetaResultSet fromBackends(String connectionId, CatalogAccess access,
      String catalog, String schema, String table, Object[] columnSpec, int[] catalogColumns,
      BackendMetadataCall call) {
    List<ColumnMetaData> columns = columns(columnSpec);
    List<Object> rows = new ArrayList<>();
    for (StorageBackend backend : backends(catalog, access)) {
      io.meridian.adapter.jdbc.BackendCatalogSchema jdbc =
          io.meridian.adapter.jdbc.BackendCatalogSchema.of(backend.schema());
      if (jdbc == null) {
        continue;
      }
      try (java.sql.Connection c = jdbc.dataSource().getConnection();
           java.sql.ResultSet rs = call.call(c.getMetaData(), jdbc.jdbcCatalog(), schema,
               table)) {
        while (rs.next()) {
          Object[] row = new Object[columns.size()];
          for (int i = 0; i < row.length; i++) {
            row[i] = convert(rs.getObject(i + 1), (Class<?>) columnSpec[2 * i + 1]);
          }
          for (int i : catalogColumns) {
            row[i] = backend.catalogName();
          }
          rows.add(row);
        }
      } catch (java.sql.SQLException | RuntimeException e) {
        LOG.debug("key metadata of catalog '{}' unavailable: {}", backend.catalogName(),
            e.getMessage());
      }
    }
    return result(connectionId, columns, rows);
  }

  /** Converts a driver's value to the declared JDBC metadata type of its column. */
  private static Object convert(Object value, Class<?> type) {
    if (value == null || type.isInstance(value)) {
      return value;
    }
    if (value instanceof Number) {
      Number n = (Number) value;
      if (type == Short.class) {
        return n.shortValue();
      }
      if (type == Long.class) {
        return n.longValue();
      }
      if (type == Boolean.class) {
        return n.intValue() != 0;
      }
    }
    return type == String.class ? value.toString() : value;
  }

  /** Receives one table of the catalogs. */
  private interface TableVisitor {
    void visit(StorageBackend backend, String schema, String name, Table table);
  }

  private void forEachTable(CatalogAccess access, String catalog, Meta.Pat schemaPattern,
      Meta.Pat tablePattern, TableVisitor visitor) {
    Pattern schemaRegex = regex(schemaPattern);
    Pattern tableRegex = regex(tablePattern);
    for (StorageBackend backend : backends(catalog, access)) {
      try {
        Schema root = backend.schema();
        for (String schemaName : schemaNames(backend)) {
          if (!schemaRegex.matcher(schemaName).matches()) {
            continue;
          }
          Schema schema = root.subSchemas().get(schemaName);
          if (schema == null) {
            continue;
          }
          for (String tableName : new TreeSet<>(schema.tables().getNames(LikePattern.any()))) {
            if (tableRegex.matcher(tableName).matches()) {
              Table table = schema.tables().get(tableName);
              if (table != null && RELATIONS.contains(table.getJdbcTableType())) {
                visitor.visit(backend, schemaName, tableName, table);
              }
            }
          }
        }
      } catch (RuntimeException e) {
        LOG.debug("metadata of catalog '{}' unavailable: {}", backend.catalogName(),
            e.getMessage());
      }
    }
  }

  /** The catalogs the session sees, all ({@code catalog} null) or the one named. */
  private List<StorageBackend> backends(String catalog, CatalogAccess access) {
    List<StorageBackend> result = new ArrayList<>();
    for (StorageBackend backend : catalogs.backends().values()) {
      if ((catalog == null || backend.catalogName().equalsIgnoreCase(catalog))
          && access.canRead(backend.catalogName())) {
        result.add(backend);
      }
    }
    result.sort((a, b) -> a.catalogName().compareTo(b.catalogName()));
    return result;
  }

  private static List<String> schemaNames(StorageBackend backend) {
    try {
      return ImmutableList.copyOf(
          new TreeSet<>(backend.schema().subSchemas().getNames(LikePattern.any())));
    } catch (RuntimeException e) {
      LOG.debug("schemas of catalog '{}' unavailable: {}", backend.catalogName(),
          e.getMessage());
      return ImmutableList.of();
    }
  }

  /** Turns a JDBC LIKE pattern (null: everything) into a case-insensitive regex. */
  static Pattern regex(Meta.Pat pattern) {
    if (pattern == null || pattern.s == null) {
      return Pattern.compile(".*", Pattern.DOTALL);
    }
    StringBuilder regex = new StringBuilder();
    String s = pattern.s;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        regex.append(Pattern.quote(String.valueOf(s.charAt(++i))));
      } else if (c == '%') {
        regex.append(".*");
      } else if (c == '_') {
        regex.append('.');
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
  }

  private static List<ColumnMetaData> columns(Object... nameTypePairs) {
    List<ColumnMetaData> columns = new ArrayList<>();
    for (int i = 0; i < nameTypePairs.length; i += 2) {
      columns.add(MetaImpl.columnMetaData((String) nameTypePairs[i], i / 2,
          (Class<?>) nameTypePairs[i + 1], true));
    }
    return columns;
  }

  private static Meta.MetaResultSet result(String connectionId, List<ColumnMetaData> columns,
      List<Object> rows) {
    Meta.Signature signature = Meta.Signature.create(columns, null, List.of(),
        Meta.CursorFactory.ARRAY, Meta.StatementType.SELECT);
    return Meta.MetaResultSet.create(connectionId, -1, true, signature,
        Meta.Frame.create(0, true, rows));
  }

  @Override public String toString() {
    return "CatalogMetadata" + catalogs.backends().keySet().toString().toLowerCase(Locale.ROOT);
  }
}
