package io.meridian.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.AvaticaDatabaseMetaData;
import org.apache.calcite.avatica.AvaticaFactory;
import org.apache.calcite.avatica.AvaticaPreparedStatement;
import org.apache.calcite.avatica.AvaticaResultSet;
import org.apache.calcite.avatica.AvaticaSpecificDatabaseMetaData;
import org.apache.calcite.avatica.AvaticaStatement;
import org.apache.calcite.avatica.DriverVersion;
import org.apache.calcite.avatica.Meta;
import org.apache.calcite.avatica.QueryState;
import org.apache.calcite.avatica.UnregisteredDriver;
import org.apache.calcite.avatica.remote.Driver;
import org.apache.calcite.avatica.remote.Service;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.TimeZone;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Meridian's JDBC driver for clients: Avatica's remote driver (same connection properties, same
 * wire protocol, URL prefix {@value #CONNECT_STRING_PREFIX}) whose {@code Statement.cancel()}
 * works. Avatica's own {@code cancel()} waits for the statement's lock, which a running execute
 * holds until it finishes, and never tells the server; this one asks the server, from the
 * calling thread, to close the statement's server side, which stops what its backends run for
 * it (a cancel request to PostgreSQL, an interrupt to DuckDB). The running execute then fails
 * with SQL state 57014, and the statement makes itself a new server side when it is used again.
 * {@code Statement.setQueryTimeout} works the same way: past it, the statement is cancelled and
 * the execute fails with an {@code SQLTimeoutException}.
 * It also names the product it talks to (Meridian, where Avatica's driver says "Avatica"), and
 * answers {@code getPrimaryKeys}, {@code getImportedKeys}, {@code getExportedKeys} and
 * {@code getIndexInfo} from the backends' catalogs, for which Avatica's protocol has no request.
 *
 * <pre>jdbc:meridian:remote:url=http://127.0.0.1:8765;serialization=PROTOBUF</pre>
 */
public class MeridianClientDriver extends Driver {
  /** The URL prefix; the rest is Avatica's remote driver's. */
  public static final String CONNECT_STRING_PREFIX = "jdbc:meridian:remote:";

  static {
    new MeridianClientDriver().register();
  }

  /**
   * The URL for this driver of one for Avatica's remote driver ({@code jdbc:avatica:remote:...},
   * the same options after the prefix); any other URL as it is.
   */
  public static String urlFor(String url) {
    String avatica = Driver.CONNECT_STRING_PREFIX;
    return url.startsWith(avatica) ? CONNECT_STRING_PREFIX + url.substring(avatica.length())
        : url;
  }

  @Override protected String getConnectStringPrefix() {
    return CONNECT_STRING_PREFIX;
  }

  /**
   * Avatica's client answers {@code getDatabaseProductName()} and the versions itself, from
   * its driver (Avatica's says "Avatica"); this one says Meridian and its version.
   */
  @Override protected DriverVersion createDriverVersion() {
    String version = Optional.ofNullable(
        MeridianClientDriver.class.getPackage().getImplementationVersion())
        .orElse(DEFAULT_VERSION);
    String[] parts = version.split("[.-]");
    int major = number(parts, 0);
    int minor = number(parts, 1);
    return new DriverVersion("Meridian JDBC Driver", version, "Meridian", version, true,
        major, minor, major, minor);
  }

  /** The version when the classes do not come from a built jar (the source tree's). */
  static final String DEFAULT_VERSION = "0.1.0-SNAPSHOT";

  private static int number(String[] parts, int index) {
    try {
      return index < parts.length ? Integer.parseInt(parts[index]) : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * Connects, reporting a refusal or an unreachable server as an {@link SQLException} with a
   * SQL state (Avatica's client throws an unchecked exception, which tools show as a crash):
   * {@code 28000} for a refused user or password (HTTP 401, 403), {@code 08001} otherwise.
   */
  @Override public java.sql.Connection connect(String url, Properties info) throws SQLException {
    if (!acceptsURL(url)) {
      return null;
    }
    Properties withService = new Properties();
    if (info != null) {
      withService.putAll(info);
    }
    if (!withService.containsKey(SERVICE_FACTORY) && !url.contains(SERVICE_FACTORY + "=")) {
      withService.setProperty(SERVICE_FACTORY, FrameProtobufServices.class.getName());
    }
    try {
      return super.connect(url, withService);
    } catch (RuntimeException e) {
      throw connectFailure(e);
    }
  }

  /** Avatica's connection property naming the class that makes a connection's service. */
  private static final String SERVICE_FACTORY = "factory";

  /** The {@link SQLException} for a connection attempt that failed with {@code e}. */
  static SQLException connectFailure(RuntimeException e) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("HTTP/401")) {
      return new SQLException("the Meridian server refused the user name or password"
          + " (HTTP 401)", "28000", e);
    }
    if (message.contains("HTTP/403")) {
      return new SQLException("the Meridian server refused this user (HTTP 403: the users"
          + " file does not give it the role 'meridian')", "28000", e);
    }
    // Not Guava's getRootCause: this driver runs with Avatica's dependencies only.
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return new SQLException("cannot reach the Meridian server: " + root.getMessage()
        + " (is it running, and is the URL's http or https the server's?)", "08001", e);
  }

  /**
   * Avatica's remote {@link Meta}, reusing the server side of plain statements whose result
   * the server has finished ({@link StatementReuse}).
   */
  @Override public Meta createMeta(AvaticaConnection connection) {
    return StatementReuse.wrap(super.createMeta(connection), connection);
  }

  @Override protected AvaticaFactory createFactory() {
    return new CancellingFactory(
        UnregisteredDriver.instantiateFactory(getFactoryClassName(JdbcVersion.current())));
  }

  /** Avatica's objects, but for statements whose {@code cancel()} reaches the server. */
  private static final class CancellingFactory implements AvaticaFactory {
    private final AvaticaFactory avatica;

    CancellingFactory(AvaticaFactory avatica) {
      this.avatica = avatica;
    }

    @Override public int getJdbcMajorVersion() {
      return avatica.getJdbcMajorVersion();
    }

    @Override public int getJdbcMinorVersion() {
      return avatica.getJdbcMinorVersion();
    }

    @Override public AvaticaConnection newConnection(UnregisteredDriver driver,
        AvaticaFactory factory, String url, Properties info) throws SQLException {
      return avatica.newConnection(driver, factory, url, info);
    }

    @Override public AvaticaStatement newStatement(AvaticaConnection connection,
        Meta.StatementHandle h, int resultSetType, int resultSetConcurrency,
        int resultSetHoldability) {
      return new CancellableStatement(connection, h, resultSetType, resultSetConcurrency,
          resultSetHoldability);
    }

    @Override public AvaticaPreparedStatement newPreparedStatement(AvaticaConnection connection,
        Meta.StatementHandle h, Meta.Signature signature, int resultSetType,
        int resultSetConcurrency, int resultSetHoldability) throws SQLException {
      return new CancellablePreparedStatement(connection, h, signature, resultSetType,
          resultSetConcurrency, resultSetHoldability);
    }

    @Override public AvaticaResultSet newResultSet(AvaticaStatement statement, QueryState state,
        Meta.Signature signature, TimeZone timeZone, Meta.Frame firstFrame)
        throws SQLException {
      return avatica.newResultSet(statement, state, signature, timeZone, firstFrame);
    }

    @Override public AvaticaSpecificDatabaseMetaData newDatabaseMetaData(
        AvaticaConnection connection) {
      return new KeyedDatabaseMetaData(connection);
    }

    @Override public ResultSetMetaData newResultSetMetaData(AvaticaStatement statement,
        Meta.Signature signature) throws SQLException {
      return avatica.newResultSetMetaData(statement, signature);
    }
  }

  /**
   * How a metadata call that Avatica's protocol has no request for (keys, indexes) is sent: as
   * the text of a statement, this prefix and a JSON array of the method and its arguments. The
   * server answers it with the metadata's result set; it is no SQL.
   */
  public static final String METADATA_CALL = "--meridian-metadata-call\n";

  /**
   * Database metadata whose keys and indexes come from the server (Avatica's client answers
   * them empty without asking).
   */
  private static final class KeyedDatabaseMetaData extends AvaticaDatabaseMetaData {
    private final AvaticaConnection connection;

    KeyedDatabaseMetaData(AvaticaConnection connection) {
      super(connection);
      this.connection = connection;
    }

    private ResultSet call(String method, Object... arguments) throws SQLException {
      List<String> call = new ArrayList<>();
      call.add(method);
      for (Object argument : arguments) {
        call.add(argument == null ? null : argument.toString());
      }
      String text;
      try {
        text = METADATA_CALL + new ObjectMapper().writeValueAsString(call);
      } catch (JsonProcessingException e) {
        throw new SQLException(e.getMessage(), e);
      }
      Statement statement = connection.createStatement();
      try {
        ResultSet rs = statement.executeQuery(text);
        statement.closeOnCompletion();
        return rs;
      } catch (SQLException | RuntimeException e) {
        statement.close();
        throw e;
      }
    }

    @Override public ResultSet getPrimaryKeys(String catalog, String schema, String table)
        throws SQLException {
      return call("getPrimaryKeys", catalog, schema, table);
    }

    @Override public ResultSet getImportedKeys(String catalog, String schema, String table)
        throws SQLException {
      return call("getImportedKeys", catalog, schema, table);
    }

    @Override public ResultSet getExportedKeys(String catalog, String schema, String table)
        throws SQLException {
      return call("getExportedKeys", catalog, schema, table);
    }

    @Override public ResultSet getIndexInfo(String catalog, String schema, String table,
        boolean unique, boolean approximate) throws SQLException {
      return call("getIndexInfo", catalog, schema, table, unique, approximate);
    }
  }

  /** Asks the server to stop the statement: closes its server side, without any lock. */
  static void cancelOnServer(AvaticaStatement statement) throws SQLException {
    if (statement.isClosed()) {
      throw new SQLException("statement is closed");
    }
    Meta.StatementHandle h = statement.handle;
    StatementReuse.forget(statement.connection, h.id);
    try {
      statement.connection.getService().apply(
          new Service.CloseStatementRequest(h.connectionId, h.id));
    } catch (RuntimeException e) {
      throw new SQLException("cancel failed: " + e.getMessage(), e);
    }
  }

  /** Fires the cancels of statements past their query timeout. */
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "meridian-query-timeout");
        t.setDaemon(true);
        return t;
      });

  /** An execution that may fail with an {@link SQLException}. */
  private interface Execution<T> {
    T run() throws SQLException;
  }

  /**
   * Runs an execution under the statement's {@code setQueryTimeout} (which Avatica's client
   * keeps to itself): past it, the statement is cancelled on the server, and the execution
   * fails with an {@link SQLTimeoutException} (SQL state 57014).
   */
  private static <T> T withTimeout(AvaticaStatement statement, Execution<T> execution)
      throws SQLException {
    int seconds = statement.getQueryTimeout();
    if (seconds <= 0) {
      return execution.run();
    }
    AtomicBoolean fired = new AtomicBoolean();
    ScheduledFuture<?> timer = TIMER.schedule(() -> {
      fired.set(true);
      try {
        cancelOnServer(statement);
      } catch (SQLException e) {
        // Closed meanwhile: nothing to stop.
      }
    }, seconds, TimeUnit.SECONDS);
    try {
      return execution.run();
    } catch (SQLException e) {
      if (fired.get()) {
        throw new SQLTimeoutException("the statement ran past its query timeout of " + seconds
            + " s and was cancelled", "57014", e);
      }
      throw e;
    } finally {
      timer.cancel(false);
    }
  }

  /**
   * A statement whose {@link #cancel()} reaches the server, and whose
   * {@link #setQueryTimeout} is kept.
   */
  private static final class CancellableStatement extends AvaticaStatement {
    CancellableStatement(AvaticaConnection connection, Meta.StatementHandle h,
        int resultSetType, int resultSetConcurrency, int resultSetHoldability) {
      super(connection, h, resultSetType, resultSetConcurrency, resultSetHoldability);
    }

    @Override public void cancel() throws SQLException {
      cancelOnServer(this);
    }

    @Override protected void executeInternal(String sql) throws SQLException {
      withTimeout(this, () -> {
        super.executeInternal(sql);
        return null;
      });
    }
  }

  /**
   * A prepared statement whose {@link #cancel()} reaches the server, and whose
   * {@link #setQueryTimeout} is kept.
   */
  private static final class CancellablePreparedStatement extends AvaticaPreparedStatement {
    CancellablePreparedStatement(AvaticaConnection connection, Meta.StatementHandle h,
        Meta.Signature signature, int resultSetType, int resultSetConcurrency,
        int resultSetHoldability) throws SQLException {
      super(connection, h, signature, resultSetType, resultSetConcurrency,
          resultSetHoldability);
    }

    @Override public void cancel() throws SQLException {
      cancelOnServer(this);
    }

    @Override public ResultSet executeQuery() throws SQLException {
      return withTimeout(this, super::executeQuery);
    }

    @Override public boolean execute() throws SQLException {
      return withTimeout(this, super::execute);
    }

    @Override public long executeLargeUpdate() throws SQLException {
      return withTimeout(this, super::executeLargeUpdate);
    }
  }
}
