package io.meridian.server;

import io.meridian.server.testing.DemoServerFixture;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
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
}
