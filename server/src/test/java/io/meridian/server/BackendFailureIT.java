package io.meridian.server;

import com.google.common.collect.ImmutableList;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

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
import java.util.Properties;

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
          + "{\"billing\":\"unavailable\",\"meridian\":\"available\",\"shop\":\"available\"}}");
      assertThatThrownBy(() -> s.executeQuery("SELECT * FROM billing.public.invoices"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("catalog 'billing' (postgres) is unavailable")
          .hasMessageNotContaining("s3cret-Pa55");
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM shop.public.nation")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(25);
      }
      try (ResultSet rs = s.executeQuery("SELECT n_name FROM shop.public.nation")) {
        int rows = 0;
        while (rs.next()) {
          rows++;
        }
        assertThat(rows).isEqualTo(25);
      }
      // What the server ran, as Prometheus reads it: three statements, one failed for want of
      // a connection (SQL state class 08), 1 + 25 rows sent.
      java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(
              "http://127.0.0.1:" + server.port() + "/metrics")).GET().build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type").orElse(""))
          .startsWith("text/plain; version=0.0.4");
      assertThat(metrics.body().lines().toList()).contains(
          "# TYPE meridian_statements_total counter",
          "meridian_statements_total 3",
          "meridian_statement_errors_total{sql_state_class=\"08\"} 1",
          "meridian_statement_seconds_bucket{le=\"+Inf\"} 3",
          "meridian_statement_seconds_count 3",
          // The two that ran went whole to PostgreSQL; the failed one has no engine.
          "meridian_engine_statement_seconds_count{engine=\"postgres\"} 2",
          "meridian_rows_sent_total 26",
          "meridian_active_statements 0",
          "meridian_catalog_available{catalog=\"billing\"} 0",
          "meridian_catalog_available{catalog=\"shop\"} 1");
      assertThat(metrics.body()).doesNotContain("s3cret-Pa55");
    }
  }
  /**
   * A backend that goes down while the server runs fails the federated statements that read
   * it, also when the DuckDB engine joins them, with a message naming its catalog and never
   * its password; the others keep working.
   */
  @Test void backendDownMidLifeFailsEngineStatementsNamingIt() throws Exception {
    DemoServerFixture fixture = DemoServerFixture.get();
    Path dataDir = Path.of("target", "it-crm-postgres").toAbsolutePath();
    EmbeddedPostgres crm = EmbeddedPostgres.builder().setDataDirectory(dataDir)
        .setCleanDataDirectory(true).setPort(0)
        .setServerConfig("listen_addresses", "127.0.0.1").start();
    try {
      try (Connection c = crm.getPostgresDatabase().getConnection();
           Statement s = c.createStatement()) {
        s.execute("ALTER USER postgres PASSWORD 'crm-S3cret'");
        s.execute("CREATE TABLE accounts (suppkey integer, manager text)");
        s.execute("INSERT INTO accounts SELECT g, 'manager ' || (g % 7)"
            + " FROM generate_series(1, 5000) g");
      }
      ImmutableList<CatalogSpec> catalogs = ImmutableList.<CatalogSpec>builder()
          .addAll(fixture.demo().catalogs())
          .add(new CatalogSpec("crm", "postgres", Map.of(
              "url", "jdbc:postgresql://127.0.0.1:" + crm.getPort() + "/postgres",
              "user", "postgres", "password", "crm-S3cret", "connect-timeout-seconds", "2")))
          .build();
      String federated = "SELECT a.manager, count(*) AS parts FROM crm.public.accounts a"
          + " JOIN analytics.tpch.partsupp ps ON ps.ps_suppkey = a.suppkey"
          + " GROUP BY a.manager ORDER BY a.manager";
      Properties duckdb = new Properties();
      duckdb.setProperty("placement", "duckdb");
      try (MeridianServer server = MeridianServer.start(new MeridianConfig("127.0.0.1", 0,
          "PROTOBUF", Path.of("target", "it-data-crm"), catalogs));
           Connection c = DriverManager.getConnection(server.jdbcUrl(), duckdb);
           Statement s = c.createStatement()) {
        try (ResultSet rs = s.executeQuery("EXPLAIN PLAN FOR " + federated)) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).startsWith("EngineExecution(");
        }
        try (ResultSet rs = s.executeQuery(federated)) {
          assertThat(rs.next()).isTrue();
        }
        crm.close();
        assertThatThrownBy(() -> s.executeQuery(federated).next())
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("catalog 'crm' (postgres) is unavailable")
            .hasMessageNotContaining("crm-S3cret");
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM analytics.tpch.supplier s"
            + " JOIN shop.public.nation n ON n.n_nationkey = s.s_nationkey")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong(1)).isPositive();
        }
      }
    } finally {
      crm.close();
    }
  }
}
