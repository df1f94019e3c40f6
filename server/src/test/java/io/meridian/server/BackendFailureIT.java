package io.meridian.server;

import com.google.common.collect.ImmutableList;

import io.meridian.adapter.CatalogSpec;
import io.meridian.server.config.MeridianConfig;
import io.meridian.server.testing.DemoServerFixture;

import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A backend that is down at start-up fails only the statements that need it, with a message
 * naming its catalog and without its credentials, and the server keeps serving the others.
 */
class BackendFailureIT {
  @Test void downBackendFailsOnlyItsOwnQueries() throws Exception {
    DemoServerFixture fixture = DemoServerFixture.get();
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort(); // closed when the block ends: nothing listens there
    }
    ImmutableList<CatalogSpec> catalogs = ImmutableList.<CatalogSpec>builder()
        .addAll(fixture.demo().catalogs().subList(0, 1)) // shop: the live PostgreSQL
        .add(new CatalogSpec("billing", "postgres", Map.of(
            "url", "jdbc:postgresql://127.0.0.1:" + deadPort + "/billing",
            "user", "app", "password", "s3cret-Pa55", "connect-timeout-seconds", "2")))
        .build();
    MeridianConfig config = new MeridianConfig("127.0.0.1", 0, "PROTOBUF",
        Path.of("target", "it-data"), catalogs);
    try (MeridianServer server = MeridianServer.start(config);
         Connection c = DriverManager.getConnection(server.jdbcUrl());
         Statement s = c.createStatement()) {
      assertThat(server.catalogAvailability()).containsEntry("shop", true)
          .containsEntry("billing", false);
      java.net.http.HttpResponse<String> health = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(
              "http://127.0.0.1:" + server.port() + "/health")).GET().build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).isEqualTo("{\"status\":\"DEGRADED\",\"catalogs\":"
          + "{\"billing\":\"unavailable\",\"shop\":\"available\"}}");
      assertThatThrownBy(() -> s.executeQuery("SELECT * FROM billing.public.invoices"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("catalog 'billing' (postgres) is unavailable")
          .hasMessageNotContaining("s3cret-Pa55");
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM shop.public.nation")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(25);
      }
    }
  }
}
