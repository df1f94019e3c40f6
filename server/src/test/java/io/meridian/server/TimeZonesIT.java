package io.meridian.server;

import io.meridian.server.testing.DemoServerFixture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dates, times and timestamps keep their values whatever the time zones of the server's JVM
 * and of the client's session: the server runs as its own process on a host in
 * America/Los_Angeles (daylight saving time), the client's session is in Asia/Kolkata (a
 * half-hour offset; Avatica's {@code timeZone} property), and the test JVM's own zone is
 * whatever the machine's is. The values include a
 * wall-clock time that does not exist in Los Angeles (2024-03-10 02:30, skipped by the spring
 * change), one that exists twice there (2024-11-03 01:30), one from before standard time
 * zones, and microseconds (which Avatica's wire format cuts to milliseconds; a value's text
 * keeps them). They are read back as PostgreSQL holds them through a statement
 * sent whole, through the DuckDB engine and through the JVM's operators, matched by literals
 * and by parameters, and written through parameters.
 */
class TimeZonesIT {
  private static final Logger LOG = LoggerFactory.getLogger(TimeZonesIT.class);
  private static final String SERVER_ZONE = "America/Los_Angeles";
  private static final String CLIENT_ZONE = "Asia/Kolkata";
  private static final ZoneId CLIENT = ZoneId.of(CLIENT_ZONE);

  private static Process server;
  private static final List<String> OUTPUT = new java.util.concurrent.CopyOnWriteArrayList<>();
  private static String url;
  private static String postgresUrl;

  /** The rows as PostgreSQL holds them: id, date, timestamp, time. */
  private static final List<List<Object>> ROWS = List.of(
      List.of(1, LocalDate.of(1970, 1, 1), LocalDateTime.of(1970, 1, 1, 0, 0),
          LocalTime.of(0, 0)),
      List.of(2, LocalDate.of(2024, 3, 10), LocalDateTime.of(2024, 3, 10, 2, 30),
          LocalTime.of(2, 30)),
      List.of(3, LocalDate.of(2024, 11, 3), LocalDateTime.of(2024, 11, 3, 1, 30),
          LocalTime.of(23, 59, 59)),
      List.of(4, LocalDate.of(1900, 1, 1), LocalDateTime.of(1900, 1, 1, 12, 0),
          LocalTime.of(12, 0)),
      List.of(5, LocalDate.of(2038, 1, 19), LocalDateTime.of(2038, 1, 19, 3, 14, 8, 123_456_000),
          LocalTime.of(13, 14, 15)));

  /**
   * The rows as a client reads them: Avatica's wire format carries timestamps as milliseconds,
   * so microseconds are cut (the text of a value, {@code CAST(ts AS VARCHAR)}, keeps them).
   */
  private static final List<List<Object>> ROWS_OVER_AVATICA = ROWS.stream()
      .map(r -> List.of(r.get(0), r.get(1),
          ((LocalDateTime) r.get(2)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS),
          r.get(3)))
      .toList();

  @BeforeAll static void start() throws Exception {
    DemoServerFixture fixture = DemoServerFixture.get();
    try (Connection pg = DriverManager.getConnection(fixture.demo().postgresUrl(), "postgres",
        ""); Statement s = pg.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS tz_check");
      s.execute("CREATE DATABASE tz_check");
    }
    postgresUrl = fixture.demo().postgresUrl("tz_check");
    try (Connection pg = DriverManager.getConnection(postgresUrl, "postgres", "");
         Statement s = pg.createStatement()) {
      s.execute("CREATE TABLE moments (id integer PRIMARY KEY, d date, ts timestamp(6),"
          + " t time(0))");
      try (PreparedStatement insert =
               pg.prepareStatement("INSERT INTO moments VALUES (?, ?, ?, ?)")) {
        for (List<Object> row : ROWS) {
          for (int i = 0; i < row.size(); i++) {
            insert.setObject(i + 1, row.get(i));
          }
          insert.addBatch();
        }
        insert.executeBatch();
      }
      s.execute("CREATE TABLE written (id integer, d date, ts timestamp(6))");
    }
    Path dir = Path.of("target", "it-time-zones").toAbsolutePath();
    io.meridian.server.demo.DemoEnvironment.deleteRecursively(dir);
    Files.createDirectories(dir);
    // A DuckDB catalog to join with, so that the values pass through the engine and the JVM.
    Path ids = dir.resolve("ids.duckdb");
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:" + ids);
         Statement s = duck.createStatement()) {
      s.execute("CREATE TABLE ids AS SELECT range::INTEGER AS id FROM range(1, 6)");
    }
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path config = dir.resolve("meridian.yaml");
    Files.writeString(config, String.join("\n",
        "server: {port: " + port + ", workload-log: false}",
        "data-dir: data",
        "catalogs:",
        "  pg: {type: postgres, url: \"" + postgresUrl + "\", user: postgres, password: \"\"}",
        "  duck: {type: duckdb, path: \"" + ids + "\"}", ""));
    ProcessBuilder builder = new ProcessBuilder(LauncherIT.launcher().toString(), "serve",
        "--config", config.toString()).redirectErrorStream(true);
    builder.environment().put("MERIDIAN_JAVA_OPTS", "-Duser.timezone=" + SERVER_ZONE);
    // The server process also shows its structured logs: one JSON object per line.
    builder.environment().put("MERIDIAN_LOG_FORMAT", "JSON");
    server = builder.start();
    CompletableFuture<String> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          LOG.debug("server: {}", line);
          OUTPUT.add(line);
          if (line.startsWith("Meridian ready: ")) {
            ready.complete(line.substring("Meridian ready: ".length()).trim());
          }
        }
        ready.completeExceptionally(new AssertionError("the server exited"));
      } catch (java.io.IOException e) {
        ready.completeExceptionally(e);
      }
    }, "time-zone-server-output");
    reader.setDaemon(true);
    reader.start();
    url = ready.get(120, TimeUnit.SECONDS);
  }

  @AfterAll static void stop() throws Exception {
    if (server != null) {
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  private static Connection meridian(String placement) throws SQLException {
    Properties p = new Properties();
    p.setProperty("placement", placement);
    // The client's session zone: Avatica's client converts values through it.
    p.setProperty("timeZone", CLIENT_ZONE);
    return DriverManager.getConnection(url, p);
  }

  /** A wall-clock time in the client's zone, as the JDBC value a client there passes. */
  private static Timestamp timestamp(LocalDateTime value) {
    return Timestamp.from(value.atZone(CLIENT).toInstant());
  }

  /**
   * A date in the client's zone, as the JDBC value a client there passes: its midnight by the
   * legacy calendar, as JDBC's {@code java.sql.Date} and Avatica's client reckon it (for
   * Asia/Kolkata in 1900, {@code java.util.TimeZone} says +05:30 where java.time says local
   * mean time, +05:21:10).
   */
  private static Date date(LocalDate value) {
    java.util.Calendar c = java.util.Calendar.getInstance(java.util.TimeZone.getTimeZone(CLIENT));
    c.clear();
    c.set(value.getYear(), value.getMonthValue() - 1, value.getDayOfMonth());
    return new Date(c.getTimeInMillis());
  }

  /** The date a {@code java.sql.Date} stands for in the client's zone, by the legacy calendar. */
  private static LocalDate localDate(Date value) {
    java.util.Calendar c = java.util.Calendar.getInstance(java.util.TimeZone.getTimeZone(CLIENT));
    c.setTime(value);
    return LocalDate.of(c.get(java.util.Calendar.YEAR), c.get(java.util.Calendar.MONTH) + 1,
        c.get(java.util.Calendar.DAY_OF_MONTH));
  }

  /**
   * Reads id, d, ts, t through the JDBC calls tools make ({@code getDate}, {@code getTimestamp},
   * {@code getTime}: values in the client's zone; Avatica's client has no {@code java.time}
   * support in {@code getObject(int, Class)}), as java.time values, and checks that the text
   * of each value ({@code getString}) says the same.
   */
  private static List<List<Object>> read(ResultSet rs) throws SQLException {
    List<List<Object>> rows = new ArrayList<>();
    while (rs.next()) {
      LocalDate d = localDate(rs.getDate(2));
      LocalDateTime ts = rs.getTimestamp(3).toInstant().atZone(CLIENT).toLocalDateTime();
      LocalTime t = Instant.ofEpochMilli(rs.getTime(4).getTime()).atZone(CLIENT).toLocalTime();
      assertThat(rs.getString(2)).isEqualTo(d.toString());
      assertThat(LocalDateTime.parse(rs.getString(3).replace(' ', 'T'))).isEqualTo(ts);
      assertThat(LocalTime.parse(rs.getString(4))).isEqualTo(t);
      rows.add(List.of(rs.getInt(1), d, ts, t));
    }
    return rows;
  }


  /** With {@code MERIDIAN_LOG_FORMAT=JSON} every log line is one JSON object. */
  @Test void theServerLogsJsonLines() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    List<com.fasterxml.jackson.databind.JsonNode> logged = new ArrayList<>();
    for (String line : OUTPUT) {
      if (line.startsWith("{")) {
        logged.add(json.readTree(line));
      } else {
        assertThat(line).as("a log line in the text format")
            .doesNotMatch("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +(INFO|WARN|ERROR|DEBUG).*");
      }
    }
    assertThat(logged).anySatisfy(node -> {
      assertThat(node.path("loggerName").asText()).isEqualTo(MeridianServer.class.getName());
      assertThat(node.path("level").asText()).isEqualTo("INFO");
      assertThat(node.path("formattedMessage").asText()).contains("catalog 'pg'");
    });
    // The host's zone was Los Angeles; the server says it runs in UTC.
    assertThat(logged).anySatisfy(node -> assertThat(node.path("formattedMessage").asText())
        .contains("The server runs in UTC (the host's zone is " + SERVER_ZONE + ")"));
  }

  @Test void valuesReadBackAsStored() throws Exception {
    String whole = "SELECT id, d, ts, t FROM pg.public.moments ORDER BY id";
    String joined = "SELECT m.id, m.d, m.ts, m.t FROM pg.public.moments m"
        + " JOIN duck.main.ids i ON i.id = m.id ORDER BY m.id";
    for (String placement : List.of("auto", "duckdb", "jvm")) {
      try (Connection c = meridian(placement); Statement s = c.createStatement()) {
        for (String sql : List.of(whole, joined)) {
          try (ResultSet rs = s.executeQuery(sql)) {
            assertThat(read(rs)).as(placement + ": " + sql).isEqualTo(ROWS_OVER_AVATICA);
          }
        }
        try (ResultSet rs = s.executeQuery("SELECT CAST(ts AS VARCHAR), CAST(d AS VARCHAR)"
            + " FROM pg.public.moments WHERE id = 5")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isEqualTo("2038-01-19 03:14:08.123456");
          assertThat(rs.getString(2)).isEqualTo("2038-01-19");
        }
      }
    }
  }

  @Test void literalsAndParametersMatchTheStoredValues() throws Exception {
    try (Connection c = meridian("auto")) {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
          "SELECT id FROM pg.public.moments WHERE ts = TIMESTAMP '2024-03-10 02:30:00'"
              + " AND d = DATE '2024-03-10'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(2);
        assertThat(rs.next()).isFalse();
      }
      try (PreparedStatement p = c.prepareStatement(
          "SELECT id FROM pg.public.moments WHERE ts = ? OR d = ? ORDER BY id")) {
        p.setTimestamp(1, timestamp(LocalDateTime.of(2024, 11, 3, 1, 30)));
        p.setDate(2, date(LocalDate.of(1900, 1, 1)));
        try (ResultSet rs = p.executeQuery()) {
          List<Integer> ids = new ArrayList<>();
          while (rs.next()) {
            ids.add(rs.getInt(1));
          }
          assertThat(ids).containsExactly(3, 4);
        }
      }
    }
  }

  @Test void parametersAreWrittenAsGiven() throws Exception {
    try (Connection c = meridian("auto");
         PreparedStatement p = c.prepareStatement(
             "INSERT INTO pg.public.written (id, d, ts) VALUES (?, ?, ?)")) {
      for (List<Object> row : ROWS) {
        p.setInt(1, (Integer) row.get(0));
        p.setDate(2, date((LocalDate) row.get(1)));
        p.setTimestamp(3, timestamp((LocalDateTime) row.get(2)));
        assertThat(p.executeUpdate()).isEqualTo(1);
      }
    }
    try (Connection pg = DriverManager.getConnection(postgresUrl, "postgres", "");
         Statement s = pg.createStatement();
         ResultSet rs = s.executeQuery("SELECT id, d, ts FROM written ORDER BY id")) {
      List<List<Object>> written = new ArrayList<>();
      while (rs.next()) {
        written.add(List.of(rs.getInt(1), rs.getObject(2, LocalDate.class),
            rs.getObject(3, LocalDateTime.class)));
      }
      assertThat(written)
          .isEqualTo(ROWS_OVER_AVATICA.stream().map(r -> r.subList(0, 3)).toList());
    }
  }
}
