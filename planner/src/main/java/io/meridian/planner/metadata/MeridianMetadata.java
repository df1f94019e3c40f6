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
   * Where one output column comes from: a table's column passed through unchanged ({@code rel}
   * a table scan, {@code expression} null), or an expression computed over {@code rel}.
   */
  private record Origin(RelNode rel, int column, @Nullable RexNode expression) {
  }

  /**
   * Traces one output column down through projections and calcs of the column itself, filters,
   * sorts, joins, groupings by it, and converters between conventions, to a table's column or
   * to the expression that computes it; null for anything else.
   */
  private static @Nullable Origin origin(RelNode node, int column) {
    RelNode rel = node instanceof org.apache.calcite.plan.volcano.RelSubset
        ? ((org.apache.calcite.plan.volcano.RelSubset) node).getOriginal() : node;
    if (rel == null) {
      return null;
    }
    if (rel instanceof TableScan) {
      return new Origin(rel, column, null);
    }
    RexNode expression = null;
    if (rel instanceof org.apache.calcite.rel.core.Project) {
      expression = ((org.apache.calcite.rel.core.Project) rel).getProjects().get(column);
    } else if (rel instanceof org.apache.calcite.rel.core.Calc) {
      org.apache.calcite.rex.RexProgram program =
          ((org.apache.calcite.rel.core.Calc) rel).getProgram();
      expression = program.expandLocalRef(program.getProjectList().get(column));
    }
    if (expression != null) {
      return expression instanceof org.apache.calcite.rex.RexInputRef
          ? origin(rel.getInput(0), ((org.apache.calcite.rex.RexInputRef) expression).getIndex())
          : new Origin(rel.getInput(0), -1, expression);
    }
    if (rel instanceof Filter || rel instanceof org.apache.calcite.rel.core.Sort
        || rel instanceof ConverterImpl) {
      return origin(rel.getInput(0), column);
    }
    if (rel instanceof Join) {
      int left = ((Join) rel).getLeft().getRowType().getFieldCount();
      return column < left ? origin(((Join) rel).getLeft(), column)
          : origin(((Join) rel).getRight(), column - left);
    }
    if (rel instanceof Aggregate) {
      Aggregate aggregate = (Aggregate) rel;
      return column < aggregate.getGroupCount()
          ? origin(aggregate.getInput(), aggregate.getGroupSet().nth(column)) : null;
    }
    return null;
  }

  /**
   * The distinct values of one output column ({@link #origin}): a table's column's, from the
   * table's statistics (filters and joins only remove values, so this is an upper bound), or
   * those of a year extracted from one ({@link #yearsDistinctCount}); null for anything else.
   */
  static @Nullable Double columnDistinctCount(RelNode node, int column, RelMetadataQuery mq) {
    Origin origin = origin(node, column);
    if (origin == null) {
      return null;
    }
    return origin.expression() == null
        ? tableDistinctCount((TableScan) origin.rel(), mq, ImmutableBitSet.of(origin.column()))
        : yearsDistinctCount(origin.expression(), origin.rel(), mq);
  }

  /**
   * The distinct values of {@code EXTRACT(YEAR FROM column)} over {@code input}, where the
   * column is a table's date or timestamp column passed through unchanged: the years between
   * its smallest and largest value by the statistics, at most its distinct values (TPC-H
   * groups by the year of an order or a shipment: 7 years, where a grouping above a join had no
   * bound but the join); null for any other expression.
   */
  static @Nullable Double yearsDistinctCount(RexNode expression, RelNode input,
      RelMetadataQuery mq) {
    if (expression.getKind() != org.apache.calcite.sql.SqlKind.EXTRACT) {
      return null;
    }
    List<RexNode> operands = ((org.apache.calcite.rex.RexCall) expression).getOperands();
    if (operands.size() != 2
        || !(operands.get(0) instanceof org.apache.calcite.rex.RexLiteral)
        || ((org.apache.calcite.rex.RexLiteral) operands.get(0)).getValue()
            != org.apache.calcite.avatica.util.TimeUnitRange.YEAR
        || !(operands.get(1) instanceof org.apache.calcite.rex.RexInputRef)) {
      return null;
    }
    Origin origin =
        origin(input, ((org.apache.calcite.rex.RexInputRef) operands.get(1)).getIndex());
    if (origin == null || origin.expression() != null) {
      return null;
    }
    ColumnStatistics statistics = columnStatistics(origin);
    if (statistics == null || statistics.min() == null || statistics.max() == null) {
      return null;
    }
    try {
      int first = Integer.parseInt(statistics.min().trim().substring(0, 4));
      int last = Integer.parseInt(statistics.max().trim().substring(0, 4));
      double years = Math.max(1, last - first + 1);
      Double distinct = tableDistinctCount((TableScan) origin.rel(), mq,
          ImmutableBitSet.of(origin.column()));
      return distinct == null ? years : Math.min(years, distinct);
    } catch (RuntimeException e) {
      // Not a date written year first.
      return null;
    }
  }

  /** The statistics of a table's column ({@code origin} a table scan's column). */
  private static @Nullable ColumnStatistics columnStatistics(Origin origin) {
    StatisticsJdbcTable table = origin.rel().getTable().unwrap(StatisticsJdbcTable.class);
    List<String> names = origin.rel().getRowType().getFieldNames();
    return table == null || origin.column() >= names.size() ? null
        : table.columnStatistics().get(names.get(origin.column()));
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
