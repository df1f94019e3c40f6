package io.meridian.server.slt;

import net.hydromatic.sqllogictest.OptionsParser;
import net.hydromatic.sqllogictest.executors.JdbcExecutor;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs sqllogictest files through Meridian's Avatica driver, with one writable catalog's schema
 * as the connection's default schema, so that the corpus' unqualified {@code CREATE TABLE t1}
 * and {@code SELECT ... FROM t1} go to that backend through Meridian's planner.
 */
final class MeridianSltExecutor extends JdbcExecutor {
  private final String catalog;
  private final String schema;

  MeridianSltExecutor(OptionsParser.SuppliedOptions options, String url, String catalog,
      String schema) {
    super(options, url, "", "");
    this.catalog = catalog;
    this.schema = schema;
  }

  @Override public void establishConnection() throws SQLException {
    super.establishConnection();
    getConnection().setSchema(catalog + "." + schema);
  }

  /** Drops every table of the default schema, read from Meridian's JDBC metadata. */
  @Override public void dropAllTables() throws SQLException {
    List<String> tables = new ArrayList<>();
    try (ResultSet rs = getConnection().getMetaData().getTables(catalog, schema, null, null)) {
      while (rs.next()) {
        tables.add(rs.getString("TABLE_NAME"));
      }
    }
    try (Statement s = getConnection().createStatement()) {
      for (String table : tables) {
        s.execute("DROP TABLE IF EXISTS \"" + table + "\"");
      }
    }
  }

  /** Meridian serves no views yet; nothing to drop. */
  @Override public void dropAllViews() {
  }
}
