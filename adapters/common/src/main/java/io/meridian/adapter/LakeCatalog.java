package io.meridian.adapter;

import org.apache.calcite.rel.type.RelDataType;

/**
 * A catalog of lake tables (files plus table metadata) that Meridian creates and drops itself:
 * the target of {@code CREATE TABLE [AS]} and {@code DROP TABLE} where there is no backend to
 * send DDL to.
 */
public interface LakeCatalog {
  /** Returns the catalog's name. */
  String catalogName();

  /** Whether the table exists. */
  boolean tableExists(String schema, String table);

  /** Creates an empty table with these columns, creating its schema (namespace) if missing. */
  void createTable(String schema, String table, RelDataType rowType);

  /** Drops the table and deletes its files. */
  void dropTable(String schema, String table);

  /**
   * Whether a name is one the catalog made for itself (a view of a table narrowed to some of
   * its files): such names resolve, but are never listed.
   */
  default boolean isDerivedTable(String name) {
    return false;
  }

  /**
   * {@code ANALYZE}: gathers the statistics of a table that its files and metadata do not
   * record, and returns what it gathered (for the log). By default there is nothing to gather:
   * the statistics come from the table's current files or snapshot as they are.
   */
  default String analyze(String schema, String table) {
    return "statistics come from the table's current files or snapshot";
  }
}
