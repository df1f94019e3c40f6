package io.meridian.adapter;

import org.apache.calcite.schema.TemporalTable;

/**
 * A table that keeps its past versions ({@code FOR SYSTEM_TIME AS OF TIMESTAMP '...'}). The
 * planner replaces a scan "as of" an instant with a scan of the sibling table this returns.
 * (Calcite's validator accepts {@code FOR SYSTEM_TIME AS OF} only on a {@link TemporalTable};
 * versions are whole tables here, not rows with validity columns, so there are none.)
 */
public interface TimeTravelTable extends TemporalTable {
  /**
   * Returns the name, in this table's schema, of this table as it was at {@code epochMillis}
   * (UTC). Throws {@link IllegalArgumentException} naming the table when it did not exist yet.
   */
  String nameAsOf(long epochMillis);

  @Override default String getSysStartFieldName() {
    return "";
  }

  @Override default String getSysEndFieldName() {
    return "";
  }
}
