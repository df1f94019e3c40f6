package io.meridian.server;

import io.meridian.jdbc.MeridianClientDriver;
import io.meridian.server.testing.DemoServerFixture;
import io.meridian.server.testing.Rows;

import org.apache.calcite.avatica.AvaticaClientRuntimeException;
import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.AvaticaStatement;
import org.apache.calcite.avatica.remote.Service;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Meridian's client driver ({@link MeridianClientDriver}) beyond cancel and keys: it reuses
 * the server side of finished plain statements (one HTTP round trip per statement instead of
 * three), never a statement whose result is unfinished, cancelled or lost; and it runs with
 * Avatica's own dependencies only, as a tool such as DBeaver loads it.
 */
class ClientDriverIT {
  private static DemoServerFixture fixture;

  @BeforeAll static void start() throws Exception {
    fixture = DemoServerFixture.get();
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(fixture.server().clientUrl());
  }

  private static int serverId(Statement s) throws SQLException {
    return s.unwrap(AvaticaStatement.class).getId();
  }

  private static String orderQuery(int key) {
    return "SELECT o_orderkey, o_custkey, o_totalprice, o_orderdate FROM %s WHERE o_orderkey"
        + " BETWEEN " + key + " AND " + (key + 200) + " ORDER BY o_orderkey";
  }

  @Test void finishedStatementsReuseTheirServerSideAndAnswerCorrectly() throws Exception {
    Set<Integer> ids = new HashSet<>();
    try (Connection c = connect()) {
      for (int i = 0; i < 20; i++) {
        String sql = orderQuery(1 + 300 * i);
        Rows rows;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(String.format(sql, "shop.public.orders"))) {
          ids.add(serverId(s));
          rows = Rows.read(rs);
        }
        Rows expected = fixture.queryOracle(String.format(sql, "tpch.orders"));
        assertThat(rows.size()).isPositive();
        assertThat(rows.differenceFrom(expected, true)).as("statement %d", i).isNull();
        // A result that came whole in its first frame is finished even if never read.
        try (Statement s = c.createStatement()) {
          assertThat(s.execute("SELECT 1")).isTrue();
          ids.add(serverId(s));
        }
      }
    }
    assertThat(ids).as("server-side statements used by 40 statements in turn").hasSize(1);
  }

  @Test void statementsOpenAtOnceHaveTheirOwnServerSides() throws Exception {
    try (Connection c = connect();
         Statement a = c.createStatement(); Statement b = c.createStatement()) {
      ResultSet ra = a.executeQuery(String.format(orderQuery(1), "shop.public.orders"));
      ResultSet rb = b.executeQuery(String.format(orderQuery(5000), "shop.public.orders"));
      assertThat(serverId(a)).isNotEqualTo(serverId(b));
      assertThat(Rows.read(ra).differenceFrom(
          fixture.queryOracle(String.format(orderQuery(1), "tpch.orders")), true)).isNull();
      assertThat(Rows.read(rb).differenceFrom(
          fixture.queryOracle(String.format(orderQuery(5000), "tpch.orders")), true)).isNull();
    }
  }

  @Test void aStatementClosedBeforeItsLastRowIsClosedOnTheServer() throws Exception {
    try (Connection c = connect()) {
      int unfinished;
      try (Statement s = c.createStatement()) {
        // More rows than the first frame holds: the server still has the rest.
        ResultSet rs = s.executeQuery("SELECT o_orderkey FROM shop.public.orders");
        assertThat(rs.next()).isTrue();
        unfinished = serverId(s);
      }
      assertThat(serverSideExists(c, unfinished)).as("server side of the unfinished one")
          .isFalse();
      int finished;
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
        assertThat(serverId(s)).isNotEqualTo(unfinished);
        finished = serverId(s);
        assertThat(rs.next()).isTrue();
      }
      // Kept for the next statement, while the unfinished one was closed.
      assertThat(serverSideExists(c, finished)).as("server side of the finished one").isTrue();
    }
  }

  @Test void aStatementTheServerHasLostIsReplaced() throws Exception {
    try (Connection c = connect()) {
      int id;
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
        rs.next();
        id = serverId(s);
      }
      // The idle server side disappears (as after the server's statement expiry).
      AvaticaConnection avatica = c.unwrap(AvaticaConnection.class);
      avatica.getService().apply(new Service.CloseStatementRequest(avatica.id, id));
      String sql = orderQuery(700);
      try (Statement s = c.createStatement();
           ResultSet rs = s.executeQuery(String.format(sql, "shop.public.orders"))) {
        assertThat(Rows.read(rs).differenceFrom(
            fixture.queryOracle(String.format(sql, "tpch.orders")), true)).isNull();
      }
    }
  }

  @Test void aCancelledStatementIsNotReused() throws Exception {
    try (Connection c = connect()) {
      int cancelled;
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
        rs.next();
        s.cancel();
        cancelled = serverId(s);
      }
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 2")) {
        assertThat(serverId(s)).isNotEqualTo(cancelled);
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(2);
      }
    }
  }

  /**
   * Whether the server still knows a statement: a fetch on it does not say the statement is
   * missing (a finished statement's result is closed, which the fetch reports as an error).
   */
  private static boolean serverSideExists(Connection c, int id) throws SQLException {
    AvaticaConnection avatica = c.unwrap(AvaticaConnection.class);
    try {
      return !avatica.getService().apply(
          new Service.FetchRequest(avatica.id, id, 0, 1)).missingStatement;
    } catch (AvaticaClientRuntimeException e) {
      assertThat(e.getMessage()).contains("ResultSet closed");
      return true;
    }
  }

  /**
   * The driver as a tool loads it: Meridian's classes beside Avatica's client and its own
   * dependencies only (no Guava, no Calcite), in a JVM of its own. It connects, answers, and
   * reports an unreachable server as SQL state 08001.
   */
  @Test void runsWithAvaticasDependenciesOnly() throws Exception {
    List<String> classpath = new ArrayList<>();
    classpath.add(Path.of("target", "classes").toAbsolutePath().toString());
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = Path.of(entry).getFileName().toString();
      if (name.matches("(avatica-core|avatica-metrics|jackson-(core|databind|annotations)"
          + "|protobuf-java|httpclient5|httpcore5|httpcore5-h2|slf4j-api|joou-java-6)-.*\\.jar")) {
        classpath.add(entry);
      }
    }
    Path dir = Files.createTempDirectory("meridian-client");
    Path source = dir.resolve("ClientCheck.java");
    Files.writeString(source, String.join("\n",
        "import java.sql.*;",
        "public class ClientCheck {",
        "  public static void main(String[] args) throws Exception {",
        "    try (Connection c = DriverManager.getConnection(args[0]);",
        "         Statement s = c.createStatement();",
        "         ResultSet rs = s.executeQuery(\"SELECT count(*) FROM shop.public.nation\")) {",
        "      rs.next();",
        "      System.out.println(\"nations \" + rs.getLong(1));",
        "    }",
        "    try {",
        "      DriverManager.getConnection(\"" + MeridianClientDriver.CONNECT_STRING_PREFIX
            + "url=http://127.0.0.1:9;serialization=PROTOBUF\");",
        "    } catch (SQLException e) {",
        "      System.out.println(\"unreachable \" + e.getSQLState());",
        "    }",
        "  }",
        "}"));
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-cp", String.join(File.pathSeparator, classpath), source.toString(),
        fixture.server().clientUrl())
        .redirectErrorStream(true).start();
    String output;
    try (var in = p.getInputStream()) {
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      output = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    assertThat(classpath.stream().map(e -> Path.of(e).getFileName().toString())
        .collect(Collectors.toList())).anyMatch(n -> n.startsWith("avatica-core"));
    assertThat(output).as(output).contains("nations 25").contains("unreachable 08001");
    assertThat(p.exitValue()).as(output).isZero();
  }
}
