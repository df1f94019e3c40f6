package io.meridian.server;

import io.meridian.planner.MeridianDriver;

import org.apache.calcite.avatica.MissingResultsException;
import org.apache.calcite.avatica.NoSuchStatementException;
import org.apache.calcite.avatica.jdbc.JdbcMeta;
import org.apache.calcite.avatica.remote.TypedValue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

import static java.util.Objects.requireNonNull;

/**
 * Avatica's server-side metadata and statement handling over Meridian connections: each remote
 * client connection is one Meridian (Calcite) connection opened on the shared catalogs.
 */
final class MeridianMeta extends JdbcMeta {

  private final MeridianDriver driver;
  private final CatalogMetadata metadata;

  MeridianMeta(MeridianDriver driver, Properties connectionCacheSettings) throws SQLException {
    super(MeridianDriver.CONNECT_STRING_PREFIX, connectionCacheSettings);
    this.driver = requireNonNull(driver, "driver");
    this.metadata = new CatalogMetadata(driver.catalogs());
  }

  // Metadata: catalogs are JDBC catalogs, backend schemas JDBC schemas (see CatalogMetadata).

  @Override public MetaResultSet getCatalogs(ConnectionHandle ch) {
    return metadata.catalogs(ch.id);
  }

  @Override public MetaResultSet getSchemas(ConnectionHandle ch, String catalog,
      Pat schemaPattern) {
    return metadata.schemas(ch.id, catalog, schemaPattern);
  }

  @Override public MetaResultSet getTables(ConnectionHandle ch, String catalog,
      Pat schemaPattern, Pat tableNamePattern, List<String> typeList) {
    return metadata.tables(ch.id, catalog, schemaPattern, tableNamePattern, typeList);
  }

  @Override public MetaResultSet getColumns(ConnectionHandle ch, String catalog,
      Pat schemaPattern, Pat tableNamePattern, Pat columnNamePattern) {
    return metadata.columns(ch.id, catalog, schemaPattern, tableNamePattern, columnNamePattern);
  }

  @Override public MetaResultSet getTableTypes(ConnectionHandle ch) {
    return metadata.tableTypes(ch.id);
  }

  @Override protected Connection createConnection(String url, Properties info)
      throws SQLException {
    Properties clientInfo = new Properties();
    // The client's credentials are for the Meridian server, never for the backends.
    info.stringPropertyNames().stream()
        .filter(k -> !k.equalsIgnoreCase("password") && !k.equalsIgnoreCase("user"))
        .forEach(k -> clientInfo.setProperty(k, info.getProperty(k)));
    return driver.open(clientInfo);
  }

  /** Closes every client connection (and with it its statements), for shutdown. */
  void closeAllConnections() {
    getConnectionCache().invalidateAll();
    getConnectionCache().cleanUp();
  }

  // Every entry point that runs SQL reports failures through ErrorTranslator, so that the
  // client gets one clear message with a SQL state instead of a chain of wrapped exceptions.

  @Override public StatementHandle prepare(ConnectionHandle ch, String sql, long maxRowCount) {
    try {
      return super.prepare(ch, sql, maxRowCount);
    } catch (RuntimeException | AssertionError | StackOverflowError e) {
      throw ErrorTranslator.translate(e);
    }
  }

  @Override public ExecuteResult prepareAndExecute(StatementHandle h, String sql,
      long maxRowCount, int maxRowsInFirstFrame, PrepareCallback callback)
      throws NoSuchStatementException {
    try {
      return super.prepareAndExecute(h, sql, maxRowCount, maxRowsInFirstFrame, callback);
    } catch (RuntimeException | AssertionError | StackOverflowError e) {
      throw ErrorTranslator.translate(e);
    }
  }

  @Override public ExecuteResult execute(StatementHandle h, List<TypedValue> parameterValues,
      int maxRowsInFirstFrame) throws NoSuchStatementException {
    try {
      return super.execute(h, parameterValues, maxRowsInFirstFrame);
    } catch (RuntimeException | AssertionError | StackOverflowError e) {
      throw ErrorTranslator.translate(e);
    }
  }

  @Override public Frame fetch(StatementHandle h, long offset, int fetchMaxRowCount)
      throws NoSuchStatementException, MissingResultsException {
    try {
      return super.fetch(h, offset, fetchMaxRowCount);
    } catch (RuntimeException | AssertionError | StackOverflowError e) {
      throw ErrorTranslator.translate(e);
    }
  }

  @Override public ExecuteBatchResult prepareAndExecuteBatch(StatementHandle h,
      List<String> sqlCommands) throws NoSuchStatementException {
    try {
      return super.prepareAndExecuteBatch(h, sqlCommands);
    } catch (RuntimeException | AssertionError | StackOverflowError e) {
      throw ErrorTranslator.translate(e);
    }
  }

  @Override public ExecuteBatchResult executeBatch(StatementHandle h,
      List<List<TypedValue>> parameterValues) throws NoSuchStatementException {
    try {
      return super.executeBatch(h, parameterValues);
    } catch (RuntimeException | AssertionError | StackOverflowError e) {
      throw ErrorTranslator.translate(e);
    }
  }
}
