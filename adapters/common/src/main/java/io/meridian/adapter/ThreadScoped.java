package io.meridian.adapter;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A value that is current on a thread for the length of a scope: a statement's planning (its
 * observed row counts), its execution (its fragment counters, its backend transaction, its
 * cancellation), the request a server thread handles (its caller).
 */
public final class ThreadScoped<T> {
  private final ThreadLocal<T> current = new ThreadLocal<>();

  /** A scope of {@link #enter}; closing it restores what was current before. */
  @FunctionalInterface
  public interface Scope extends AutoCloseable {
    @Override void close();
  }

  /** Makes {@code value} current on this thread until the returned scope is closed. */
  public Scope enter(T value) {
    T previous = current.get();
    current.set(value);
    return () -> {
      if (previous == null) {
        current.remove();
      } else {
        current.set(previous);
      }
    };
  }

  /** Returns the value current on this thread, or null. */
  public @Nullable T get() {
    return current.get();
  }
}
