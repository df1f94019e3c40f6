package io.meridian.adapter;

import org.apache.calcite.schema.Schema;

import java.sql.SQLException;

/**
 * The storage layer's unit: one configured catalog, exposed to the planner as a Calcite
 * {@link Schema} whose sub-schemas are the backend's schemas and whose leaves are its tables.
 *
 * <p>A backend knows only itself: nothing in an implementation refers to another backend.
 */
public interface StorageBackend extends AutoCloseable {
  /** Returns the catalog name under which the backend is served. */
  String catalogName();

  /** Returns the backend type as written in the configuration ({@code postgres}, ...). */
  String type();

  /**
   * Returns the Calcite schema of this catalog. It is created once and shared by every
   * connection, so it must be thread-safe and lazy: a backend that is down must not fail the
   * creation of a connection, only the statements that touch it.
   */
  Schema schema();

  /**
   * Checks that the backend answers, with a short round trip. Throws an exception whose message
   * names the catalog and never contains credentials.
   */
  void checkAvailable() throws SQLException;

  /** Releases connections, pools and embedded engines. */
  @Override void close();
}
