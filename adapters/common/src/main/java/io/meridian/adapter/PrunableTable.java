package io.meridian.adapter;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexNode;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A table made of files whose metadata can rule files out for a filter (partition values,
 * column bounds). The planner offers it each filter placed directly on its scan; the table
 * answers with the name of a sibling table in the same schema that reads only the files the
 * filter may match. The filter stays above the new scan, so pruning never changes results.
 */
public interface PrunableTable {
  /**
   * Returns the name, in this table's schema, of the table that reads only the files
   * {@code condition} (over {@code rowType}, this table's row type) may match, or null when
   * nothing can be ruled out.
   */
  @Nullable String prunedName(RexNode condition, RelDataType rowType);

  /**
   * Returns the table a name from {@link #prunedName} stands for, where the schema does not
   * list it (so a schema's cached table list cannot resolve it); null to resolve it through
   * the schema.
   */
  default org.apache.calcite.schema.@Nullable Table prunedTable(String name) {
    return null;
  }
}
