package io.meridian.adapter;

import org.apache.calcite.linq4j.Enumerable;

/**
 * A lake table that takes appended rows ({@code INSERT ... SELECT}, {@code CREATE TABLE ... AS}).
 * An append is atomic: it becomes visible as one commit once every row is written, and a
 * failure at any row leaves the table exactly as it was (files written so far are deleted).
 */
public interface LakeWritableTable {
  /**
   * Appends rows, each in Calcite's internal representation of the table's row type (dates as
   * days, timestamps as milliseconds, in column order). Returns the number of rows appended.
   */
  long append(Enumerable<Object[]> rows);
}
