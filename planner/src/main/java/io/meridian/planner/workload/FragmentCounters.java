package io.meridian.planner.workload;

import io.meridian.planner.ThreadScoped;

import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The rows each fragment of one statement's execution actually produced, for the workload log
 * (estimated vs actual rows per fragment). Generated code wraps each fragment's rows with
 * {@link #counted}; the server makes a statement's counters current ({@link #enter}) while it
 * executes and fetches the statement, and reads them when the statement is done. With no
 * counters current (in-process use) the wrapper costs nothing per row.
 */
public final class FragmentCounters {
  private static final ThreadScoped<FragmentCounters> CURRENT = new ThreadScoped<>();

  /** One fragment's count; written by the one thread that reads the fragment's rows. */
  private static final class Slot {
    long rows;
  }

  private final Map<Integer, Slot> slots = new ConcurrentHashMap<>();

  /** Makes these counters current on this thread until the returned scope is closed. */
  public ThreadScoped.Scope enter() {
    return CURRENT.enter(this);
  }

  /** Returns the rows fragment {@code id} produced, or -1 if it never ran. */
  public long rows(int id) {
    Slot slot = slots.get(id);
    return slot == null ? -1 : slot.rows;
  }

  /**
   * Counts the rows of fragment {@code id} that were read whole in one go (an engine's input),
   * into the counters current on this thread.
   */
  public static void add(int id, long rows) {
    FragmentCounters counters = CURRENT.get();
    if (counters != null) {
      counters.slots.computeIfAbsent(id, k -> new Slot()).rows += rows;
    }
  }

  /** Returns the rows of fragment {@code id}, counted into the counters current when opened. */
  public static <T> Enumerable<T> counted(Enumerable<T> rows, int id) {
    return new AbstractEnumerable<T>() {
      @Override public Enumerator<T> enumerator() {
        FragmentCounters counters = CURRENT.get();
        Enumerator<T> enumerator = rows.enumerator();
        if (counters == null) {
          return enumerator;
        }
        Slot slot = counters.slots.computeIfAbsent(id, k -> new Slot());
        return new Enumerator<T>() {
          @Override public T current() {
            return enumerator.current();
          }

          @Override public boolean moveNext() {
            boolean more = enumerator.moveNext();
            if (more) {
              slot.rows++;
            }
            return more;
          }

          @Override public void reset() {
            enumerator.reset();
          }

          @Override public void close() {
            enumerator.close();
          }
        };
      }
    };
  }
}
