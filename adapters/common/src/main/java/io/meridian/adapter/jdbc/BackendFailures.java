package io.meridian.adapter.jdbc;

import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;

import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Names the catalog when a backend goes away while a statement reads from it. Generated code
 * wraps each backend fragment's rows with {@link #naming}; a connection that breaks then fails
 * the statement with "catalog 'x' (type) is unavailable: ..." instead of the driver's own
 * message (PostgreSQL's "terminating connection due to administrator command" names nothing).
 */
public final class BackendFailures {
  private BackendFailures() {
  }

  /** Returns the rows of a fragment that runs on {@code dataSource}, failures named. */
  public static <T> Enumerable<T> naming(Enumerable<T> rows, DataSource dataSource) {
    CatalogDataSource catalog;
    try {
      catalog = dataSource.isWrapperFor(CatalogDataSource.class)
          ? dataSource.unwrap(CatalogDataSource.class) : null;
    } catch (SQLException e) {
      catalog = null;
    }
    if (catalog == null) {
      return rows;
    }
    CatalogDataSource named = catalog;
    return new AbstractEnumerable<T>() {
      @Override public Enumerator<T> enumerator() {
        Enumerator<T> enumerator;
        try {
          enumerator = rows.enumerator();
        } catch (RuntimeException e) {
          throw named.failure(e);
        }
        return new Enumerator<T>() {
          @Override public T current() {
            return enumerator.current();
          }

          @Override public boolean moveNext() {
            try {
              return enumerator.moveNext();
            } catch (RuntimeException e) {
              throw named.failure(e);
            }
          }

          @Override public void reset() {
            enumerator.reset();
          }

          @Override public void close() {
            try {
              enumerator.close();
            } catch (RuntimeException e) {
              throw named.failure(e);
            }
          }
        };
      }
    };
  }
}
