package io.meridian.adapter.jdbc;

import io.meridian.adapter.ThreadScoped;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The backend statements one client statement has running, so that stopping the client
 * statement stops them in their backends: each backend is sent its own cancel (PostgreSQL a
 * cancel request, DuckDB an interrupt, ClickHouse a kill of the query), not merely abandoned.
 *
 * <p>The server makes a cancellation current on the thread that executes or fetches the client
 * statement ({@link #enter()}); every connection a catalog hands out meanwhile
 * ({@link CatalogDataSource#getConnection()}) registers the statements made on it, and engines
 * register their own ({@link #register}). {@link #cancel()} may come from any thread. Once
 * cancelled, no further backend statement may start.
 */
public final class StatementCancellation {
  private static final Logger LOG = LoggerFactory.getLogger(StatementCancellation.class);
  private static final ThreadScoped<StatementCancellation> CURRENT = new ThreadScoped<>();

  private final Set<Statement> statements = ConcurrentHashMap.newKeySet();
  private volatile boolean cancelled;

  /** Makes this cancellation current on the calling thread until the scope is closed. */
  public ThreadScoped.Scope enter() {
    return CURRENT.enter(this);
  }

  /**
   * Returns the cancellation current on this thread, or null; to carry it to a thread that
   * works for the same statement.
   */
  public static @Nullable StatementCancellation current() {
    return CURRENT.get();
  }

  /**
   * Stops every backend statement still running (each backend's own cancel), and refuses any
   * new one. Idempotent; failures to cancel are logged, never thrown.
   */
  public void cancel() {
    cancelled = true;
    for (Statement s : statements) {
      cancelQuietly(s);
    }
  }

  private static void cancelQuietly(Statement s) {
    try {
      if (!s.isClosed()) {
        s.cancel();
      }
    } catch (SQLException | RuntimeException e) {
      LOG.debug("cancelling a backend statement: {}", e.toString());
    }
  }

  /**
   * Registers a backend statement with the cancellation current on this thread (if any).
   *
   * @throws SQLException (SQL state 57014) if that cancellation was cancelled already
   */
  public static void register(Statement statement) throws SQLException {
    StatementCancellation current = CURRENT.get();
    if (current != null) {
      current.add(statement);
    }
  }

  private void add(Statement statement) throws SQLException {
    if (cancelled) {
      statement.close();
      throw new SQLException("canceling statement due to user request", "57014");
    }
    // Statements a long fetch has finished with need no cancelling.
    statements.removeIf(s -> {
      try {
        return s.isClosed();
      } catch (SQLException e) {
        return true;
      }
    });
    statements.add(statement);
    if (cancelled) { // cancelled while it was being added
      cancelQuietly(statement);
    }
  }

  /**
   * Returns the connection, made to register the statements created on it when a cancellation
   * is current on this thread; otherwise the connection itself.
   */
  static Connection tracking(Connection connection) {
    if (CURRENT.get() == null) {
      return connection;
    }
    return (Connection) Proxy.newProxyInstance(StatementCancellation.class.getClassLoader(),
        new Class<?>[] {Connection.class}, (proxy, method, args) -> {
          Object result;
          try {
            result = method.invoke(connection, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (result instanceof Statement) {
            register((Statement) result);
          }
          return result;
        });
  }
}
