package io.meridian.adapter.delta;

import io.meridian.adapter.TimeTravelTable;

import com.google.common.collect.ImmutableList;

import io.delta.kernel.Scan;
import io.delta.kernel.ScanBuilder;
import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.data.Row;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.data.ScanStateRow;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.FileStatus;

import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.ScannableTable;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.calcite.schema.Statistic;
import org.apache.calcite.schema.Statistics;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * A Delta version read by Kernel's own reader, which applies deletion vectors and column
 * mapping and adds partition values. Rows reach the planner in the JVM.
 */
final class DeltaScanTable extends AbstractTable implements ScannableTable, TimeTravelTable {
  private final DeltaBackend backend;
  private final DeltaSnapshotRead read;

  DeltaScanTable(DeltaBackend backend, DeltaSnapshotRead read) {
    this.backend = backend;
    this.read = read;
  }

  @Override public Enumerable<@Nullable Object[]> scan(DataContext root) {
    return new AbstractEnumerable<>() {
      @Override public Enumerator<@Nullable Object[]> enumerator() {
        return new Rows(backend.engine());
      }
    };
  }

  /** Streams the logical rows of the snapshot, one data file's batches at a time. */
  private final class Rows implements Enumerator<@Nullable Object[]> {
    private final Engine engine;
    private final Row scanState;
    private final StructType physicalSchema;
    private final CloseableIterator<FilteredColumnarBatch> scanFiles;
    private final Deque<Row> pendingFiles = new ArrayDeque<>();
    private final Deque<Object[]> buffered = new ArrayDeque<>();
    private @Nullable Object[] current;

    Rows(Engine engine) {
      this.engine = engine;
      ScanBuilder builder = read.snapshot().getScanBuilder();
      if (read.predicate() != null) {
        builder = builder.withFilter(read.predicate());
      }
      Scan scan = builder.build();
      this.scanState = scan.getScanState(engine);
      this.physicalSchema = ScanStateRow.getPhysicalDataReadSchema(scanState);
      this.scanFiles = scan.getScanFiles(engine);
    }

    @Override public @Nullable Object[] current() {
      return current;
    }

    @Override public boolean moveNext() {
      try {
        while (buffered.isEmpty()) {
          if (pendingFiles.isEmpty()) {
            if (!scanFiles.hasNext()) {
              return false;
            }
            try (CloseableIterator<Row> files = scanFiles.next().getRows()) {
              files.forEachRemaining(pendingFiles::add);
            }
            continue;
          }
          readFile(pendingFiles.poll());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("reading Delta table " + read.namespace() + '.'
            + read.name(), e);
      }
      current = buffered.poll();
      return true;
    }

    private void readFile(Row scanFile) throws IOException {
      FileStatus file = InternalScanFileUtils.getAddFileStatus(scanFile);
      CloseableIterator<ColumnarBatch> physical = engine.getParquetHandler()
          .readParquetFiles(io.delta.kernel.internal.util.Utils.singletonCloseableIterator(file),
              physicalSchema, Optional.empty())
          .map(io.delta.kernel.engine.FileReadResult::getData);
      try (CloseableIterator<FilteredColumnarBatch> logical =
               Scan.transformPhysicalData(engine, scanState, scanFile, physical)) {
        while (logical.hasNext()) {
          FilteredColumnarBatch batch = logical.next();
          ColumnarBatch data = batch.getData();
          Optional<ColumnVector> selection = batch.getSelectionVector();
          int columns = data.getSchema().length();
          for (int i = 0; i < data.getSize(); i++) {
            if (selection.isPresent()
                && (selection.get().isNullAt(i) || !selection.get().getBoolean(i))) {
              continue;
            }
            Object[] row = new Object[columns];
            for (int c = 0; c < columns; c++) {
              row[c] = DeltaTypes.value(data.getColumnVector(c), i);
            }
            buffered.add(row);
          }
        }
      }
    }

    @Override public void reset() {
      throw new UnsupportedOperationException();
    }

    @Override public void close() {
      try {
        scanFiles.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Override public RelDataType getRowType(RelDataTypeFactory typeFactory) {
    return DeltaTypes.rowType(read.schema(), typeFactory);
  }

  @Override public Statistic getStatistic() {
    return Statistics.of(read.rowCount(), ImmutableList.of());
  }

  @Override public String nameAsOf(long epochMillis) {
    return backend.nameAsOf(read, epochMillis);
  }
}
