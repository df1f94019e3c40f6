package io.meridian.server;

import io.meridian.adapter.CatalogSpec;
import io.meridian.server.config.MeridianConfig;
import io.meridian.server.testing.DemoServerFixture;

import com.google.common.collect.ImmutableList;

import org.eclipse.jetty.util.security.Credential;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A server with a users file lets in only its users (HTTP BASIC over Avatica): no credentials
 * and a wrong password are refused, the right ones query, and the password never appears in
 * what the server says.
 */
class AuthenticationIT {
  private static final String PASSWORD = "c0rrect-H0rse";

  private static Properties credentials(String user, String password) {
    Properties p = new Properties();
    p.setProperty("authentication", "BASIC");
    p.setProperty("avatica_user", user);
    p.setProperty("avatica_password", password);
    return p;
  }

  @Test void onlyUsersOfTheFileGetIn() throws Exception {
    DemoServerFixture demo = DemoServerFixture.get();
    Path users = Path.of("target", "it-data", "users.properties").toAbsolutePath();
    Files.createDirectories(users.getParent());
    // Jetty's realm format, the password stored as a hash.
    Files.writeString(users, "alice: " + Credential.MD5.digest(PASSWORD) + ", "
        + MeridianServer.USER_ROLE + "\nbob: " + Credential.MD5.digest("other") + ", guest\n");
    assertThat(Files.readString(users)).doesNotContain(PASSWORD);
    MeridianConfig config = new MeridianConfig("127.0.0.1", 0, "PROTOBUF",
        Path.of("target", "it-data").toAbsolutePath(), ImmutableList.of(
            new CatalogSpec("shop", "postgres", Map.of("url", demo.demo().postgresUrl(),
                "user", "postgres", "password", ""))))
        .withUsersFile(users);
    try (MeridianServer server = MeridianServer.start(config)) {
      String sql = "SELECT count(*) FROM shop.public.nation";
      // Avatica's client reports the refusal as it gets it: HTTP 401 (403 without the role).
      assertThatThrownBy(() -> query(server, new Properties(), sql))
          .hasMessageContaining("HTTP/401");
      assertThatThrownBy(() -> query(server, credentials("alice", "wrong"), sql))
          .hasMessageContaining("HTTP/401").hasMessageNotContaining("wrong");
      // bob is in the file but lacks the role.
      assertThatThrownBy(() -> query(server, credentials("bob", "other"), sql))
          .hasMessageContaining("HTTP/40");
      assertThat(query(server, credentials("alice", PASSWORD), sql)).isEqualTo(25);
      // Through Meridian's driver a refusal is an SQLException with SQL state 28000.
      assertThatThrownBy(() -> DriverManager.getConnection(server.clientUrl(),
          credentials("alice", "wrong")))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("refused the user name or password")
          .hasMessageNotContaining("wrong")
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28000"));

      java.net.http.HttpResponse<String> health = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(
              "http://127.0.0.1:" + server.port() + "/metrics")).GET().build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).as("metrics need credentials too").isEqualTo(401);
    }
  }

  private static long query(MeridianServer server, Properties info, String sql)
      throws SQLException {
    try (Connection c = DriverManager.getConnection(server.jdbcUrl(), info);
         Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
