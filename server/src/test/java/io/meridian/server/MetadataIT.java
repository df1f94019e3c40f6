package io.meridian.server;

import io.meridian.adapter.CatalogSpec;
import io.meridian.server.testing.DemoServerFixture;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.Map;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The metadata calls a tool such as DBeaver makes when it opens a connection and expands its
 * navigator, through the Avatica driver: catalogs are JDBC catalogs, backend schemas are JDBC
 * schemas, only queryable relations are listed, and columns carry JDBC types, nullability and
 * ordinal positions.
 */
class MetadataIT {
  private static DemoServerFixture fixture;

  @BeforeAll static void start() throws Exception {
    fixture = DemoServerFixture.get();
  }

  private static List<String> column(ResultSet rs, String name) throws SQLException {
    List<String> values = new ArrayList<>();
    try (rs) {
      while (rs.next()) {
        values.add(rs.getString(name));
      }
    }
    return values;
  }

  @Test void navigatorSequence() throws SQLException {
    try (Connection c = fixture.connect()) {
      DatabaseMetaData md = c.getMetaData();
      assertThat(column(md.getCatalogs(), "TABLE_CAT")).contains("analytics", "lake", "shop");
      assertThat(column(md.getTableTypes(), "TABLE_TYPE")).contains("TABLE", "VIEW");
      assertThat(column(md.getSchemas("shop", null), "TABLE_SCHEM")).containsExactly("public");
      assertThat(column(md.getSchemas("lake", "%"), "TABLE_SCHEM")).containsExactly("tpch");

      List<String> shopTables = column(md.getTables("shop", "public", "%", null), "TABLE_NAME");
      assertThat(shopTables).contains("customer", "nation", "orders", "region")
          .noneMatch(name -> name.endsWith("_pkey"));
      assertThat(column(md.getTables("lake", "tpch", null, null), "TABLE_NAME"))
          .containsExactly("lineitem");
      // Parquet tables are tables (read through DuckDB views, written as files).
      assertThat(column(md.getTables(null, null, "line%", new String[] {"TABLE"}), "TABLE_CAT"))
          .containsExactly("lake");

      try (ResultSet rs = md.getColumns("shop", "public", "region", null)) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("TABLE_CAT")).isEqualTo("shop");
        assertThat(rs.getString("COLUMN_NAME")).isEqualTo("r_regionkey");
        assertThat(rs.getInt("DATA_TYPE")).isEqualTo(Types.INTEGER);
        assertThat(rs.getInt("ORDINAL_POSITION")).isEqualTo(1);
        assertThat(rs.getString("IS_NULLABLE")).isEqualTo("NO");
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("COLUMN_NAME")).isEqualTo("r_name");
        assertThat(rs.getInt("DATA_TYPE")).isEqualTo(Types.VARCHAR);
        assertThat(rs.getInt("COLUMN_SIZE")).isEqualTo(25);
        assertThat(rs.getInt("ORDINAL_POSITION")).isEqualTo(2);
      }
      try (ResultSet rs = md.getColumns("analytics", "tpch", "part", "p_retail%")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt("DATA_TYPE")).isEqualTo(Types.DECIMAL);
        assertThat(rs.getInt("COLUMN_SIZE")).isEqualTo(15);
        assertThat(rs.getInt("DECIMAL_DIGITS")).isEqualTo(2);
        assertThat(rs.next()).isFalse();
      }
    }
  }

  /**
   * What DBeaver asks when it opens a connection, expands a catalog down to a table (columns,
   * keys, references, indexes) and opens the table's data tab (200 rows), in its order; keys
   * come from the backend's own catalog, served under the Meridian catalog's name. Meridian's
   * client driver (Avatica's remote driver with a working cancel) is what DBeaver is set up with.
   */
  @Test void dbeaverConnectionSequence() throws Exception {
    try (Connection pg = DriverManager.getConnection(fixture.demo().postgresUrl(), "postgres",
        ""); Statement s = pg.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS metadata_keys");
      s.execute("CREATE DATABASE metadata_keys");
    }
    try (Connection pg = DriverManager.getConnection(
        fixture.demo().postgresUrl("metadata_keys"), "postgres", "");
         Statement s = pg.createStatement()) {
      s.execute("CREATE TABLE parent (id integer PRIMARY KEY, name text)");
      s.execute("CREATE TABLE child (id integer, line integer, parent_id integer"
          + " REFERENCES parent (id) ON DELETE CASCADE, PRIMARY KEY (id, line))");
      s.execute("CREATE INDEX child_parent ON child (parent_id)");
      s.execute("INSERT INTO parent VALUES (1, 'one'), (2, NULL)");
      s.execute("INSERT INTO child VALUES (10, 1, 1), (10, 2, 2), (11, 1, NULL)");
    }
    try (MeridianServer server = fixture.startWithShop(new CatalogSpec("crm", "postgres",
        Map.of("url", fixture.demo().postgresUrl("metadata_keys"), "user", "postgres",
            "password", "")));
         Connection c = DriverManager.getConnection(server.clientUrl())) {
      // Opening the connection (through Meridian's driver: Avatica's names itself "Avatica").
      DatabaseMetaData md = c.getMetaData();
      assertThat(md.getDatabaseProductName()).isEqualTo("Meridian");
      assertThat(md.getDriverName()).isEqualTo("Meridian JDBC Driver");
      assertThat(md.getDatabaseProductVersion()).isNotBlank();
      assertThat(md.getDatabaseMajorVersion()).isGreaterThanOrEqualTo(0);
      assertThat(md.getIdentifierQuoteString()).isEqualTo("\"");
      assertThat(md.getCatalogSeparator()).isEqualTo(".");
      assertThat(md.supportsCatalogsInTableDefinitions()).isTrue();
      assertThat(md.supportsSchemasInTableDefinitions()).isTrue();
      assertThat(c.isReadOnly()).isFalse();
      assertThat(c.getAutoCommit()).isTrue();
      assertThat(column(md.getCatalogs(), "TABLE_CAT"))
          .containsExactly("crm", "meridian", "shop");
      List<String> allSchemas = new ArrayList<>();
      try (ResultSet rs = md.getSchemas()) {
        while (rs.next()) {
          allSchemas.add(rs.getString("TABLE_CATALOG") + "." + rs.getString("TABLE_SCHEM"));
        }
      }
      assertThat(allSchemas).contains("crm.public", "shop.public");
      List<String> types = column(md.getTypeInfo(), "TYPE_NAME");
      assertThat(types).contains("INTEGER", "VARCHAR", "DECIMAL", "DATE", "TIMESTAMP",
          "BOOLEAN");
      // Expanding crm > public.
      assertThat(column(md.getSchemas("crm", null), "TABLE_SCHEM")).containsExactly("public");
      assertThat(column(md.getTables("crm", "public", "%", new String[] {"TABLE", "VIEW"}),
          "TABLE_NAME")).containsExactly("child", "parent");
      // Expanding crm > public > child: columns, keys, references, indexes.
      assertThat(column(md.getColumns("crm", "public", "child", "%"), "COLUMN_NAME"))
          .containsExactly("id", "line", "parent_id");
      List<String> primaryKey = new ArrayList<>();
      try (ResultSet rs = md.getPrimaryKeys("crm", "public", "child")) {
        while (rs.next()) {
          primaryKey.add(rs.getString("TABLE_CAT") + "." + rs.getString("TABLE_SCHEM") + "."
              + rs.getString("TABLE_NAME") + "." + rs.getString("COLUMN_NAME") + "#"
              + rs.getShort("KEY_SEQ"));
        }
      }
      assertThat(primaryKey).containsExactlyInAnyOrder(
          "crm.public.child.id#1", "crm.public.child.line#2");
      try (ResultSet rs = md.getImportedKeys("crm", "public", "child")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("PKTABLE_CAT")).isEqualTo("crm");
        assertThat(rs.getString("PKTABLE_NAME")).isEqualTo("parent");
        assertThat(rs.getString("PKCOLUMN_NAME")).isEqualTo("id");
        assertThat(rs.getString("FKTABLE_CAT")).isEqualTo("crm");
        assertThat(rs.getString("FKTABLE_NAME")).isEqualTo("child");
        assertThat(rs.getString("FKCOLUMN_NAME")).isEqualTo("parent_id");
        assertThat(rs.getShort("KEY_SEQ")).isEqualTo((short) 1);
        assertThat(rs.getShort("DELETE_RULE"))
            .isEqualTo((short) DatabaseMetaData.importedKeyCascade);
        assertThat(rs.next()).isFalse();
      }
      assertThat(column(md.getExportedKeys("crm", "public", "parent"), "FKTABLE_NAME"))
          .containsExactly("child");
      assertThat(column(md.getIndexInfo("crm", "public", "child", false, true), "INDEX_NAME"))
          .contains("child_parent", "child_pkey");
      assertThat(column(md.getPrimaryKeys("shop", "public", "region"), "COLUMN_NAME"))
          .containsExactly("r_regionkey");
      // Lake and system catalogs know no keys; asking is no error.
      assertThat(column(md.getPrimaryKeys("meridian", "system", "queries"), "COLUMN_NAME"))
          .isEmpty();
      column(md.getFunctions("crm", "public", "%"), "FUNCTION_NAME");
      column(md.getProcedures("crm", "public", "%"), "PROCEDURE_NAME");
      // The data tab: the first 200 rows, with metadata matching them.
      try (Statement s = c.createStatement()) {
        s.setMaxRows(200);
        try (ResultSet rs = s.executeQuery("SELECT * FROM crm.public.child")) {
          ResultSetMetaData rsmd = rs.getMetaData();
          assertThat(rsmd.getColumnCount()).isEqualTo(3);
          assertThat(rsmd.getColumnName(3)).isEqualTo("parent_id");
          assertThat(rsmd.getColumnType(3)).isEqualTo(Types.INTEGER);
          assertThat(rsmd.getColumnClassName(3)).isEqualTo(Integer.class.getName());
          assertThat(rsmd.isNullable(3)).isEqualTo(ResultSetMetaData.columnNullable);
          assertThat(rsmd.isNullable(1)).isEqualTo(ResultSetMetaData.columnNoNulls);
          int rows = 0;
          int nulls = 0;
          while (rs.next()) {
            rows++;
            Object parent = rs.getObject(3);
            if (parent == null) {
              nulls++;
            } else {
              assertThat(parent).isInstanceOf(Integer.class);
            }
          }
          assertThat(rows).isEqualTo(3);
          assertThat(nulls).isEqualTo(1);
        }
      }
    }
  }
}
