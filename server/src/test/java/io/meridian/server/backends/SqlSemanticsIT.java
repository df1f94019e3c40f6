package io.meridian.server.backends;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Meridian's SQL means the same whichever backend runs it, where the backends' own defaults
 * differ: NULLs sort as larger than any value (last ascending, first descending; DuckDB and
 * ClickHouse put them last both ways), and {@code /} of two integers truncates toward zero
 * (DuckDB's and ClickHouse's {@code /} give a fraction). The expected values are written out
 * from the SQL standard, not taken from any backend.
 */
class SqlSemanticsIT {
  private static SingleBackendFixture fixture;

  @BeforeAll static void start() throws Exception {
    fixture = SingleBackendFixture.get();
  }

  @ParameterizedTest @EnumSource(Backend.class)
  void nullOrderingAndIntegerDivisionAreMeridians(Backend backend) throws SQLException {
    String t = backend.scratch + ".semantics";
    try (Connection c = DriverManager.getConnection(fixture.server().jdbcUrl());
         Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + t);
      s.execute("CREATE TABLE " + t + " (k INTEGER NOT NULL, v INTEGER, PRIMARY KEY (k))");
      s.executeUpdate("INSERT INTO " + t
          + " VALUES (1, NULL), (2, 5), (3, -7), (4, NULL), (5, 2)");
      try {
        assertThat(column(s, "SELECT k FROM " + t + " ORDER BY v DESC, k"))
            .as("%s: NULLs first descending", backend).containsExactly("1", "4", "2", "5", "3");
        assertThat(column(s, "SELECT k FROM " + t + " ORDER BY v, k"))
            .as("%s: NULLs last ascending", backend).containsExactly("3", "5", "2", "1", "4");
        assertThat(column(s, "SELECT v / 2 FROM " + t + " ORDER BY k"))
            .as("%s: integer division truncates toward zero", backend)
            .containsExactly(null, "2", "-3", null, "1");
        assertThat(column(s, "SELECT k FROM " + t + " WHERE v / 2 = -3"))
            .as("%s: integer division in a filter", backend).containsExactly("3");
      } finally {
        s.execute("DROP TABLE " + t);
      }
    }
  }

  private static List<String> column(Statement s, String sql) throws SQLException {
    List<String> values = new ArrayList<>();
    try (ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }
}
