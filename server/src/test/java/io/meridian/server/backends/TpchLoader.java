package io.meridian.server.backends;

import io.meridian.server.demo.TpchSchema;

import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.Properties;

/**
 * Copies the eight TPC-H tables from the demo's co-located DuckDB (the oracle) into another
 * backend, so that every backend holds exactly the oracle's rows.
 */
public final class TpchLoader {
  private TpchLoader() {
  }

  /** Exports each table of the oracle as CSV into {@code dir}. */
  public static void exportCsv(Path colocated, Path dir) throws SQLException, IOException {
    exportCsv(colocated, dir, TpchSchema.COLUMNS.keySet());
  }

  /** Exports some tables of the oracle as CSV into {@code dir}. */
  public static void exportCsv(Path colocated, Path dir, Collection<String> tables)
      throws SQLException, IOException {
    Files.createDirectories(dir);
    Properties p = io.meridian.adapter.duckdb.DuckDbDataSource.connectionProperties(true);
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + colocated, p);
         Statement s = c.createStatement()) {
      for (String table : tables) {
        s.execute("COPY tpch." + table + " TO '" + dir.resolve(table + ".csv")
            + "' (FORMAT csv, HEADER false)");
      }
    }
  }

  /** Creates schema {@code tpch} with all tables in a PostgreSQL database and loads them. */
  public static void loadPostgres(String url, Path csvDir) throws SQLException, IOException {
    try (Connection c = DriverManager.getConnection(url, "postgres", "");
         Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS tpch CASCADE");
      s.execute("CREATE SCHEMA tpch");
      CopyManager copy = new CopyManager(c.unwrap(BaseConnection.class));
      for (String table : TpchSchema.COLUMNS.keySet()) {
        s.execute(TpchSchema.createTable("tpch", table));
        try (Reader in = Files.newBufferedReader(csvDir.resolve(table + ".csv"))) {
          copy.copyIn("COPY tpch." + table + " FROM STDIN WITH (FORMAT csv)", in);
        }
      }
      s.execute("ANALYZE");
    }
  }

  /** Creates database {@code tpch} in ClickHouse with MergeTree tables and loads them. */
  public static void loadClickHouse(int httpPort, Path csvDir)
      throws IOException, InterruptedException {
    loadClickHouse(httpPort, csvDir, TpchSchema.COLUMNS.keySet());
  }

  /** Creates database {@code tpch} in ClickHouse with some MergeTree tables and loads them. */
  public static void loadClickHouse(int httpPort, Path csvDir, Collection<String> tables)
      throws IOException, InterruptedException {
    HttpClient http = HttpClient.newHttpClient();
    clickHouse(http, httpPort, "DROP DATABASE IF EXISTS tpch", null);
    clickHouse(http, httpPort, "CREATE DATABASE tpch", null);
    for (String table : tables) {
      clickHouse(http, httpPort, "CREATE TABLE tpch." + table + " ("
          + clickHouseColumns(TpchSchema.COLUMNS.get(table)) + ") ENGINE = MergeTree ORDER BY ("
          + String.join(", ", TpchSchema.PRIMARY_KEYS.get(table)) + ")", null);
      // Keep leading spaces of TPC-H comments: ClickHouse trims CSV fields by default.
      clickHouse(http, httpPort, "INSERT INTO tpch." + table
              + " SETTINGS input_format_csv_trim_whitespaces = 0 FORMAT CSV",
          csvDir.resolve(table + ".csv"));
    }
  }

  /** Translates the TPC-H column list into ClickHouse types (all columns NOT NULL). */
  static String clickHouseColumns(String columns) {
    return columns
        .replaceAll("VARCHAR\\(\\d+\\)", "String")
        .replace("DECIMAL(15,2)", "Decimal(15,2)")
        .replace("BIGINT", "Int64")
        .replace("INTEGER", "Int32")
        .replace("DATE", "Date")
        .replace(" NOT NULL", "");
  }

  private static void clickHouse(HttpClient http, int port, String sql, Path body)
      throws IOException, InterruptedException {
    String query = java.net.URLEncoder.encode(sql, StandardCharsets.UTF_8);
    HttpRequest.BodyPublisher publisher = body == null
        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofFile(body);
    HttpRequest request = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/?query=" + query)).POST(publisher).build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("ClickHouse refused " + sql + ": " + response.body());
    }
  }
}
