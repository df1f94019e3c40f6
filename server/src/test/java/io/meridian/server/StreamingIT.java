package io.meridian.server;

import io.meridian.adapter.CatalogSpec;
import io.meridian.server.testing.DemoServerFixture;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A result larger than the server's whole heap streams to the client: the server runs as its
 * own process ({@code ./meridian serve}) with a 160 MB heap, and a federated cross join of about
 * 300 MB of rows is read to the end, under each placement. The server is still up afterwards.
 */
class StreamingIT {
  private static final Pattern READY = Pattern.compile("Meridian ready: (jdbc:avatica:\\S+)");

  @Test void resultLargerThanTheServerHeapStreams() throws Exception {
    DemoServerFixture fixture = DemoServerFixture.get();
    Path dir = Path.of("target", "it-streaming").toAbsolutePath();
    Files.createDirectories(dir);
    StringBuilder yaml = new StringBuilder("catalogs:\n");
    for (CatalogSpec catalog : fixture.demo().catalogs()) {
      yaml.append("  ").append(catalog.name()).append(":\n    type: ").append(catalog.type())
          .append('\n');
      for (Map.Entry<String, String> e : catalog.properties().entrySet()) {
        yaml.append("    ").append(e.getKey()).append(": '")
            .append(e.getValue().replace("'", "''")).append("'\n");
      }
    }
    Path config = dir.resolve("meridian.yaml");
    Files.writeString(config, yaml, StandardCharsets.UTF_8);
    Path log = dir.resolve("serve.log");
    List<String> command = new ArrayList<>(List.of(LauncherIT.launcher().toString(), "serve",
        "--config", config.toString(), "--port", "0", "--data-dir", dir.resolve("data")
            .toString()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().put("MERIDIAN_HEAP", "160m");
    Process server = builder.start();
    try {
      String url = awaitReady(server, log);
      // lineitem (Parquet) x nation (PostgreSQL): 25 times 60,000 rows with two comments each.
      String sql = "SELECT l.l_orderkey, l.l_comment, n.n_name, n.n_comment"
          + " FROM lake.tpch.lineitem l CROSS JOIN shop.public.nation n";
      long expected;
      try (Connection c = DriverManager.getConnection(fixture.server().jdbcUrl());
           Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM lake.tpch.lineitem")) {
        rs.next();
        expected = rs.getLong(1) * 25;
      }
      for (String placement : List.of("auto", "jvm")) {
        Properties info = new Properties();
        info.setProperty("placement", placement);
        long rows = 0;
        long chars = 0;
        try (Connection c = DriverManager.getConnection(url, info);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
          while (rs.next()) {
            rows++;
            chars += rs.getString(2).length() + rs.getString(4).length();
          }
        }
        assertThat(rows).as("placement=%s", placement).isEqualTo(expected);
        // The text alone is more than the server's heap: in UTF-16 strings, over 160 MB.
        assertThat(chars * 2).as("placement=%s", placement).isGreaterThan(160L << 20);
        assertThat(server.isAlive()).as(Files.readString(log)).isTrue();
      }
      assertThat(Files.readString(log)).doesNotContain("OutOfMemoryError");
    } finally {
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  private static String awaitReady(Process server, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      Matcher m = READY.matcher(Files.readString(log));
      if (m.find()) {
        return m.group(1);
      }
      if (!server.isAlive()) {
        throw new AssertionError("the server exited: " + Files.readString(log));
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the server did not start: " + Files.readString(log));
  }
}
