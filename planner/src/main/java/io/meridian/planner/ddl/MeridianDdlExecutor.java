package io.meridian.planner.ddl;

import io.meridian.adapter.LakeCatalog;
import io.meridian.adapter.jdbc.BackendCatalogSchema;
import io.meridian.cost.CostModel;
import io.meridian.planner.CatalogAccess;
import io.meridian.planner.MeridianDriver;

import org.apache.calcite.jdbc.CalcitePrepare;
import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.prepare.CalciteCatalogReader;
import org.apache.calcite.prepare.CalcitePrepareImpl;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.schema.Schema;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.Wrapper;
import org.apache.calcite.schema.lookup.Named;
import org.apache.calcite.server.DdlExecutorImpl;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlUserDefinedTypeNameSpec;
import org.apache.calcite.sql.SqlBasicTypeNameSpec;
import org.apache.calcite.sql.ddl.SqlColumnDeclaration;
import org.apache.calcite.sql.ddl.SqlCreateTable;
import org.apache.calcite.sql.ddl.SqlDropTable;
import org.apache.calcite.sql.dialect.CalciteSqlDialect;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.validate.SqlValidator;
import org.apache.calcite.sql.validate.SqlValidatorUtil;
import org.apache.calcite.util.Util;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs DDL in the backend that holds the named table: {@code CREATE TABLE} (with columns, or
 * {@code AS query} from any catalogs), {@code DROP TABLE} and {@code CREATE INDEX}. Each
 * statement is written in the backend's dialect by its {@link io.meridian.adapter.jdbc.BackendDdl};
 * afterwards the catalog's cached metadata is invalidated so that every connection sees the
 * change on its next statement.
 *
 * <p>Names resolve like table names in queries: {@code catalog.schema.table}, or
 * {@code schema.table} and {@code table} against the connection's default schema
 * ({@code schema=catalog.schema}).
 */
public final class MeridianDdlExecutor extends DdlExecutorImpl {
  public static final MeridianDdlExecutor INSTANCE = new MeridianDdlExecutor();

  private static final Logger LOG = LoggerFactory.getLogger(MeridianDdlExecutor.class);

  /** Type names some dialects use that Calcite's grammar reads as user-defined types. */
  private static final Map<String, SqlTypeName> TYPE_ALIASES = Map.of(
      "TEXT", SqlTypeName.VARCHAR, "STRING", SqlTypeName.VARCHAR, "CLOB", SqlTypeName.VARCHAR,
      "INT4", SqlTypeName.INTEGER, "INT8", SqlTypeName.BIGINT, "INT2", SqlTypeName.SMALLINT,
      "FLOAT8", SqlTypeName.DOUBLE, "FLOAT4", SqlTypeName.REAL, "BOOL", SqlTypeName.BOOLEAN);

  private MeridianDdlExecutor() {
  }

  /** A table's place: the catalog's schema object, the backend schema name, the table name. */
  private record Target(BackendCatalogSchema catalog, String schema, String table) {
    String display() {
      return catalog.catalogName() + "." + schema + "." + table;
    }
  }

  /** What {@code CREATE TABLE} defines: the columns, the primary key, the rows' query. */
  private record Definition(RelDataType rowType, List<String> key, @Nullable String querySql) {
  }

  private static Definition definition(SqlCreateTable create, CalcitePrepare.Context context) {
    if (create.query != null) {
      if (create.columnList != null) {
        throw new DdlException("CREATE TABLE ... AS takes its columns from the query; "
            + "give names with AS in the select list instead of a column list");
      }
      String querySql = create.query.toSqlString(CalciteSqlDialect.DEFAULT).getSql();
      return new Definition(forStorage(new CalcitePrepareImpl().parse(context, querySql).rowType,
          context.getTypeFactory()), List.of(), querySql);
    }
    if (create.columnList == null) {
      throw new DdlException("CREATE TABLE needs a column list or AS query");
    }
    RelDataType rowType = columnsType(create, context);
    List<String> key = List.of();
    if (create instanceof SqlCreateTableWithKey) {
      key = ((SqlCreateTableWithKey) create).primaryKey.stream()
          .map(SqlIdentifier::getSimple).toList();
      rowType = keyNotNull(rowType, key, context.getTypeFactory());
    }
    return new Definition(rowType, key, null);
  }

  /**
   * Fails unless the session may change the catalog: every statement here needs write access
   * ({@link CatalogAccess}) to the catalog it changes.
   */
  private static void checkWrite(CalcitePrepare.Context context, String catalog) {
    CatalogAccess.of(context.getRootSchema()).checkWrite(catalog);
  }

  /** {@code CREATE TABLE}. */
  public void execute(SqlCreateTable create, CalcitePrepare.Context context) {
    if (create.getReplace()) {
      throw new DdlException("CREATE OR REPLACE TABLE is not supported; DROP TABLE first");
    }
    LakeTarget lake = lakeTarget(create.name, context);
    if (lake != null) {
      checkWrite(context, lake.catalog().catalogName());
      createLakeTable(create, lake, context);
      return;
    }
    Target target = resolve(create.name, context, false);
    checkWrite(context, target.catalog().catalogName());
    Definition definition = definition(create, context);
    if (tableExists(target)) {
      if (create.ifNotExists) {
        return;
      }
      throw new DdlException("table " + target.display() + " already exists");
    }
    run(target.catalog(), target.catalog().ddl().createTable(target.schema(), target.table(),
        definition.rowType(), definition.key(), create.ifNotExists));
    if (definition.querySql() != null) {
      fill(target.display(), quoted(target.catalog().catalogName(), target.schema(),
          target.table()), definition.querySql(), context, () -> run(target.catalog(),
              target.catalog().ddl().dropTable(target.schema(), target.table(), true)));
    }
  }

  /**
   * Fills a table this statement just created with its query's rows ({@code INSERT ... SELECT}
   * on the same connection); if that fails the table is dropped again, so that a failed
   * {@code CREATE TABLE ... AS} leaves nothing behind.
   */
  private static void fill(String display, String quotedName, String querySql,
      CalcitePrepare.Context context, Runnable drop) {
    try (Statement statement = connection(context).createStatement()) {
      long rows = statement.executeLargeUpdate("INSERT INTO " + quotedName + " " + querySql);
      LOG.info("created {} with {} rows", display, rows);
    } catch (SQLException | RuntimeException e) {
      try {
        drop.run();
      } catch (RuntimeException dropFailure) {
        e.addSuppressed(dropFailure);
      }
      throw new DdlException("CREATE TABLE " + display
          + " AS failed, the table was not created: " + e.getMessage(), e);
    }
  }

  /**
   * {@code CREATE TABLE} in a lake catalog: the table is created empty, then (for {@code AS})
   * filled by {@code INSERT ... SELECT} as one commit; if that fails the table is dropped again.
   */
  private void createLakeTable(SqlCreateTable create, LakeTarget target,
      CalcitePrepare.Context context) {
    Definition definition = definition(create, context);
    if (!definition.key().isEmpty()) {
      throw new DdlException("lake table " + target.display() + " cannot have a primary key");
    }
    if (target.catalog().tableExists(target.schema(), target.table())) {
      if (create.ifNotExists) {
        return;
      }
      throw new DdlException("table " + target.display() + " already exists");
    }
    try {
      target.catalog().createTable(target.schema(), target.table(), definition.rowType());
    } catch (RuntimeException e) {
      throw new DdlException("cannot create " + target.display() + ": " + e.getMessage(), e);
    }
    if (definition.querySql() != null) {
      fill(target.display(), quoted(target.catalog().catalogName(), target.schema(),
          target.table()), definition.querySql(), context,
          () -> target.catalog().dropTable(target.schema(), target.table()));
    }
  }

  /**
   * {@code ANALYZE}: the backend gathers the table's statistics again (PostgreSQL and DuckDB
   * run their own {@code ANALYZE}; ClickHouse keeps row counts current by itself), and the
   * catalog forgets its cached statistics, so every connection plans its next statement with
   * the fresh ones. Parquet tables get the distinct counts their footers lack counted over
   * their files; Iceberg and Delta snapshots are read as they are.
   */
  public void execute(SqlAnalyze analyze, CalcitePrepare.Context context) {
    LakeTarget lake = lakeTarget(analyze.name, context);
    if (lake != null) {
      checkWrite(context, lake.catalog().catalogName());
      if (!lake.catalog().tableExists(lake.schema(), lake.table())) {
        throw new DdlException("table " + lake.display() + " does not exist");
      }
      String gathered;
      try {
        gathered = lake.catalog().analyze(lake.schema(), lake.table());
      } catch (RuntimeException e) {
        throw new DdlException(String.valueOf(e.getMessage()));
      }
      // The catalog's cached statistics (footer row counts, column statistics) are dropped.
      CalciteSchema catalogSchema =
          context.getRootSchema().getSubSchema(lake.catalog().catalogName(), false);
      BackendCatalogSchema cached =
          catalogSchema == null ? null : BackendCatalogSchema.of(catalogSchema.schema);
      if (cached != null) {
        cached.invalidate();
      }
      LOG.info("ANALYZE {}: {}", lake.display(), gathered);
      return;
    }
    Target target = resolve(analyze.name, context, true);
    checkWrite(context, target.catalog().catalogName());
    if (!tableExists(target)) {
      throw new DdlException("table " + target.display() + " does not exist");
    }
    String sql = target.catalog().ddl().analyze(target.schema(), target.table());
    if (sql == null) {
      target.catalog().invalidate();
    } else {
      run(target.catalog(), sql);
    }
    LOG.info("ANALYZE {}: statistics gathered again", target.display());
  }

  /** {@code CALIBRATE [FROM WORKLOAD]}: the server's calibrator does the work. */
  public void execute(SqlCalibrate calibrate, CalcitePrepare.Context context) {
    // Calibration replaces the coefficients every session plans with, and writes them to the
    // system catalog.
    checkWrite(context, io.meridian.planner.CatalogRegistry.RESERVED);
    CostModel.Calibrator calibrator =
        MeridianDriver.costModel(context.getRootSchema()).calibrator();
    if (calibrator == null) {
      throw new DdlException("calibration is off: it needs the workload log"
          + " (server.workload-log) and server.calibration auto or manual");
    }
    try {
      LOG.info("CALIBRATE: {}", calibrator.calibrate(calibrate.fromWorkload));
    } catch (DdlException e) {
      throw e;
    } catch (Exception e) {
      throw new DdlException("calibration failed: " + e.getMessage());
    }
  }

  /** {@code DROP TABLE}. */
  public void execute(SqlDropTable drop, CalcitePrepare.Context context) {
    LakeTarget lake = lakeTarget(drop.name, context);
    if (lake != null) {
      checkWrite(context, lake.catalog().catalogName());
      if (lake.catalog().tableExists(lake.schema(), lake.table())) {
        lake.catalog().dropTable(lake.schema(), lake.table());
      } else if (!drop.ifExists) {
        throw new DdlException("table " + lake.display() + " does not exist");
      }
      return;
    }
    Target target = resolve(drop.name, context, true);
    checkWrite(context, target.catalog().catalogName());
    if (!tableExists(target)) {
      if (drop.ifExists) {
        return;
      }
      throw new DdlException("table " + target.display() + " does not exist");
    }
    run(target.catalog(),
        target.catalog().ddl().dropTable(target.schema(), target.table(), drop.ifExists));
  }

  /** {@code CREATE INDEX}: the backend builds the index (where it has indexes). */
  public void execute(SqlCreateIndex create, CalcitePrepare.Context context) {
    LakeTarget lake = lakeTarget(create.table, context);
    if (lake != null) {
      throw new DdlException("catalog '" + lake.catalog().catalogName()
          + "' holds lake tables, which have no indexes");
    }
    Target target = resolve(create.table, context, true);
    checkWrite(context, target.catalog().catalogName());
    if (!tableExists(target)) {
      throw new DdlException("table " + target.display() + " does not exist");
    }
    List<String> columns = create.columns.stream().map(SqlIdentifier::getSimple).toList();
    String sql;
    try {
      sql = target.catalog().ddl().createIndex(target.schema(), target.table(),
          create.name.getSimple(), columns, create.unique, create.ifNotExists);
    } catch (UnsupportedOperationException e) {
      throw new DdlException("catalog '" + target.catalog().catalogName()
          + "' cannot create index " + create.name.getSimple() + ": " + e.getMessage(), e);
    }
    run(target.catalog(), sql);
  }

  /** Returns a table name as catalog, schema, table (the default schema filling in). */
  private static List<String> qualify(SqlIdentifier name, CalcitePrepare.Context context) {
    List<String> parts = name.names;
    List<String> path = context.getDefaultSchemaPath();
    if (parts.size() == 3) {
      return parts;
    } else if (parts.size() == 2 && !path.isEmpty()) {
      return List.of(path.get(0), parts.get(0), parts.get(1));
    } else if (parts.size() == 1 && path.size() == 2) {
      return List.of(path.get(0), path.get(1), parts.get(0));
    }
    throw new DdlException("table name " + name + " must be catalog.schema.table, "
        + "or the connection must set a default schema (schema=catalog.schema)");
  }

  /** A table of a lake catalog: Meridian itself creates and drops it. */
  private record LakeTarget(LakeCatalog catalog, String schema, String table) {
    String display() {
      return catalog.catalogName() + "." + schema + "." + table;
    }
  }

  /** Returns the target when the name is in a lake catalog, else null. */
  private static @Nullable LakeTarget lakeTarget(SqlIdentifier name,
      CalcitePrepare.Context context) {
    List<String> full = qualify(name, context);
    CalciteSchema catalogSchema = context.getRootSchema().getSubSchema(full.get(0), false);
    LakeCatalog lake = catalogSchema != null && catalogSchema.schema instanceof Wrapper
        ? ((Wrapper) catalogSchema.schema).unwrap(LakeCatalog.class) : null;
    return lake == null ? null : new LakeTarget(lake, full.get(1), full.get(2));
  }

  /** Resolves a table name; when {@code existing}, the table's own spelling is looked up. */
  private static Target resolve(SqlIdentifier name, CalcitePrepare.Context context,
      boolean existing) {
    List<String> full = qualify(name, context);
    CalciteSchema catalogSchema = context.getRootSchema().getSubSchema(full.get(0), false);
    if (catalogSchema == null) {
      throw new DdlException("catalog '" + full.get(0) + "' does not exist");
    }
    BackendCatalogSchema catalog = BackendCatalogSchema.of(catalogSchema.schema);
    if (catalog == null) {
      throw new DdlException("catalog '" + full.get(0) + "' does not accept DDL");
    }
    Named<? extends Schema> schema = catalog.subSchemas().getIgnoreCase(full.get(1));
    if (schema == null) {
      throw new DdlException("schema '" + full.get(1) + "' does not exist in catalog '"
          + catalog.catalogName() + "'");
    }
    String table = full.get(2);
    if (existing) {
      Named<Table> found = schema.entity().tables().getIgnoreCase(table);
      if (found != null) {
        table = found.name();
      }
    }
    return new Target(catalog, schema.name(), table);
  }

  private static boolean tableExists(Target target) {
    Schema schema = target.catalog().subSchemas().get(target.schema());
    return schema != null && schema.tables().get(target.table()) != null;
  }

  private static String quoted(String catalog, String schema, String table) {
    return CalciteSqlDialect.DEFAULT.quoteIdentifier(catalog) + "."
        + CalciteSqlDialect.DEFAULT.quoteIdentifier(schema) + "."
        + CalciteSqlDialect.DEFAULT.quoteIdentifier(table);
  }

  /** Runs one DDL statement in the backend and makes every connection see its effect. */
  private static void run(BackendCatalogSchema catalog, String sql) {
    LOG.debug("DDL in catalog {}: {}", catalog.catalogName(), sql);
    try (Connection connection = catalog.dataSource().getConnection();
         Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new DdlException(catalog.dataSource().describe(e), e);
    } finally {
      catalog.invalidate();
    }
  }

  /** The Meridian connection that runs this DDL, to run the INSERT of CREATE TABLE ... AS. */
  private static Connection connection(CalcitePrepare.Context context) {
    Object provider = context.getDataContext().getQueryProvider();
    if (provider instanceof Connection) {
      return (Connection) provider;
    }
    throw new DdlException("CREATE TABLE ... AS needs a Meridian connection");
  }

  /** The row type with the primary key's columns NOT NULL; an unknown key column fails. */
  private static RelDataType keyNotNull(RelDataType rowType, List<String> key,
      RelDataTypeFactory typeFactory) {
    for (String column : key) {
      if (rowType.getField(column, false, false) == null) {
        throw new DdlException("primary key column " + column + " is not a column of the table");
      }
    }
    RelDataTypeFactory.Builder builder = typeFactory.builder();
    for (RelDataTypeField field : rowType.getFieldList()) {
      builder.add(field.getName(), key.contains(field.getName())
          ? typeFactory.createTypeWithNullability(field.getType(), false) : field.getType());
    }
    return builder.build();
  }

  /** The row type of a column list. */
  private static RelDataType columnsType(SqlCreateTable create, CalcitePrepare.Context context) {
    RelDataTypeFactory typeFactory = context.getTypeFactory();
    SqlValidator validator = SqlValidatorUtil.newValidator(SqlStdOperatorTable.instance(),
        new CalciteCatalogReader(context.getRootSchema(), context.getDefaultSchemaPath(),
            typeFactory, context.config()),
        typeFactory, SqlValidator.Config.DEFAULT);
    RelDataTypeFactory.Builder builder = typeFactory.builder();
    for (SqlNode node : Util.first(create.columnList, new org.apache.calcite.sql.SqlNodeList(
        SqlParserPos.ZERO))) {
      if (!(node instanceof SqlColumnDeclaration)) {
        throw new DdlException("only column definitions are supported in CREATE TABLE, not "
            + node);
      }
      SqlColumnDeclaration column = (SqlColumnDeclaration) node;
      if (column.expression != null) {
        throw new DdlException("column " + column.name + ": DEFAULT and generated columns "
            + "are not supported");
      }
      SqlDataTypeSpec spec = aliased(column.dataType);
      boolean nullable = spec.getNullable() == null || spec.getNullable();
      builder.add(column.name.getSimple(), spec.deriveType(validator, nullable));
    }
    return builder.build();
  }

  private static SqlDataTypeSpec aliased(SqlDataTypeSpec spec) {
    if (spec.getTypeNameSpec() instanceof SqlUserDefinedTypeNameSpec) {
      String name = spec.getTypeNameSpec().getTypeName().getSimple().toUpperCase(Locale.ROOT);
      SqlTypeName alias = TYPE_ALIASES.get(name);
      if (alias != null) {
        return new SqlDataTypeSpec(new SqlBasicTypeNameSpec(alias, spec.getParserPosition()),
            null, spec.getNullable(), spec.getParserPosition());
      }
      throw new DdlException("unknown type " + name + " at " + spec.getParserPosition());
    }
    return spec;
  }

  /**
   * The column types a query's result is stored with: fixed-length strings (literals are
   * {@code CHAR(n)}) become {@code VARCHAR}, as in PostgreSQL and DuckDB.
   */
  private static RelDataType forStorage(RelDataType rowType, RelDataTypeFactory typeFactory) {
    RelDataTypeFactory.Builder builder = typeFactory.builder();
    for (RelDataTypeField field : rowType.getFieldList()) {
      RelDataType type = field.getType();
      if (type.getSqlTypeName() == SqlTypeName.CHAR) {
        type = typeFactory.createTypeWithNullability(
            typeFactory.createSqlType(SqlTypeName.VARCHAR), type.isNullable());
      }
      builder.add(field.getName(), type);
    }
    return builder.build();
  }

  /** A DDL statement that cannot run, with a message for the client. */
  public static final class DdlException extends RuntimeException {
    DdlException(String message) {
      super(message);
    }

    DdlException(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }
}
