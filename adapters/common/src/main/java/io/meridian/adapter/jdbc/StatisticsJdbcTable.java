package io.meridian.adapter.jdbc;

import org.apache.calcite.DataContext;
import org.apache.calcite.adapter.jdbc.JdbcTable;
import org.apache.calcite.config.CalciteConnectionConfig;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.QueryProvider;
import org.apache.calcite.linq4j.Queryable;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.prepare.Prepare;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.TableModify;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.schema.ModifiableTable;
import org.apache.calcite.schema.QueryableTable;
import org.apache.calcite.schema.ScannableTable;
import org.apache.calcite.schema.Schema;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.Statistic;
import org.apache.calcite.schema.TranslatableTable;
import org.apache.calcite.schema.Wrapper;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.type.SqlTypeName;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.lang.reflect.Type;
import java.util.Collection;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A Calcite {@link JdbcTable} that knows its statistics: everything is delegated to the JDBC
 * table (so pushdown, scans and writes behave exactly as Calcite's JDBC adapter) except
 * {@link #getStatistic()}, which reports the backend's row count and primary key.
 */
public final class StatisticsJdbcTable
    implements TranslatableTable, ScannableTable, ModifiableTable, QueryableTable, Wrapper {
  private final JdbcTable delegate;
  private final TableStatisticsCache statistics;

  StatisticsJdbcTable(JdbcTable delegate, TableStatisticsCache statistics) {
    this.delegate = requireNonNull(delegate, "delegate");
    this.statistics = requireNonNull(statistics, "statistics");
  }

  /** Returns the wrapped JDBC table. */
  public JdbcTable jdbcTable() {
    return delegate;
  }

  /** Returns the backend's statistics of this table's columns, by column name. */
  public java.util.Map<String, ColumnStatistics> columnStatistics() {
    return statistics.columnStatistics(delegate.jdbcSchemaName, delegate.jdbcTableName);
  }

  @Override public Statistic getStatistic() {
    return statistics.get(delegate.jdbcSchemaName, delegate.jdbcTableName);
  }

  /**
   * Returns the backend table's columns, with every type that has no portable JDBC
   * representation (UUID, JSON, arrays, maps, intervals, driver-specific {@code OTHER} types)
   * read as text: the backend renders the value ({@code getString}), so clients always receive
   * a readable value instead of a driver object the wire protocol cannot carry.
   */
  @Override public RelDataType getRowType(RelDataTypeFactory typeFactory) {
    RelDataType rowType = delegate.getRowType(typeFactory);
    List<TableStatisticsCache.ColumnInfo> columns =
        statistics.columns(delegate.jdbcSchemaName, delegate.jdbcTableName);
    RelDataTypeFactory.Builder builder = typeFactory.builder();
    boolean changed = false;
    List<org.apache.calcite.rel.type.RelDataTypeField> fields = rowType.getFieldList();
    for (int i = 0; i < fields.size(); i++) {
      org.apache.calcite.rel.type.RelDataTypeField field = fields.get(i);
      TableStatisticsCache.ColumnInfo column =
          columns.size() == fields.size() && columns.get(i).name().equals(field.getName())
              ? columns.get(i) : null;
      RelDataType type = field.getType();
      RelDataType refined = refine(type, column, typeFactory);
      if (refined != type) {
        changed = true;
      }
      builder.add(field.getName(), refined);
    }
    return changed ? builder.build() : rowType;
  }

  /**
   * Corrects the type Calcite's JDBC adapter derived for a column, using the backend's own
   * metadata where Calcite's reading loses something: DECIMAL precision above 19 (Calcite
   * derives JDBC types with its default type system), binary columns, TIME and TIMESTAMP
   * fractions, DuckDB's timestamp variants, and strings reported with length 0. Types without a
   * portable JDBC representation are read as text (the backend renders them).
   */
  private static RelDataType refine(RelDataType type,
      TableStatisticsCache.@Nullable ColumnInfo column, RelDataTypeFactory typeFactory) {
    SqlTypeName name = type.getSqlTypeName();
    boolean nullable = type.isNullable();
    if (column != null) {
      String typeName = column.typeName().toUpperCase(java.util.Locale.ROOT);
      switch (column.dataType()) {
      case java.sql.Types.DECIMAL:
      case java.sql.Types.NUMERIC:
        if (column.size() > 0 && column.size() != type.getPrecision()) {
          int precision = Math.min(column.size(), typeFactory.getTypeSystem()
              .getMaxPrecision(SqlTypeName.DECIMAL));
          return nullable(typeFactory, typeFactory.createSqlType(SqlTypeName.DECIMAL,
              precision, Math.min(Math.max(column.digits(), 0), precision)), nullable);
        }
        break;
      case java.sql.Types.BLOB:
      case java.sql.Types.BINARY:
      case java.sql.Types.VARBINARY:
      case java.sql.Types.LONGVARBINARY:
        return nullable(typeFactory, typeFactory.createSqlType(SqlTypeName.VARBINARY), nullable);
      case java.sql.Types.TIME:
        return nullable(typeFactory, typeFactory.createSqlType(SqlTypeName.TIME, 3), nullable);
      case java.sql.Types.TIMESTAMP:
        return nullable(typeFactory, typeFactory.createSqlType(SqlTypeName.TIMESTAMP, 3),
            nullable);
      default:
        if (typeName.startsWith("TIMESTAMP_") && !typeName.contains("TZ")) {
          // DuckDB's TIMESTAMP_S, TIMESTAMP_MS, TIMESTAMP_NS: a timestamp at another unit.
          return nullable(typeFactory, typeFactory.createSqlType(SqlTypeName.TIMESTAMP, 3),
              nullable);
        }
        break;
      }
    }
    if (readAsText(type)) {
      return nullable(typeFactory, typeFactory.createSqlType(SqlTypeName.VARCHAR), true);
    }
    if (unboundedString(type)) {
      // DuckDB and ClickHouse report their strings with length 0; taken literally, every
      // value written into the column would be cast to the empty string.
      return nullable(typeFactory, typeFactory.createSqlType(
          name == SqlTypeName.VARBINARY || name == SqlTypeName.BINARY
              ? SqlTypeName.VARBINARY : SqlTypeName.VARCHAR), nullable);
    }
    return type;
  }

  private static RelDataType nullable(RelDataTypeFactory typeFactory, RelDataType type,
      boolean nullable) {
    return typeFactory.createTypeWithNullability(type, nullable);
  }

  private static boolean unboundedString(RelDataType type) {
    switch (type.getSqlTypeName()) {
    case CHAR:
    case VARCHAR:
    case BINARY:
    case VARBINARY:
      return type.getPrecision() == 0;
    default:
      return false;
    }
  }

  private static boolean readAsText(RelDataType type) {
    switch (type.getSqlTypeName()) {
    case ANY:
    case OTHER:
    case ARRAY:
    case MAP:
    case MULTISET:
    case ROW:
    case STRUCTURED:
    case DISTINCT:
    case NULL:
    case SYMBOL:
    case GEOMETRY:
    case VARIANT:
    case UUID:
      return true;
    default:
      return type.getSqlTypeName().getFamily()
          == org.apache.calcite.sql.type.SqlTypeFamily.INTERVAL_DAY_TIME
          || type.getSqlTypeName().getFamily()
          == org.apache.calcite.sql.type.SqlTypeFamily.INTERVAL_YEAR_MONTH;
    }
  }

  @Override public Schema.TableType getJdbcTableType() {
    return delegate.getJdbcTableType();
  }

  @Override public boolean isRolledUp(String column) {
    return delegate.isRolledUp(column);
  }

  @Override public boolean rolledUpColumnValidInsideAgg(String column, SqlCall call,
      @Nullable SqlNode parent, @Nullable CalciteConnectionConfig config) {
    return delegate.rolledUpColumnValidInsideAgg(column, call, parent, config);
  }

  @Override public RelNode toRel(RelOptTable.ToRelContext context, RelOptTable relOptTable) {
    return delegate.toRel(context, relOptTable);
  }

  @Override public Enumerable<@Nullable Object[]> scan(DataContext root) {
    return delegate.scan(root);
  }

  @Override public <T> Queryable<T> asQueryable(QueryProvider queryProvider, SchemaPlus schema,
      String tableName) {
    return delegate.asQueryable(queryProvider, schema, tableName);
  }

  @Override public Type getElementType() {
    return delegate.getElementType();
  }

  @Override public Expression getExpression(SchemaPlus schema, String tableName, Class clazz) {
    return delegate.getExpression(schema, tableName, clazz);
  }

  @Override public @Nullable Collection getModifiableCollection() {
    return delegate.getModifiableCollection();
  }

  @Override public TableModify toModificationRel(RelOptCluster cluster, RelOptTable table,
      Prepare.CatalogReader catalogReader, RelNode child, TableModify.Operation operation,
      @Nullable List<String> updateColumnList, @Nullable List<RexNode> sourceExpressionList,
      boolean flattened) {
    return delegate.toModificationRel(cluster, table, catalogReader, child, operation,
        updateColumnList, sourceExpressionList, flattened);
  }

  @Override public <C> @Nullable C unwrap(Class<C> aClass) {
    if (aClass.isInstance(this)) {
      return aClass.cast(this);
    }
    if (aClass.isInstance(delegate)) {
      return aClass.cast(delegate);
    }
    return delegate.unwrap(aClass);
  }

  @Override public String toString() {
    return delegate.toString();
  }
}
