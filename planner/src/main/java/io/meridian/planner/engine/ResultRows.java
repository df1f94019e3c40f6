package io.meridian.planner.engine;

import org.apache.calcite.linq4j.Enumerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * An engine's result read row by row, each value in the JVM's row representation
 * ({@link DuckDbEngine#value}); closing it closes the result set, then runs the engine's own
 * release (statement, connection, shipped data).
 */
final class ResultRows implements Enumerator<Object[]> {
  private static final Logger LOG = LoggerFactory.getLogger(ResultRows.class);

  private final ResultSet resultSet;
  private final List<EngineColumn> columns;
  private final String engine;
  private final Runnable release;
  private Object[] current;
  private boolean closed;

  /**
   * @param engine names the engine in a failure ("the DuckDB engine")
   * @param release what to release once the result set is closed
   */
  ResultRows(ResultSet resultSet, List<EngineColumn> columns, String engine, Runnable release) {
    this.resultSet = resultSet;
    this.columns = columns;
    this.engine = engine;
    this.release = release;
  }

  @Override public Object[] current() {
    return current;
  }

  @Override public boolean moveNext() {
    try {
      if (closed || !resultSet.next()) {
        return false;
      }
      Object[] row = new Object[columns.size()];
      for (int i = 0; i < row.length; i++) {
        row[i] = DuckDbEngine.value(resultSet, i + 1, columns.get(i));
      }
      current = row;
      return true;
    } catch (SQLException e) {
      throw new IllegalStateException(engine + " failed: " + e.getMessage(), e);
    }
  }

  @Override public void reset() {
    throw new UnsupportedOperationException();
  }

  @Override public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      resultSet.close();
    } catch (SQLException e) {
      LOG.debug("closing {}'s result", engine, e);
    }
    release.run();
  }
}
