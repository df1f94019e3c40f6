package io.meridian.adapter.iceberg;

import io.meridian.adapter.PrunableTable;
import io.meridian.adapter.TimeTravelTable;

import com.google.common.collect.ImmutableList;

import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.schema.ScannableTable;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.calcite.schema.Statistic;
import org.apache.calcite.schema.Statistics;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.CloseableIterator;
import org.apache.iceberg.types.Types;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A snapshot read by Iceberg's own generic reader, which applies position and equality deletes
 * and reads files written under older schemas by field id. Rows reach the planner in the JVM;
 * the planner may ship them to its DuckDB engine for the rest of the plan.
 */
final class IcebergScanTable extends AbstractTable
    implements ScannableTable, PrunableTable, TimeTravelTable,
    io.meridian.adapter.LakeWritableTable {
  private final IcebergBackend backend;
  private final IcebergSnapshotRead read;

  IcebergScanTable(IcebergBackend backend, IcebergSnapshotRead read) {
    this.backend = backend;
    this.read = read;
  }

  @Override public Enumerable<@Nullable Object[]> scan(DataContext root) {
    List<Types.NestedField> columns = read.schema().columns();
    return new AbstractEnumerable<>() {
      @Override public Enumerator<@Nullable Object[]> enumerator() {
        if (read.snapshot() == null) {
          return org.apache.calcite.linq4j.Linq4j.emptyEnumerator();
        }
        CloseableIterable<org.apache.iceberg.data.Record> records =
            IcebergGenerics.read(read.table())
                .useSnapshot(read.snapshot().snapshotId())
                .project(read.schema())
                .where(read.filter())
                .build();
        CloseableIterator<org.apache.iceberg.data.Record> iterator = records.iterator();
        return new Enumerator<>() {
          private @Nullable Object[] current;

          @Override public @Nullable Object[] current() {
            return current;
          }

          @Override public boolean moveNext() {
            if (!iterator.hasNext()) {
              return false;
            }
            org.apache.iceberg.data.Record record = iterator.next();
            Object[] row = new Object[columns.size()];
            for (int i = 0; i < row.length; i++) {
              row[i] = IcebergTypes.toInternal(record.getField(columns.get(i).name()));
            }
            current = row;
            return true;
          }

          @Override public void reset() {
            throw new UnsupportedOperationException();
          }

          @Override public void close() {
            try {
              iterator.close();
              records.close();
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
        };
      }
    };
  }

  @Override public RelDataType getRowType(RelDataTypeFactory typeFactory) {
    return IcebergTypes.rowType(read.schema(), typeFactory);
  }

  @Override public Statistic getStatistic() {
    return Statistics.of(read.rowCount(), ImmutableList.of());
  }

  @Override public @Nullable String prunedName(RexNode condition, RelDataType rowType) {
    return backend.prune(read,
        IcebergFilters.toExpression(condition, rowType, read.schema()));
  }

  @Override public long append(org.apache.calcite.linq4j.Enumerable<Object[]> rows) {
    return backend.append(read, rows);
  }

  @Override public String nameAsOf(long epochMillis) {
    return backend.nameAsOf(read, epochMillis);
  }
}
