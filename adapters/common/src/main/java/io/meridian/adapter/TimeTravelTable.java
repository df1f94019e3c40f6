package io.meridian.adapter;

/**
 * A table that keeps its past versions ({@code FOR SYSTEM_TIME AS OF TIMESTAMP '...'}). The
 * planner replaces a scan "as of" an instant with a scan of the sibling table this returns.
 */
public interface TimeTravelTable {
  /**
   * Returns the name, in this table's schema, of this table as it was at {@code epochMillis}
   * (UTC). Throws {@link IllegalArgumentException} naming the table when it did not exist yet.
   */
  String nameAsOf(long epochMillis);
}
