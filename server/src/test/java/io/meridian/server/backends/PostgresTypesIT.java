package io.meridian.server.backends;

import io.meridian.server.testing.DemoServerFixture;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL column types read through Meridian's Avatica server: standard types keep their
 * JDBC type and value; types without a portable representation (uuid, jsonb, arrays,
 * intervals) arrive as readable text; NULL stays NULL for every type.
 */
class PostgresTypesIT {
  private static DemoServerFixture fixture;

  @BeforeAll static void start() throws Exception {
    fixture = DemoServerFixture.get();
    try (Connection pg = DriverManager.getConnection(fixture.demo().postgresUrl(), "postgres", "");
         Statement s = pg.createStatement()) {
      s.execute("DROP TABLE IF EXISTS public.types");
      s.execute("CREATE TABLE public.types (i int, b bigint, sm smallint, d decimal(20,5),"
          + " f double precision, r real, t text, vc varchar(10), bo boolean, dt date,"
          + " ts timestamp, u uuid, j jsonb, arr int[], iv interval, tm time, tsz timestamptz,"
          + " by bytea, n numeric(38, 10))");
      s.execute("INSERT INTO public.types VALUES (1, 9007199254740993, 7,"
          + " 123456789012345.12345, 1.5, 2.5, 'text', 'vc', true, '2024-02-29',"
          + " '2024-02-29 13:45:01.123', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',"
          + " '{\"k\": [1, 2]}', '{1,2,3}', '1 day 2 hours', '13:45:01.123',"
          + " '2024-02-29 13:45:01.123+02', '\\xaabb',"
          + " 1234567890123456789012345678.0123456789)");
      s.execute("INSERT INTO public.types (i) VALUES (2)");
    }
  }

  @Test void valuesTypesAndNullsRoundTrip() throws SQLException {
    try (Connection c = fixture.connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT * FROM shop.public.types ORDER BY i")) {
      var md = rs.getMetaData();
      assertThat(md.getColumnType(2)).isEqualTo(Types.BIGINT);
      assertThat(md.getColumnType(4)).isEqualTo(Types.DECIMAL);
      assertThat(md.getColumnType(10)).isEqualTo(Types.DATE);
      assertThat(md.getColumnType(11)).isEqualTo(Types.TIMESTAMP);
      assertThat(md.getColumnType(12)).isEqualTo(Types.VARCHAR);
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong("b")).isEqualTo(9007199254740993L);
      assertThat(rs.getShort("sm")).isEqualTo((short) 7);
      assertThat(rs.getBigDecimal("d")).isEqualByComparingTo(
          new BigDecimal("123456789012345.12345"));
      assertThat(rs.getDouble("f")).isEqualTo(1.5);
      assertThat(rs.getFloat("r")).isEqualTo(2.5f);
      assertThat(rs.getString("t")).isEqualTo("text");
      assertThat(rs.getBoolean("bo")).isTrue();
      assertThat(rs.getDate("dt").toLocalDate()).hasToString("2024-02-29");
      assertThat(rs.getTimestamp("ts").toLocalDateTime()).hasToString("2024-02-29T13:45:01.123");
      assertThat(rs.getString("u")).isEqualTo("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
      assertThat(rs.getString("j")).isEqualTo("{\"k\": [1, 2]}");
      assertThat(rs.getString("arr")).isEqualTo("[1, 2, 3]");
      assertThat(rs.getString("iv")).isEqualTo("1 day 02:00:00");
      assertThat(md.getColumnType(md.getColumnCount() - 3)).isEqualTo(Types.TIME);
      assertThat(rs.getString("tm")).isEqualTo("13:45:01.123");
      // timestamptz: the instant, shown in UTC (the server's session time zone).
      assertThat(rs.getString("tsz")).isEqualTo("2024-02-29 11:45:01.123");
      assertThat(rs.getBytes("by")).containsExactly((byte) 0xAA, (byte) 0xBB);
      assertThat(md.getPrecision(md.getColumnCount())).isEqualTo(38);
      assertThat(rs.getBigDecimal("n")).isEqualByComparingTo(
          "1234567890123456789012345678.0123456789");
      assertThat(rs.next()).isTrue();
      for (int col = 2; col <= md.getColumnCount(); col++) {
        assertThat(rs.getObject(col)).as("column %s of the all-NULL row", md.getColumnLabel(col))
            .isNull();
      }
      assertThat(rs.next()).isFalse();
    }
  }
}
