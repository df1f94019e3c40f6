package io.meridian.jdbc;

import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.Meta;
import org.apache.calcite.avatica.NoSuchStatementException;

import java.lang.ref.WeakReference;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Saves two of the three HTTP round trips Avatica's client makes for every
 * {@code createStatement(); executeQuery(sql); close()}: a plain statement whose result the
 * server has finished (its last frame sent, so the server has already closed that result) is
 * not closed on the server when the client closes it, and its server side is handed to the
 * connection's next {@code createStatement()} instead of a new one. The server runs the next
 * statement on it as JDBC runs a second statement on one {@code Statement}.
 *
 * <p>A statement closed before its result ended, or after an error, or cancelled, is closed on
 * the server as before: that is what stops its backends' work. Prepared statements are never
 * reused (their server side holds a plan). A reused statement the server no longer knows (it
 * expired, or the server restarted) fails with {@link NoSuchStatementException}, which
 * Avatica's client answers by creating a new one; the connection's other idle statements are
 * then dropped too. At most {@link #IDLE_PER_CONNECTION} idle statements are kept per
 * connection; the server closes them with the connection.
 *
 * <p>Implemented as a proxy of Avatica's remote {@link Meta} (a package-private class), which
 * forwards every call and watches those that create, run, read and close statements.
 */
final class StatementReuse implements InvocationHandler {
  /** The idle server-side statements kept per connection. */
  static final int IDLE_PER_CONNECTION = 2;

  private final Meta remote;
  private final AvaticaConnection connection;
  /** Plain statements (from {@code createStatement}) that exist on the server. */
  private final Set<Integer> plain = new HashSet<>();
  /** Plain statements whose current result the server has finished. */
  private final Set<Integer> finished = new HashSet<>();
  /** Server-side statements free for the next {@code createStatement}. */
  private final Deque<Integer> idle = new ArrayDeque<>();

  private StatementReuse(Meta remote, AvaticaConnection connection) {
    this.remote = remote;
    this.connection = connection;
  }

  /**
   * Each connection's handler, for {@link #forget}. Both weakly held: the handler refers to its
   * connection, and a strong value would keep the key alive.
   */
  private static final Map<AvaticaConnection, WeakReference<StatementReuse>> BY_CONNECTION =
      Collections.synchronizedMap(new WeakHashMap<>());

  /** Returns {@code remote}, reusing finished statements of {@code connection}. */
  static Meta wrap(Meta remote, AvaticaConnection connection) {
    StatementReuse reuse = new StatementReuse(remote, connection);
    BY_CONNECTION.put(connection, new WeakReference<>(reuse));
    return (Meta) Proxy.newProxyInstance(Meta.class.getClassLoader(),
        new Class<?>[] {Meta.class}, reuse);
  }

  /** Forgets a statement, so that its id is never handed out again (it was cancelled). */
  static void forget(AvaticaConnection connection, int statementId) {
    WeakReference<StatementReuse> ref = BY_CONNECTION.get(connection);
    StatementReuse reuse = ref == null ? null : ref.get();
    if (reuse != null) {
      synchronized (reuse) {
        reuse.plain.remove(statementId);
        reuse.finished.remove(statementId);
        reuse.idle.remove(statementId);
      }
    }
  }

  @Override public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    switch (method.getName()) {
    case "createStatement":
      return createStatement((Meta.ConnectionHandle) args[0]);
    case "closeStatement":
      closeStatement((Meta.StatementHandle) args[0]);
      return null;
    case "closeConnection":
      synchronized (this) {
        plain.clear();
        finished.clear();
        idle.clear();
      }
      BY_CONNECTION.remove(connection);
      return forward(method, args);
    case "prepareAndExecute":
    case "prepareAndExecuteBatch":
      return executed((Meta.StatementHandle) args[0], method, args);
    case "createIterable":
      return watchedIterable((Meta.StatementHandle) args[0],
          (Iterable<?>) forward(method, args));
    default:
      return forward(method, args);
    }
  }

  private Object forward(Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(remote, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private Meta.StatementHandle createStatement(Meta.ConnectionHandle ch) {
    synchronized (this) {
      for (Iterator<Integer> it = idle.iterator(); it.hasNext();) {
        int id = it.next();
        // A statement whose close is still finishing on the client keeps its id until then.
        if (!connection.statementMap.containsKey(id)) {
          it.remove();
          return new Meta.StatementHandle(ch.id, id, null);
        }
      }
    }
    Meta.StatementHandle h = remote.createStatement(ch);
    synchronized (this) {
      plain.add(h.id);
    }
    return h;
  }

  private void closeStatement(Meta.StatementHandle h) {
    synchronized (this) {
      boolean reusable = plain.contains(h.id) && finished.remove(h.id)
          && idle.size() < IDLE_PER_CONNECTION;
      if (reusable) {
        idle.add(h.id);
        return;
      }
      plain.remove(h.id);
      finished.remove(h.id);
    }
    remote.closeStatement(h);
  }

  /** Runs a statement; notes whether the server has finished its result. */
  private Object executed(Meta.StatementHandle h, Method method, Object[] args)
      throws Throwable {
    synchronized (this) {
      finished.remove(h.id);
    }
    Object result;
    try {
      result = forward(method, args);
    } catch (NoSuchStatementException e) {
      // The server has lost this statement, and likely the others kept idle with it.
      synchronized (this) {
        plain.remove(h.id);
        idle.clear();
      }
      throw e;
    }
    boolean done = true;
    if (result instanceof Meta.ExecuteResult execute) {
      for (Meta.MetaResultSet set : execute.resultSets) {
        done &= set.firstFrame == null ? set.updateCount != -1 : set.firstFrame.done;
      }
    }
    if (done) {
      synchronized (this) {
        finished.add(h.id);
      }
    }
    return result;
  }

  /** The client's rows of a result; when they run out, the server has finished it too. */
  private Iterable<Object> watchedIterable(Meta.StatementHandle h, Iterable<?> rows) {
    return () -> {
      Iterator<?> it = rows.iterator();
      return new Iterator<>() {
        @Override public boolean hasNext() {
          boolean more = it.hasNext();
          if (!more) {
            synchronized (StatementReuse.this) {
              finished.add(h.id);
            }
          }
          return more;
        }

        @Override public Object next() {
          return it.next();
        }
      };
    };
  }
}
