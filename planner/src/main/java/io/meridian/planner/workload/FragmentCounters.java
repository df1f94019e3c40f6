package io.meridian.planner.workload;

import io.meridian.adapter.ThreadScoped;

import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each fragment of one statement's execution actually did, for the workload log: the rows
 * it produced (estimated vs actual rows per fragment) and the time spent in it, and the
 * statement's planning time. Generated code wraps each fragment's rows with {@link #counted};
 * the server makes a statement's counters current ({@link #enter}) while it executes and
 * fetches the statement, and reads them when the statement is done. With no counters current
 * (in-process use) the wrapper costs nothing per row.
 *
 * <p>A fragment's time is the time spent opening it and in its {@code moveNext} calls, which in
 * a pull pipeline is the fragment's own work (its backend's, and moving its rows): the first
 * {@link #TIMED_ROWS} calls are timed each, later ones about one in {@link #SAMPLE}, at random
 * (scaled up), so that timing costs no measurable share of a large read. (At random: a JDBC
 * driver fetches a batch every so many rows, and a fixed stride would always or never hit
 * those calls.) The calibration subtracts these times from the statement's to find the JVM's
 * share.
 */
public final class FragmentCounters {
  /** Rows timed one by one before sampling starts. */
  static final int TIMED_ROWS = 1024;
  /** After the first rows, one {@code moveNext} call in this many is timed. */
  static final int SAMPLE = 16;

  private static final ThreadScoped<FragmentCounters> CURRENT = new ThreadScoped<>();

  /** One fragment's counts; written by the one thread that reads the fragment's rows. */
  private static final class Slot {
    /** Rows as the fragment produced them for the statement (-1: not counted). */
    long rows = -1;
    /** Rows moved, including reads narrowed by another input's keys. */
    long moved;
    long nanos;
  }

  private final Map<Integer, Slot> slots = new ConcurrentHashMap<>();
  private volatile long planNanos;

  /** Makes these counters current on this thread until the returned scope is closed. */
  public ThreadScoped.Scope enter() {
    return CURRENT.enter(this);
  }

  /**
   * Returns the counters current on this thread, or null; to carry them to a thread that works
   * for the same statement.
   */
  public static @Nullable FragmentCounters current() {
    return CURRENT.get();
  }

  /** Returns the rows fragment {@code id} produced, or -1 if it never ran. */
  public long rows(int id) {
    Slot slot = slots.get(id);
    return slot == null ? -1 : slot.rows;
  }

  /** Returns the rows fragment {@code id} moved (also when narrowed by keys), or -1. */
  public long movedRows(int id) {
    Slot slot = slots.get(id);
    return slot == null ? -1 : slot.moved;
  }

  /** Returns the nanoseconds spent in fragment {@code id}, or -1 if it never ran. */
  public long nanos(int id) {
    Slot slot = slots.get(id);
    return slot == null ? -1 : slot.nanos;
  }

  /** Returns the nanoseconds the statement spent being planned while these were current. */
  public long planNanos() {
    return planNanos;
  }

  /** Adds planning time to the counters current on this thread, if any. */
  public static void planned(long nanos) {
    FragmentCounters counters = CURRENT.get();
    if (counters != null) {
      counters.planNanos += nanos;
    }
  }

  /**
   * Counts the rows of fragment {@code id} that were read whole in one go (an engine's input),
   * and the time reading them took, into the counters current on this thread. {@code whole}:
   * the rows are the fragment's as planned (not narrowed by another input's keys), so they
   * also count as its actual rows.
   */
  public static void add(int id, long rows, long nanos, boolean whole) {
    FragmentCounters counters = CURRENT.get();
    if (counters != null) {
      Slot slot = counters.slots.computeIfAbsent(id, k -> new Slot());
      if (whole) {
        slot.rows = Math.max(slot.rows, 0) + rows;
      }
      slot.moved += rows;
      slot.nanos += nanos;
    }
  }

  /**
   * Returns the rows that pass between two JVM operators ({@code id}: the counter's), counted
   * into the counters current when opened; not timed (the time is the JVM's).
   */
  public static <T> Enumerable<T> countedRows(Enumerable<T> rows, int id) {
    return counting(rows, id, false);
  }

  /** Returns the rows of fragment {@code id}, counted into the counters current when opened. */
  public static <T> Enumerable<T> counted(Enumerable<T> rows, int id) {
    return counting(rows, id, true);
  }

  private static <T> Enumerable<T> counting(Enumerable<T> rows, int id, boolean timed) {
    return new AbstractEnumerable<T>() {
      @Override public Enumerator<T> enumerator() {
        FragmentCounters counters = CURRENT.get();
        if (counters == null) {
          return rows.enumerator();
        }
        Slot slot = counters.slots.computeIfAbsent(id, k -> new Slot());
        slot.rows = Math.max(slot.rows, 0);
        long start = System.nanoTime();
        Enumerator<T> enumerator = rows.enumerator();
        if (timed) {
          slot.nanos += System.nanoTime() - start;
        }
        return new CountingEnumerator<>(enumerator, slot, timed, id);
      }
    };
  }

  /** Counts the rows of one enumerator into a slot, and (if {@code timed}) times its calls. */
  private static final class CountingEnumerator<T> implements Enumerator<T> {
    private final Enumerator<T> enumerator;
    private final Slot slot;
    private final boolean timed;
    private long calls;
    /** When to time next (after the first rows: a random gap averaging SAMPLE). */
    private long nextTimed = TIMED_ROWS;
    private int random;

    CountingEnumerator(Enumerator<T> enumerator, Slot slot, boolean timed, int id) {
      this.enumerator = enumerator;
      this.slot = slot;
      this.timed = timed;
      this.random = 0x9E3779B9 ^ id;
    }

    @Override public T current() {
      return enumerator.current();
    }

    @Override public boolean moveNext() {
      boolean more;
      long call = calls++;
      if (timed && (call < TIMED_ROWS || call == nextTimed)) {
        long t = System.nanoTime();
        more = enumerator.moveNext();
        slot.nanos += (System.nanoTime() - t) * (call < TIMED_ROWS ? 1 : SAMPLE);
        if (call >= TIMED_ROWS) {
          // xorshift: a gap of 1 to 2 * SAMPLE - 1 calls, SAMPLE on average.
          random ^= random << 13;
          random ^= random >>> 17;
          random ^= random << 5;
          nextTimed = call + 1 + Math.floorMod(random, 2 * SAMPLE - 1);
        }
      } else {
        more = enumerator.moveNext();
      }
      if (more) {
        slot.rows++;
        slot.moved++;
      }
      return more;
    }

    @Override public void reset() {
      enumerator.reset();
    }

    @Override public void close() {
      enumerator.close();
    }
  }
}
