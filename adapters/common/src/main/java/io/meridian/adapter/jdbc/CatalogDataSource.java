package io.meridian.adapter.jdbc;

import com.google.common.base.Throwables;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

import static java.util.Objects.requireNonNull;

/**
 * A data source that names its catalog when a connection cannot be had, so that the client sees
 * "catalog 'shop' (postgres) is unavailable: ..." rather than a bare driver message. It never
 * puts credentials into the message.
 */
public final class CatalogDataSource implements DataSource, AutoCloseable {
  private final String catalog;
  private final String type;
  private final DataSource delegate;
  private final String secret;
  private final java.util.List<Runnable> rollbackListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  public CatalogDataSource(String catalog, String type, DataSource delegate, String secret) {
    this.catalog = requireNonNull(catalog, "catalog");
    this.type = requireNonNull(type, "type");
    this.delegate = requireNonNull(delegate, "delegate");
    this.secret = secret;
  }

  /** Returns the message prefix used for every failure of this catalog. */
  public String unavailableMessage(Throwable cause) {
    Throwable root = Throwables.getRootCause(cause);
    String detail = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return "catalog '" + catalog + "' (" + type + ") is unavailable: "
        + Credentials.redact(detail, secret);
  }

  /**
   * Returns the exception to report for a failure while a statement ran on one of this
   * catalog's connections: if the backend went away (a connection failure, SQL state class
   * {@code 08}, or PostgreSQL's {@code 57P01}-{@code 57P03}, the server shutting down), one that
   * names the catalog as unavailable, without credentials; otherwise {@code e} itself.
   */
  public RuntimeException failure(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException && isConnectionFailure((SQLException) t)) {
        return new IllegalStateException(unavailableMessage(t), e);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return e;
  }

  private static boolean isConnectionFailure(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || state.startsWith("57P"));
  }

  /**
   * Returns a message for any failure of this catalog that names the catalog exactly once and
   * holds no credentials.
   */
  public String describe(Throwable e) {
    String message = e.getMessage();
    if (message != null && message.startsWith("catalog '" + catalog + "'")) {
      return message;
    }
    return "catalog '" + catalog + "' (" + type + "): "
        + Credentials.redact(message == null ? e.getClass().getSimpleName() : message, secret);
  }

  /**
   * Registers what to do when a transaction that wrote to this catalog is rolled back (forget
   * cached metadata: a rolled-back CREATE TABLE must disappear).
   */
  public void onRollback(Runnable listener) {
    rollbackListeners.add(listener);
  }

  void rolledBack() {
    rollbackListeners.forEach(Runnable::run);
  }

  /** Returns the catalog's name. */
  public String catalog() {
    return catalog;
  }

  /** Returns the backend type. */
  public String type() {
    return type;
  }

  /**
   * Returns a connection: the one pinned for this catalog when the calling thread runs a
   * statement of a client transaction ({@link BackendTransaction}), else one from the pool.
   * While a client statement runs on the thread, the statements made on the connection are
   * registered with its {@link StatementCancellation}.
   */
  @Override public Connection getConnection() throws SQLException {
    BackendTransaction transaction = BackendTransaction.current();
    if (transaction != null) {
      return StatementCancellation.tracking(transaction.connectionFor(this));
    }
    return StatementCancellation.tracking(newConnection());
  }

  /** Returns a connection from the pool, whatever transaction the thread runs. */
  Connection newConnection() throws SQLException {
    try {
      return delegate.getConnection();
    } catch (SQLException | RuntimeException e) {
      throw new SQLException(unavailableMessage(e), "08001", e);
    }
  }

  @Override public Connection getConnection(String username, String password)
      throws SQLException {
    throw new SQLFeatureNotSupportedException("per-call credentials are not supported");
  }

  @Override public PrintWriter getLogWriter() throws SQLException {
    return delegate.getLogWriter();
  }

  @Override public void setLogWriter(PrintWriter out) throws SQLException {
    delegate.setLogWriter(out);
  }

  @Override public void setLoginTimeout(int seconds) throws SQLException {
    delegate.setLoginTimeout(seconds);
  }

  @Override public int getLoginTimeout() throws SQLException {
    return delegate.getLoginTimeout();
  }

  @Override public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return delegate.getParentLogger();
  }

  @Override public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    return delegate.unwrap(iface);
  }

  @Override public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || delegate.isWrapperFor(iface);
  }

  @Override public void close() {
    if (delegate instanceof AutoCloseable) {
      try {
        ((AutoCloseable) delegate).close();
      } catch (Exception e) {
        // Closing a pool of a dead backend may fail; nothing is lost.
      }
    }
  }
}
