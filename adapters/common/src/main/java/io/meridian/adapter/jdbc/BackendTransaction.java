package io.meridian.adapter.jdbc;

import io.meridian.adapter.ThreadScoped;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A client's explicit transaction (autocommit off): every catalog the transaction touches is
 * served by one backend connection, pinned for the transaction's life, so that the client's
 * statements see their own writes and {@link #commit()} or {@link #rollback()} ends them
 * together. Writes go to one catalog only: a statement that would write to a second catalog is
 * refused before anything is sent (two backends cannot commit atomically), and so is a write
 * to a backend without transactions. A failed statement rolls the whole transaction back, as in
 * PostgreSQL; until the client ends it, further statements are refused.
 *
 * <p>The server makes a transaction current on the thread that runs a client's request
 * ({@link #enter}); {@link CatalogDataSource} then hands out the pinned connections.
 */
public final class BackendTransaction {
  private static final Logger LOG = LoggerFactory.getLogger(BackendTransaction.class);
  private static final ThreadScoped<BackendTransaction> CURRENT = new ThreadScoped<>();
  private static final Pattern WRITE = Pattern.compile(
      "(?is)^\\s*(\\(\\s*)*(INSERT|UPDATE|DELETE|MERGE|UPSERT|CREATE|DROP|ALTER|TRUNCATE|"
          + "REPLACE|COPY)\\b.*");

  private final Map<CatalogDataSource, Connection> pinned = new LinkedHashMap<>();
  private @Nullable CatalogDataSource writer;
  private @Nullable String abortReason;

  /** Returns the transaction current on this thread, if any. */
  public static @Nullable BackendTransaction current() {
    return CURRENT.get();
  }

  /** Makes a transaction (or none) current on this thread until the scope is closed. */
  public static ThreadScoped.Scope enter(@Nullable BackendTransaction transaction) {
    return CURRENT.enter(transaction);
  }

  /** Whether a statement sent to a backend changes data or schema. */
  static boolean isWrite(@Nullable String sql) {
    return sql != null && WRITE.matcher(sql).matches();
  }

  /** Returns the catalog this transaction has written to, if any. */
  public synchronized @Nullable String writtenCatalog() {
    return writer == null ? null : writer.catalog();
  }

  /** Returns the connection of a catalog within this transaction, pinning one on first use. */
  synchronized Connection connectionFor(CatalogDataSource dataSource) throws SQLException {
    checkActive();
    Connection connection = pinned.get(dataSource);
    if (connection == null) {
      connection = dataSource.newConnection();
      try {
        if (connection.getMetaData().supportsTransactions()) {
          connection.setAutoCommit(false);
        }
      } catch (SQLException e) {
        connection.close();
        throw e;
      }
      pinned.put(dataSource, connection);
    }
    return wrap(connection, dataSource);
  }

  /** Called before a statement that writes is sent to a catalog's backend. */
  private synchronized void beforeWrite(CatalogDataSource dataSource, Connection connection)
      throws SQLException {
    checkActive();
    if (writer != null && writer != dataSource) {
      throw new SQLException("a transaction writes to one catalog only: this transaction has "
          + "written to catalog '" + writer.catalog() + "' and cannot also write to catalog '"
          + dataSource.catalog() + "'; commit or roll back first", "25000");
    }
    if (!connection.getMetaData().supportsTransactions()) {
      throw new SQLException("catalog '" + dataSource.catalog() + "' (" + dataSource.type()
          + ") has no transactions; write to it with autocommit on", "25000");
    }
    writer = dataSource;
  }

  private void checkActive() throws SQLException {
    if (abortReason != null) {
      throw new SQLException("the current transaction was rolled back (" + abortReason
          + "); statements are refused until the client ends it with rollback", "25P02");
    }
  }

  /**
   * Rolls back every backend at once after a failed statement, and refuses further statements
   * until the client ends the transaction.
   */
  public synchronized void abort(String reason) {
    if (abortReason == null) {
      abortReason = reason;
      LOG.info("transaction rolled back after a failed statement: {}", reason);
      release(false);
    }
  }

  /**
   * Commits: the one catalog written (if any) and the connections that only read. Throws when
   * the transaction was rolled back by a failed statement.
   */
  public synchronized void commit() throws SQLException {
    if (abortReason != null) {
      String reason = abortReason;
      abortReason = null;
      throw new SQLException("the transaction was rolled back, nothing was committed: "
          + reason, "40000");
    }
    SQLException failure = null;
    if (writer != null) {
      Connection connection = pinned.remove(writer);
      try {
        connection.commit();
      } catch (SQLException e) {
        failure = new SQLException(writer.describe(e), e.getSQLState(), e);
        try {
          connection.rollback();
        } catch (SQLException ignored) {
          // The commit failed; the backend has rolled back or will on close.
        }
      } finally {
        closeQuietly(connection);
      }
    }
    release(true);
    if (failure != null) {
      throw failure;
    }
  }

  /** Rolls back every catalog the transaction touched. */
  public synchronized void rollback() {
    abortReason = null;
    release(false);
  }

  private void release(boolean commit) {
    if (!commit && writer != null) {
      writer.rolledBack();
    }
    for (Connection connection : pinned.values()) {
      try {
        if (!connection.getAutoCommit()) {
          if (commit) {
            connection.commit();
          } else {
            connection.rollback();
          }
          connection.setAutoCommit(true);
        }
      } catch (SQLException e) {
        LOG.debug("ending a read-only backend transaction failed: {}", e.toString());
      } finally {
        closeQuietly(connection);
      }
    }
    pinned.clear();
    writer = null;
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.debug("closing a backend connection failed: {}", e.toString());
    }
  }

  /**
   * The pinned connection as code running a statement sees it: closing it keeps it pinned;
   * commit and autocommit changes are the client's to make; a write goes through
   * {@link #beforeWrite}. Statements and result sets are wrapped too, so that no path
   * ({@code resultSet.getStatement().getConnection().close()}) reaches the real connection.
   */
  private Connection wrap(Connection connection, CatalogDataSource dataSource) {
    Connection[] self = new Connection[1];
    InvocationHandler handler = (proxy, method, args) -> {
      switch (method.getName()) {
      case "close":
      case "commit":
      case "setAutoCommit":
        return null;
      case "rollback":
        if (args == null || args.length == 0) {
          abort("a statement on catalog '" + dataSource.catalog() + "' failed");
          return null;
        }
        break;
      case "getAutoCommit":
        return false;
      case "isClosed":
        return false;
      case "unwrap":
        if (((Class<?>) args[0]).isInstance(proxy)) {
          return proxy;
        }
        break;
      case "prepareStatement":
      case "prepareCall":
        if (isWrite((String) args[0])) {
          beforeWrite(dataSource, connection);
        }
        return wrapStatement((Statement) invoke(connection, method, args), dataSource,
            connection, self[0]);
      case "createStatement":
        return wrapStatement((Statement) invoke(connection, method, args), dataSource,
            connection, self[0]);
      default:
        break;
      }
      return invoke(connection, method, args);
    };
    self[0] = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
        new Class<?>[] {Connection.class}, handler);
    return self[0];
  }

  private Statement wrapStatement(Statement statement, CatalogDataSource dataSource,
      Connection connection, Connection connectionProxy) {
    Object[] self = new Object[1];
    InvocationHandler handler = (proxy, method, args) -> {
      String name = method.getName();
      if ((name.startsWith("execute") || name.equals("addBatch")) && args != null
          && args.length > 0 && args[0] instanceof String && isWrite((String) args[0])) {
        beforeWrite(dataSource, connection);
      }
      if (name.equals("getConnection")) {
        return connectionProxy;
      }
      Object result = invoke(statement, method, args);
      if (result instanceof ResultSet) {
        return wrapResultSet((ResultSet) result, (Statement) self[0]);
      }
      return result;
    };
    Class<?> type = statement instanceof CallableStatement ? CallableStatement.class
        : statement instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
    self[0] = Proxy.newProxyInstance(Statement.class.getClassLoader(), new Class<?>[] {type},
        handler);
    return (Statement) self[0];
  }

  private static ResultSet wrapResultSet(ResultSet resultSet, Statement statementProxy) {
    InvocationHandler handler = (proxy, method, args) ->
        method.getName().equals("getStatement") ? statementProxy
            : invoke(resultSet, method, args);
    return (ResultSet) Proxy.newProxyInstance(ResultSet.class.getClassLoader(),
        new Class<?>[] {ResultSet.class}, handler);
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Override public synchronized String toString() {
    return "BackendTransaction{catalogs=" + pinned.keySet().stream()
        .map(CatalogDataSource::catalog).toList() + ", writer="
        + (writer == null ? null : writer.catalog().toLowerCase(Locale.ROOT)) + "}";
  }
}
