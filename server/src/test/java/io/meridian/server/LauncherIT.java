package io.meridian.server;

import io.meridian.server.testing.DemoServerFixture;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code ./meridian} launcher, run as a process against a started server. */
class LauncherIT {
  /** The output and exit code of one launcher run. */
  record Run(int exitCode, String stdout, String stderr) {
  }

  static Path launcher() {
    String home = System.getProperty("meridian.home");
    Path dir = home != null ? Path.of(home) : Path.of("").toAbsolutePath().getParent();
    return dir.resolve("meridian");
  }

  static Run run(String... args) throws IOException, InterruptedException {
    return run(Map.of(), args);
  }

  /** Runs the launcher with extra environment variables. */
  static Run run(Map<String, String> environment, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(launcher().toString());
    command.addAll(List.of(args));
    Path out = Files.createTempFile("meridian-out", ".txt");
    Path err = Files.createTempFile("meridian-err", ".txt");
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile())
        .redirectError(err.toFile());
    builder.environment().putAll(environment);
    Process p = builder.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("launcher did not finish: " + command);
    }
    Run run = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    return run;
  }

  @Test void queryPrintsAnAlignedTable() throws Exception {
    String url = DemoServerFixture.get().server().jdbcUrl();
    Run run = run("query", "--url", url,
        "SELECT r_regionkey, r_name FROM shop.public.region ORDER BY r_regionkey");
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.stdout()).isEqualTo(String.join("\n",
        "r_regionkey | r_name     ",
        "------------+------------",
        "          0 | AFRICA     ",
        "          1 | AMERICA    ",
        "          2 | ASIA       ",
        "          3 | EUROPE     ",
        "          4 | MIDDLE EAST",
        "(5 rows)", ""));
  }

  @Test void badStatementExitsNonZeroWithTheError() throws Exception {
    String url = DemoServerFixture.get().server().jdbcUrl();
    Run run = run("query", "--url", url, "SELECT FROM WHERE");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).contains("Error: SQL parse error").contains("line 1, column");
    assertThat(run.stdout()).isEmpty();
  }

  @Test void unreachableServerIsReportedInOneLine() throws Exception {
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort(); // closed again: nothing listens there
    }
    Run run = run("query", "--url", "jdbc:avatica:remote:url=http://127.0.0.1:" + port
        + ";serialization=PROTOBUF", "SELECT 1");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).contains("cannot reach the Meridian server")
        .doesNotContain("\tat ");
  }

  @Test void queryAuthenticatesWithThePasswordFromTheEnvironment() throws Exception {
    DemoServerFixture demo = DemoServerFixture.get();
    Path dir = Files.createDirectories(Path.of("target", "it-launcher-auth").toAbsolutePath());
    Path users = dir.resolve("users.properties");
    Files.writeString(users, "carl: " + org.eclipse.jetty.util.security.Credential.MD5.digest(
        "carl-Pa55") + ", " + MeridianServer.USER_ROLE + "\n");
    try (MeridianServer server = MeridianServer.start(new io.meridian.server.config.MeridianConfig(
        "127.0.0.1", 0, "PROTOBUF", dir.resolve("data"), com.google.common.collect.ImmutableList
            .of(demo.demo().catalogs().get(0))).withUsersFile(users))) {
      String sql = "SELECT count(*) AS n FROM shop.public.region";
      Run ok = run(Map.of("MERIDIAN_PASSWORD", "carl-Pa55"), "query", "--url",
          server.jdbcUrl(), "--user", "carl", sql);
      assertThat(ok.exitCode()).as(ok.stderr()).isZero();
      assertThat(ok.stdout()).contains("5").contains("(1 row)");
      Run refused = run(Map.of("MERIDIAN_PASSWORD", "nope-Pa55"), "query", "--url",
          server.jdbcUrl(), "--user", "carl", sql);
      assertThat(refused.exitCode()).isEqualTo(1);
      assertThat(refused.stderr()).contains("refused the user name or password")
          .contains("28000").doesNotContain("nope-Pa55").doesNotContain("\tat ");
      Run anonymous = run(Map.of(), "query", "--url", server.jdbcUrl(), sql);
      assertThat(anonymous.exitCode()).isEqualTo(1);
      assertThat(anonymous.stderr()).contains("HTTP 401");
    }
  }

  @Test void helpDescribesEachCommand() throws Exception {
    for (String command : List.of("serve", "query", "sql")) {
      Run run = run(command, "--help");
      assertThat(run.exitCode()).isZero();
      assertThat(run.stdout()).startsWith("Usage: meridian " + command);
    }
  }
}
