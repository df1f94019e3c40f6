package io.meridian.server.backends;

import io.meridian.adapter.duckdb.DuckDbDataSource;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DuckDB and ClickHouse column types read through Meridian's Avatica server (PostgreSQL's are
 * in {@link PostgresTypesIT}): standard types keep their JDBC type, precision and value
 * (DECIMAL(38, 10) keeps 38 digits; timestamps keep milliseconds); binary columns arrive as
 * bytes; types without a portable representation (UUID, JSON, lists, maps, tuples, enums,
 * intervals, network addresses, 128-bit integers, timestamps with time zone) arrive as
 * readable text, the same text whatever the client's time zone; NULL stays NULL.
 */
class BackendTypesIT {
  private static SingleBackendFixture fixture;

  @BeforeAll static void start() throws Exception {
    fixture = SingleBackendFixture.get();
  }

  /** Checks one column of the current row: JDBC type, precision where given, and text. */
  private static void column(ResultSet rs, String name, int jdbcType, String text)
      throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int i = rs.findColumn(name);
    assertThat(md.getColumnType(i)).as("JDBC type of %s", name).isEqualTo(jdbcType);
    assertThat(rs.getString(i)).as("value of %s", name).isEqualTo(text);
  }

  private static void allNullButId(ResultSet rs, String... notNull) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    for (int i = 2; i <= md.getColumnCount(); i++) {
      if (!java.util.List.of(notNull).contains(md.getColumnLabel(i))) {
        assertThat(rs.getObject(i)).as("column %s of the NULL row", md.getColumnLabel(i))
            .isNull();
      }
    }
  }

  @Test void duckDbTypesRoundTrip() throws Exception {
    try (Connection d = DriverManager.getConnection("jdbc:duckdb:" + fixture.scratchDuckDb(),
        DuckDbDataSource.connectionProperties(false)); Statement s = d.createStatement()) {
      s.execute("DROP TABLE IF EXISTS main.types");
      s.execute("CREATE TABLE main.types (id INTEGER, ti TINYINT, hi HUGEINT, d DECIMAL(38,10),"
          + " tm TIME, ts TIMESTAMP, tsz TIMESTAMPTZ, ts3 TIMESTAMP_MS, u UUID, j JSON,"
          + " l INTEGER[], bl BLOB, iv INTERVAL)");
      s.execute("INSERT INTO main.types VALUES (1, -5, 170141183460469231731687303715884105727,"
          + " 1234567890123456789012345678.0123456789, TIME '13:45:01',"
          + " TIMESTAMP '2024-02-29 13:45:01.123456', TIMESTAMPTZ '2024-02-29 13:45:01.123+02',"
          + " TIMESTAMP_MS '2024-02-29 13:45:01.123', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',"
          + " '{\"k\": [1, 2]}', [1, 2, 3], '\\xAA\\xBB'::BLOB, INTERVAL '1 day 2 hours')");
      s.execute("INSERT INTO main.types (id) VALUES (2)");
    }
    try (Connection c = DriverManager.getConnection(fixture.server().jdbcUrl());
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT * FROM scratch_duckdb.main.types ORDER BY id")) {
      assertThat(rs.next()).isTrue();
      column(rs, "ti", Types.TINYINT, "-5");
      column(rs, "hi", Types.VARCHAR, "170141183460469231731687303715884105727");
      column(rs, "d", Types.DECIMAL, "1234567890123456789012345678.0123456789");
      assertThat(rs.getMetaData().getPrecision(rs.findColumn("d"))).isEqualTo(38);
      assertThat(rs.getMetaData().getScale(rs.findColumn("d"))).isEqualTo(10);
      column(rs, "tm", Types.TIME, "13:45:01.000");
      column(rs, "ts", Types.TIMESTAMP, "2024-02-29 13:45:01.123");
      column(rs, "tsz", Types.VARCHAR, "2024-02-29T11:45:01.123Z");
      column(rs, "ts3", Types.TIMESTAMP, "2024-02-29 13:45:01.123");
      column(rs, "u", Types.VARCHAR, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
      column(rs, "j", Types.VARCHAR, "{\"k\": [1, 2]}");
      column(rs, "l", Types.VARCHAR, "[1, 2, 3]");
      assertThat(rs.getMetaData().getColumnType(rs.findColumn("bl"))).isEqualTo(Types.VARBINARY);
      assertThat(rs.getBytes("bl")).containsExactly((byte) 0xAA, (byte) 0xBB);
      column(rs, "iv", Types.VARCHAR, "1 day 02:00:00");
      assertThat(rs.next()).isTrue();
      allNullButId(rs);
      assertThat(rs.next()).isFalse();
    }
  }

  @Test void clickHouseTypesRoundTrip() throws Exception {
    try (Connection ch = DriverManager.getConnection(fixture.clickHouse().jdbcUrl("default"));
         Statement s = ch.createStatement()) {
      s.execute("DROP TABLE IF EXISTS default.types");
      s.execute("CREATE TABLE default.types (id Int32, i8 Nullable(Int8), u64 Nullable(UInt64),"
          + " d Nullable(Decimal(38,10)), f32 Nullable(Float32), fs Nullable(FixedString(3)),"
          + " lc LowCardinality(Nullable(String)), b Nullable(Bool), d32 Nullable(Date32),"
          + " dt Nullable(DateTime('UTC')), dt64 Nullable(DateTime64(3, 'UTC')),"
          + " u Nullable(UUID), a Array(Int32), m Map(String, Int32), t Tuple(Int32, String),"
          + " e Nullable(Enum8('x' = 1, 'y' = 2)), ip Nullable(IPv4))"
          + " ENGINE = MergeTree ORDER BY id");
      s.execute("INSERT INTO default.types VALUES (1, -5, 18446744073709551615,"
          + " 1234567890123456789012345678.0123456789, 2.5, 'abc', 'low', true, '2024-02-29',"
          + " '2024-02-29 13:45:01', '2024-02-29 13:45:01.123',"
          + " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', [1,2,3], {'k': 1}, (1, 'z'), 'y',"
          + " '10.0.0.1')");
      s.execute("INSERT INTO default.types (id) VALUES (2)");
    }
    try (Connection c = DriverManager.getConnection(fixture.server().jdbcUrl());
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT * FROM tpch_ch.\"default\".types ORDER BY id")) {
      assertThat(rs.next()).isTrue();
      column(rs, "i8", Types.TINYINT, "-5");
      column(rs, "u64", Types.DECIMAL, "18446744073709551615");
      column(rs, "d", Types.DECIMAL, "1234567890123456789012345678.0123456789");
      assertThat(rs.getMetaData().getPrecision(rs.findColumn("d"))).isEqualTo(38);
      assertThat(rs.getFloat("f32")).isEqualTo(2.5f);
      column(rs, "fs", Types.VARCHAR, "abc");
      column(rs, "lc", Types.VARCHAR, "low");
      column(rs, "b", Types.BOOLEAN, "true");
      column(rs, "d32", Types.DATE, "2024-02-29");
      column(rs, "dt", Types.TIMESTAMP, "2024-02-29 13:45:01.000");
      column(rs, "dt64", Types.TIMESTAMP, "2024-02-29 13:45:01.123");
      column(rs, "u", Types.VARCHAR, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
      column(rs, "a", Types.VARCHAR, "[1, 2, 3]");
      column(rs, "m", Types.VARCHAR, "{k=1}");
      column(rs, "t", Types.VARCHAR, "(1, z)");
      column(rs, "e", Types.VARCHAR, "y");
      column(rs, "ip", Types.VARCHAR, "10.0.0.1");
      assertThat(rs.next()).isTrue();
      // Arrays, maps and tuples cannot be Nullable in ClickHouse: they are empty instead.
      allNullButId(rs, "a", "m", "t");
      assertThat(rs.getString("a")).isEqualTo("[]");
      assertThat(rs.next()).isFalse();
    }
  }
}
