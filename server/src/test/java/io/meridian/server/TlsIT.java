package io.meridian.server;

import io.meridian.adapter.CatalogSpec;
import io.meridian.jdbc.MeridianClientDriver;
import io.meridian.server.config.MeridianConfig;
import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.testing.DemoServerFixture;

import com.google.common.collect.ImmutableList;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A server configured with a keystore serves HTTPS: a client that trusts the certificate
 * queries; a client that does not is refused at the handshake.
 */
class TlsIT {
  private static final String PASSWORD = "keystore-Pa55";

  @Test void httpsWithTheConfiguredKeystore() throws Exception {
    DemoServerFixture demo = DemoServerFixture.get();
    Path dir = Path.of("target", "it-data", "tls").toAbsolutePath();
    DemoEnvironment.deleteRecursively(dir);
    Files.createDirectories(dir);
    Path keystore = dir.resolve("server.p12");
    // A self-signed key for 127.0.0.1, made by the JDK's own keytool.
    Process keytool = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "meridian", "-keyalg", "RSA", "-keysize", "2048",
        "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-keystore", keystore.toString(), "-storetype", "PKCS12",
        "-storepass", PASSWORD, "-keypass", PASSWORD)
        .redirectErrorStream(true).start();
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes()))
        .isZero();

    MeridianConfig config = new MeridianConfig("127.0.0.1", 0, "PROTOBUF",
        Path.of("target", "it-data").toAbsolutePath(), ImmutableList.of(
            new CatalogSpec("shop", "postgres", Map.of("url", demo.demo().postgresUrl(),
                "user", "postgres", "password", ""))))
        .withTls(new MeridianConfig.Tls(keystore, PASSWORD));
    assertThat(config.toString()).doesNotContain(PASSWORD);
    try (MeridianServer server = MeridianServer.start(config)) {
      assertThat(server.jdbcUrl()).startsWith("jdbc:avatica:remote:url=https://127.0.0.1:");
      Properties trust = new Properties();
      trust.setProperty("truststore", keystore.toString());
      trust.setProperty("truststore_password", PASSWORD);
      try (Connection c = DriverManager.getConnection(server.jdbcUrl(), trust);
           Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM shop.public.region")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(5);
      }
      // Plain HTTP to the HTTPS port is refused at once, not left waiting for a handshake.
      long start = System.nanoTime();
      String plainUrl = server.jdbcUrl().replace("jdbc:avatica:remote:url=https:",
          MeridianClientDriver.CONNECT_STRING_PREFIX + "url=http:");
      // Bounded: Avatica's client retries forever when a connection closes unanswered.
      java.util.concurrent.CompletableFuture<Connection> attempt =
          java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
              return DriverManager.getConnection(plainUrl);
            } catch (java.sql.SQLException e) {
              throw new java.util.concurrent.CompletionException(e);
            }
          });
      assertThatThrownBy(() -> attempt.get(30, TimeUnit.SECONDS))
          .isInstanceOf(java.util.concurrent.ExecutionException.class)
          .cause()
          .isInstanceOf(java.sql.SQLException.class)
          .hasMessageContaining("cannot reach the Meridian server")
          .satisfies(e -> assertThat(((java.sql.SQLException) e).getSQLState())
              .isEqualTo("08001"));
      assertThat((System.nanoTime() - start) / 1e9).as("seconds to the refusal")
          .isLessThan(10.0);
      java.net.http.HttpResponse<String> plain = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(
              "http://127.0.0.1:" + server.port() + "/health")).GET().build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(plain.statusCode()).isEqualTo(400);
      assertThat(plain.body()).contains("This port serves HTTPS");
      // A client that does not trust the certificate is refused at the handshake.
      assertThatThrownBy(() -> java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(
              "https://127.0.0.1:" + server.port() + "/health")).GET().build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }
  }
}
