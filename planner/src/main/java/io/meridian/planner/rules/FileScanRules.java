package io.meridian.planner.rules;

import io.meridian.adapter.PrunableTable;
import io.meridian.adapter.TimeTravelTable;

import com.google.common.collect.ImmutableList;

import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.plan.ViewExpanders;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Snapshot;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.util.TimestampString;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.List;

/**
 * Rules for tables made of files (lake tables) that move a scan to a sibling table of the same
 * schema: a filter on the scan narrows it to the files the filter may match
 * ({@link PrunableTable}), and {@code FOR SYSTEM_TIME AS OF} moves it to the version current at
 * that instant ({@link TimeTravelTable}).
 */
public final class FileScanRules extends RelRule<RuleConfig> {
  private FileScanRules(RuleConfig config) {
    super(config);
  }

  @Override public void onMatch(RelOptRuleCall call) {
    RelNode top = call.rel(0);
    if (top instanceof Filter) {
      Filter filter = (Filter) top;
      TableScan scan = call.rel(1);
      PrunableTable prunable = scan.getTable().unwrap(PrunableTable.class);
      if (prunable == null) {
        return;
      }
      RexNode condition = RexUtil.expandSearch(filter.getCluster().getRexBuilder(), null,
          filter.getCondition());
      String name = prunable.prunedName(condition, scan.getRowType());
      RelNode replaced = name == null ? null : sibling(scan, name, prunable.prunedTable(name));
      if (replaced != null) {
        call.transformTo(filter.copy(filter.getTraitSet(), List.of(replaced)));
      }
    } else {
      Snapshot snapshot = (Snapshot) top;
      RexNode period = snapshot.getPeriod();
      TimestampString instant = period instanceof RexLiteral
          ? ((RexLiteral) period).getValueAs(TimestampString.class) : null;
      if (instant == null) {
        throw new IllegalArgumentException(
            "FOR SYSTEM_TIME AS OF needs a constant timestamp, not " + period);
      }
      call.transformTo(asOf(snapshot.getInput(), instant));
    }
  }

  /**
   * Replaces the scan under {@code FOR SYSTEM_TIME AS OF} (the conversion may have put a
   * projection between them) by a scan of the version current at {@code instant}.
   */
  private static RelNode asOf(RelNode node, TimestampString instant) {
    RelNode rel = node.stripped();
    if (rel instanceof TableScan) {
      TableScan scan = (TableScan) rel;
      String table = String.join(".", scan.getTable().getQualifiedName());
      TimeTravelTable versions = scan.getTable().unwrap(TimeTravelTable.class);
      if (versions == null) {
        throw new IllegalArgumentException("table " + table + " keeps no versions:"
            + " FOR SYSTEM_TIME AS OF applies to lake tables only");
      }
      RelNode replaced =
          sibling(scan, versions.nameAsOf(instant.getMillisSinceEpoch()), null);
      if (replaced == null) {
        throw new IllegalStateException("no version of " + table + " as of " + instant);
      }
      return replaced;
    }
    List<RelNode> inputs = new java.util.ArrayList<>();
    for (RelNode input : rel.getInputs()) {
      inputs.add(asOf(input, instant));
    }
    return rel.copy(rel.getTraitSet(), inputs);
  }

  /**
   * Returns a scan of the table named {@code name} in the schema of {@code scan}'s table:
   * {@code unlisted} where the table gave it (a name its schema does not list), else the table
   * the schema resolves the name to; null when there is none.
   */
  private static @Nullable RelNode sibling(TableScan scan, String name,
      org.apache.calcite.schema.@Nullable Table unlisted) {
    List<String> names = scan.getTable().getQualifiedName();
    List<String> siblingNames = ImmutableList.<String>builder()
        .addAll(names.subList(0, names.size() - 1)).add(name).build();
    RelOptTable table = unlisted != null
        ? org.apache.calcite.prepare.RelOptTableImpl.create(scan.getTable().getRelOptSchema(),
            unlisted.getRowType(scan.getCluster().getTypeFactory()), unlisted,
            ImmutableList.copyOf(siblingNames))
        : scan.getTable().getRelOptSchema().getTableForMember(siblingNames);
    if (table == null) {
      return null;
    }
    return table.toRel(ViewExpanders.simpleContext(scan.getCluster()));
  }

  /** Narrows a scan under a filter to the files the filter may match. */
  public static final RuleConfig PRUNE = RuleConfig.of("FileScanRules:prune",
      b -> b.operand(Filter.class).oneInput(s -> s.operand(TableScan.class).noInputs()),
      FileScanRules::new);

  /** Replaces {@code FOR SYSTEM_TIME AS OF} over a scan with a scan of that version. */
  public static final RuleConfig AS_OF = RuleConfig.of("FileScanRules:asOf",
      b -> b.operand(Snapshot.class).anyInputs(),
      FileScanRules::new);
}
