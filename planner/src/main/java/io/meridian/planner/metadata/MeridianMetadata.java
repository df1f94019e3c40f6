package io.meridian.planner.metadata;

import io.meridian.adapter.jdbc.ColumnStatistics;
import io.meridian.adapter.jdbc.StatisticsJdbcTable;

import com.google.common.collect.ImmutableList;

import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.convert.ConverterImpl;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.JoinInfo;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.metadata.BuiltInMetadata;
import org.apache.calcite.rel.metadata.ChainedRelMetadataProvider;
import org.apache.calcite.rel.metadata.DefaultRelMetadataProvider;
import org.apache.calcite.rel.metadata.ReflectiveRelMetadataProvider;
import org.apache.calcite.rel.metadata.RelMdDistinctRowCount;
import org.apache.calcite.rel.metadata.RelMdRowCount;
import org.apache.calcite.rel.metadata.RelMdSelectivity;
import org.apache.calcite.rel.metadata.RelMdUtil;
import org.apache.calcite.rel.metadata.RelMetadataProvider;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.util.ImmutableBitSet;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.List;
import java.util.Map;

/**
 * Meridian's metadata: Calcite's, with estimates from the backends' column statistics
 * ({@link ColumnStatistics}) where they exist.
 * <ul>
 *   <li>distinct values of a scanned table's columns come from the backend's catalog
 *   ({@code pg_stats}, DuckDB's {@code stats()}) instead of a guess;
 *   <li>an inner equi-join's size is {@code |L| * |R| / max(ndv(L.key), ndv(R.key))} (the
 *   textbook estimate under containment of key values) when both sides' distinct counts are
 *   known, instead of Calcite's fixed selectivity;
 *   <li>a condition on a scanned table keeps the share of rows its columns' minimum, maximum,
 *   distinct count and NULL fraction imply ({@link ColumnSelectivity}) instead of a guess.
 * </ul>
 */
public final class MeridianMetadata {
  /** The metadata provider of every Meridian statement. */
  public static final RelMetadataProvider PROVIDER = ChainedRelMetadataProvider.of(
      ImmutableList.of(
          ReflectiveRelMetadataProvider.reflectiveSource(new DistinctRowCount(),
              BuiltInMetadata.DistinctRowCount.Handler.class),
          ReflectiveRelMetadataProvider.reflectiveSource(new RowCount(),
              BuiltInMetadata.RowCount.Handler.class),
          ReflectiveRelMetadataProvider.reflectiveSource(new Selectivity(),
              BuiltInMetadata.Selectivity.Handler.class),
          DefaultRelMetadataProvider.INSTANCE));

  private MeridianMetadata() {
  }

  /**
   * Returns the number of distinct values of {@code columns} of a scanned backend table from
   * the backend's statistics (capped at the row count), or null when the backend has none for
   * one of them.
   */
  static @Nullable Double tableDistinctCount(TableScan scan, RelMetadataQuery mq,
      ImmutableBitSet columns) {
    StatisticsJdbcTable table = scan.getTable().unwrap(StatisticsJdbcTable.class);
    if (table == null || columns.isEmpty()) {
      return null;
    }
    Map<String, ColumnStatistics> statistics = table.columnStatistics();
    if (statistics.isEmpty()) {
      return null;
    }
    List<String> names = scan.getRowType().getFieldNames();
    double product = 1;
    for (int column : columns) {
      if (column >= names.size()) {
        return null;
      }
      ColumnStatistics c = statistics.get(names.get(column));
      if (c == null || c.distinctCount() == null) {
        return null;
      }
      product *= Math.max(1, c.distinctCount());
    }
    Double rows = mq.getRowCount(scan);
    return rows == null ? product : Math.min(product, rows);
  }

  /**
   * The distinct values of one output column that is a table's column passed through unchanged
   * (by projections and calcs of the column itself, filters, sorts, joins, groupings by it, and
   * converters between conventions), from the table's statistics; null for anything else. Filters and
   * joins only remove values, so the table's count is an upper bound.
   */
  static @Nullable Double columnDistinctCount(RelNode node, int column, RelMetadataQuery mq) {
    RelNode rel = node instanceof org.apache.calcite.plan.volcano.RelSubset
        ? ((org.apache.calcite.plan.volcano.RelSubset) node).getOriginal() : node;
    if (rel == null) {
      return null;
    }
    if (rel instanceof TableScan) {
      return tableDistinctCount((TableScan) rel, mq, ImmutableBitSet.of(column));
    }
    if (rel instanceof org.apache.calcite.rel.core.Project) {
      RexNode expression = ((org.apache.calcite.rel.core.Project) rel).getProjects().get(column);
      return expression instanceof org.apache.calcite.rex.RexInputRef
          ? columnDistinctCount(rel.getInput(0),
              ((org.apache.calcite.rex.RexInputRef) expression).getIndex(), mq)
          : null;
    }
    if (rel instanceof org.apache.calcite.rel.core.Calc) {
      org.apache.calcite.rex.RexProgram program =
          ((org.apache.calcite.rel.core.Calc) rel).getProgram();
      RexNode expression = program.expandLocalRef(program.getProjectList().get(column));
      return expression instanceof org.apache.calcite.rex.RexInputRef
          ? columnDistinctCount(rel.getInput(0),
              ((org.apache.calcite.rex.RexInputRef) expression).getIndex(), mq)
          : null;
    }
    if (rel instanceof Filter || rel instanceof org.apache.calcite.rel.core.Sort
        || rel instanceof ConverterImpl) {
      return columnDistinctCount(rel.getInput(0), column, mq);
    }
    if (rel instanceof Join) {
      int left = ((Join) rel).getLeft().getRowType().getFieldCount();
      return column < left ? columnDistinctCount(((Join) rel).getLeft(), column, mq)
          : columnDistinctCount(((Join) rel).getRight(), column - left, mq);
    }
    if (rel instanceof Aggregate) {
      Aggregate aggregate = (Aggregate) rel;
      return column < aggregate.getGroupCount()
          ? columnDistinctCount(aggregate.getInput(), aggregate.getGroupSet().nth(column), mq)
          : null;
    }
    return null;
  }

  /** The share of a scanned table's rows a condition keeps, from its column statistics. */
  public static final class Selectivity extends RelMdSelectivity {
    public @Nullable Double getSelectivity(TableScan scan, RelMetadataQuery mq,
        @Nullable RexNode predicate) {
      if (predicate == null || predicate.isAlwaysTrue()) {
        return 1.0;
      }
      StatisticsJdbcTable table = scan.getTable().unwrap(StatisticsJdbcTable.class);
      Map<String, ColumnStatistics> statistics =
          table == null ? Map.of() : table.columnStatistics();
      Double s = statistics.isEmpty() ? null
          : ColumnSelectivity.of(predicate, scan.getRowType().getFieldNames(), statistics);
      if (s == null) {
        return super.getSelectivity(scan, mq, predicate);
      }
      // Never quite nothing: a filter estimated empty would make every plan above it free.
      Double rows = mq.getRowCount(scan);
      return Math.max(s, rows == null || rows < 1 ? 1e-9 : 1 / rows);
    }
  }

  /** Distinct values of table columns from the backend's statistics. */
  public static final class DistinctRowCount extends RelMdDistinctRowCount {
    @Override public @Nullable Double getDistinctRowCount(TableScan scan, RelMetadataQuery mq,
        ImmutableBitSet groupKey, @Nullable RexNode predicate) {
      Double distinct = tableDistinctCount(scan, mq, groupKey);
      if (distinct == null) {
        return super.getDistinctRowCount(scan, mq, groupKey, predicate);
      }
      if (predicate == null || predicate.isAlwaysTrue()) {
        return distinct;
      }
      Double rows = mq.getRowCount(scan);
      Double selectivity = mq.getSelectivity(scan, predicate);
      if (rows == null || selectivity == null) {
        return distinct;
      }
      return RelMdUtil.numDistinctVals(distinct, rows * selectivity);
    }
  }

  /**
   * Inner equi-join sizes from the distinct counts of the join keys; filtered scans whose rows
   * a statement has observed, from the observation ({@link ObservedCardinalities}).
   */
  public static final class RowCount extends RelMdRowCount {
    @Override public @Nullable Double getRowCount(Filter filter, RelMetadataQuery mq) {
      Double observed = ObservedCardinalities.of(filter);
      return observed != null ? observed : super.getRowCount(filter, mq);
    }

    /**
     * A grouping yields at most as many rows as its keys have distinct combinations: where each
     * key traces back to a plain column of a backend table whose statistics count its distinct
     * values, the product of those counts caps Calcite's estimate. Calcite's own distinct
     * counts and column origins stop at the edge of each backend fragment (a converter), so a
     * grouping above a cross-backend join was sized as a tenth of the join, even by a column of
     * 25 nations.
     */
    @Override public @Nullable Double getRowCount(Aggregate aggregate, RelMetadataQuery mq) {
      Double estimate = super.getRowCount(aggregate, mq);
      if (estimate == null || aggregate.getGroupSet().isEmpty()) {
        return estimate;
      }
      double combinations = 1;
      for (int key : aggregate.getGroupSet()) {
        Double distinct = columnDistinctCount(aggregate.getInput(), key, mq);
        if (distinct == null) {
          return estimate;
        }
        combinations *= distinct;
      }
      return Math.min(estimate, combinations * aggregate.getGroupSets().size());
    }

    @Override public @Nullable Double getRowCount(Join join, RelMetadataQuery mq) {
      if (join.getJoinType() != JoinRelType.INNER) {
        return super.getRowCount(join, mq);
      }
      JoinInfo info = join.analyzeCondition();
      if (info.leftKeys.isEmpty()) {
        return super.getRowCount(join, mq);
      }
      Double left = mq.getRowCount(join.getLeft());
      Double right = mq.getRowCount(join.getRight());
      Double leftDistinct = mq.getDistinctRowCount(join.getLeft(),
          ImmutableBitSet.of(info.leftKeys), null);
      Double rightDistinct = mq.getDistinctRowCount(join.getRight(),
          ImmutableBitSet.of(info.rightKeys), null);
      // Distinct counts are known only where they trace back to facts: backend statistics
      // (above) or keys (Calcite); otherwise Calcite's own estimate stands.
      if (left == null || right == null || leftDistinct == null || rightDistinct == null) {
        return super.getRowCount(join, mq);
      }
      double rows = left * right / Math.max(1, Math.max(leftDistinct, rightDistinct));
      RexNode remaining = info.getRemaining(join.getCluster().getRexBuilder());
      if (!remaining.isAlwaysTrue()) {
        Double selectivity = mq.getSelectivity(join, remaining);
        rows *= selectivity == null ? RelMdUtil.guessSelectivity(remaining) : selectivity;
      }
      return Math.max(1, rows);
    }
  }
}
