package io.meridian.planner.rel;

import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Writes rows produced by any engine into a backend table, in batches, in one transaction: all
 * rows or none. Called by the code {@link EnumerableBackendInsert} generates.
 */
public final class BackendWriter {
  /** Rows per JDBC batch. */
  static final int BATCH = 1000;

  /** Rows per batch for a backend without transactions: each batch is applied atomically. */
  static final int NON_TRANSACTIONAL_BATCH = 100_000;

  private BackendWriter() {
  }

  /**
   * Inserts every row and returns how many were written.
   *
   * @param sql {@code INSERT INTO table (columns) VALUES (?, ...)} in the backend's dialect
   * @param rows the rows, each an {@code Object[]} in Calcite's internal representation
   * @param types the SQL type name of each column, to convert dates and times
   */
  public static long insert(DataSource dataSource, String sql, Enumerable<Object[]> rows,
      String[] types) {
    long[] progress = new long[2];
    try (Connection connection = dataSource.getConnection()) {
      if (!connection.getMetaData().supportsTransactions()) {
        return insertWithoutTransaction(connection, sql, rows, types);
      }
      boolean autoCommit = connection.getAutoCommit();
      connection.setAutoCommit(false);
      try (PreparedStatement ps = connection.prepareStatement(sql)) {
        long count = writeBatches(ps, rows, types, BATCH, progress);
        connection.commit();
        return count;
      } catch (SQLException | RuntimeException ex) {
        connection.rollback();
        throw ex;
      } finally {
        connection.setAutoCommit(autoCommit);
      }
    } catch (SQLException ex) {
      throw new IllegalStateException("insert failed after " + progress[0]
          + " rows, nothing was written: " + ex.getMessage(), ex);
    }
  }

  /**
   * Inserts into a backend without transactions (ClickHouse): in large batches, each of which
   * the backend applies atomically; a failure names how many rows were already written.
   */
  private static long insertWithoutTransaction(Connection connection, String sql,
      Enumerable<Object[]> rows, String[] types) {
    long[] progress = new long[2];
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      return writeBatches(ps, rows, types, NON_TRANSACTIONAL_BATCH, progress);
    } catch (SQLException | RuntimeException ex) {
      throw new IllegalStateException("insert failed after " + progress[0] + " rows; the "
          + "backend has no transactions and keeps the first " + progress[1] + " rows: "
          + ex.getMessage(), ex);
    }
  }

  /**
   * Binds and sends every row in batches; {@code progress} holds the rows bound so far and the
   * rows of the batches sent so far, for the failure message.
   */
  private static long writeBatches(PreparedStatement ps, Enumerable<Object[]> rows,
      String[] types, int batchSize, long[] progress) throws SQLException {
    try (Enumerator<Object[]> e = rows.enumerator()) {
      int pending = 0;
      while (e.moveNext()) {
        Object[] row = e.current();
        for (int i = 0; i < row.length; i++) {
          ps.setObject(i + 1, BackendValues.toJdbc(row[i], types[i]));
        }
        ps.addBatch();
        progress[0]++;
        if (++pending == batchSize) {
          ps.executeBatch();
          progress[1] = progress[0];
          pending = 0;
        }
      }
      if (pending > 0) {
        ps.executeBatch();
      }
      return progress[0];
    }
  }

}
