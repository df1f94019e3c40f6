package io.meridian.adapter.duckdb;

import org.duckdb.DuckDBConnection;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

import static java.util.Objects.requireNonNull;

/**
 * A data source over one embedded DuckDB database. DuckDB allows one read-write instance of a
 * database file per process, so this class opens the database once (lazily) and hands out
 * {@link DuckDBConnection#duplicate() duplicates} of the root connection, which are cheap and
 * share the instance. Statements in {@code initSql} run once on the root connection.
 */
public final class DuckDbDataSource implements DataSource, AutoCloseable {
  private final String jdbcUrl;
  private final boolean readOnly;
  private final List<String> initSql;
  private DuckDBConnection root;

  /**
   * Creates a data source.
   *
   * @param path database file, or {@code :memory:} for an in-memory database
   * @param readOnly whether to open the file read-only (then other processes may read it too)
   * @param initSql statements run once when the database is opened
   */
  public DuckDbDataSource(String path, boolean readOnly, List<String> initSql) {
    this.jdbcUrl = "jdbc:duckdb:" + (path.equals(":memory:") ? "" : path);
    this.readOnly = readOnly;
    this.initSql = List.copyOf(requireNonNull(initSql, "initSql"));
  }

  /**
   * Returns the connection properties Meridian opens DuckDB files with. DuckDB shares one
   * instance per file within a process and refuses a second connection with other settings, so
   * every in-process reader of the same file (tests, benchmarks) must use these.
   */
  public static Properties connectionProperties(boolean readOnly) {
    Properties props = new Properties();
    if (readOnly) {
      props.setProperty("duckdb.read_only", "true");
    }
    // Extensions that are not built in must fail at once rather than try the network.
    props.setProperty("autoinstall_known_extensions", "false");
    return props;
  }

  private synchronized DuckDBConnection root() throws SQLException {
    if (root == null || root.isClosed()) {
      DuckDBConnection connection = (DuckDBConnection) DriverManager.getConnection(jdbcUrl,
          connectionProperties(readOnly));
      try (Statement statement = connection.createStatement()) {
        for (String sql : initSql) {
          statement.execute(sql);
        }
      } catch (SQLException e) {
        connection.close();
        throw e;
      }
      root = connection;
    }
    return root;
  }

  @Override public Connection getConnection() throws SQLException {
    return root().duplicate();
  }

  @Override public Connection getConnection(String username, String password)
      throws SQLException {
    throw new SQLFeatureNotSupportedException("DuckDB has no users");
  }

  @Override public PrintWriter getLogWriter() {
    return null;
  }

  @Override public void setLogWriter(PrintWriter out) {
  }

  @Override public void setLoginTimeout(int seconds) {
  }

  @Override public int getLoginTimeout() {
    return 0;
  }

  @Override public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("not a wrapper for " + iface);
  }

  @Override public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }

  /** Closes the database instance; connections handed out before become unusable. */
  @Override public synchronized void close() {
    if (root != null) {
      try {
        root.close();
      } catch (SQLException e) {
        // Nothing to recover: the instance is going away.
      }
      root = null;
    }
  }
}
