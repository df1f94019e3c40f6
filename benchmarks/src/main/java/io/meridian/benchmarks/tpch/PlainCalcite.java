package io.meridian.benchmarks.tpch;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.meridian.adapter.duckdb.DuckDbDataSource;
import io.meridian.adapter.duckdb.DuckDbSqlDialect;
import io.meridian.server.testing.TpchQueries;

import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.SqlDialectFactory;
import org.apache.calcite.sql.dialect.PostgresqlSqlDialect;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The plain Calcite approach: Calcite's JDBC adapter, one {@code JdbcSchema} per backend of the
 * layout (PostgreSQL, ClickHouse and DuckDB through their JDBC drivers, the Parquet file through
 * a DuckDB view, since Calcite has no Parquet adapter of its own), with Calcite's default rules and cost
 * model. Served from a child JVM ({@link PlainCalciteServer}) and queried over Avatica; when a
 * query overruns the cap, {@link #recover()} ends that process and starts a fresh one.
 */
final class PlainCalcite implements SystemUnderTest {
  private static final Logger LOG = LoggerFactory.getLogger(PlainCalcite.class);

  private final HarnessLayout layout;
  private final Path model;
  private final Path log;
  private Process process;
  private Connection connection;

  PlainCalcite(HarnessLayout layout, Path workDir) throws Exception {
    this.layout = layout;
    Files.createDirectories(workDir);
    log = workDir.resolve("plain-calcite.log");
    List<Map<String, Object>> schemas = new ArrayList<>();
    for (HarnessLayout.Place place : layout.places()) {
      switch (place.kind()) {
      case POSTGRES:
        schemas.add(jdbcSchema(place.catalog(), place.location(), "postgres", "",
            place.schema()));
        break;
      case DUCKDB:
        schemas.add(duckDb(jdbcSchema(place.catalog(), "jdbc:duckdb:" + place.location(), null,
            null, place.schema())));
        break;
      case CLICKHOUSE:
        // Calcite recognizes ClickHouse and picks its own ClickHouse dialect.
        schemas.add(jdbcSchema(place.catalog(), place.location(), "default", "",
            place.schema()));
        break;
      case PARQUET:
        schemas.add(duckDb(jdbcSchema(place.catalog(),
            "jdbc:duckdb:" + lakeViews(layout, place, workDir), null, null, place.schema())));
        break;
      default:
        throw new IllegalArgumentException("no plain-Calcite schema for " + place);
      }
    }
    model = workDir.resolve("plain-calcite-model.json");
    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(model.toFile(),
        Map.of("version", "1.0", "defaultSchema", schemas.get(0).get("name"), "schemas",
            schemas));
    start();
  }

  /**
   * Calcite's PostgreSQL dialect for the DuckDB schemas: Calcite does not recognize DuckDB and
   * falls back to ANSI, whose {@code CAST(x AS VARCHAR CHARACTER SET ...)} DuckDB rejects (q12);
   * PostgreSQL's SQL is what DuckDB speaks. Still Calcite's own dialect, nothing of Meridian's.
   */
  public static final class PostgresqlDialectForDuckDb implements SqlDialectFactory {
    @Override public SqlDialect create(DatabaseMetaData metaData) {
      return PostgresqlSqlDialect.DEFAULT;
    }
  }

  private static Map<String, Object> duckDb(Map<String, Object> schema) {
    schema.put("sqlDialectFactory", PostgresqlDialectForDuckDb.class.getName());
    return schema;
  }

  /**
   * A DuckDB file with one view per Parquet table of the place (Calcite has no Parquet adapter
   * of its own), written afresh each run.
   */
  private static Path lakeViews(HarnessLayout layout, HarnessLayout.Place place, Path workDir)
      throws IOException, SQLException {
    Path views = workDir.resolve("plain-calcite-" + place.catalog() + ".duckdb");
    Files.deleteIfExists(views);
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:" + views,
        DuckDbDataSource.connectionProperties(false));
        Statement s = duck.createStatement()) {
      s.execute("CREATE SCHEMA " + place.schema());
      for (Map.Entry<String, HarnessLayout.Place> e : layout.placeOfTable().entrySet()) {
        if (e.getValue().equals(place)) {
          Path parquet = Path.of(place.location()).resolve(place.schema())
              .resolve(e.getKey() + ".parquet");
          s.execute("CREATE VIEW " + place.schema() + "." + e.getKey()
              + " AS SELECT * FROM read_parquet(" + DuckDbSqlDialect.literal(parquet.toString())
              + ")");
        }
      }
    }
    return views;
  }

  private static Map<String, Object> jdbcSchema(String name, String url, String user,
      String password, String schema) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", name);
    json.put("type", "jdbc");
    json.put("jdbcUrl", url);
    if (user != null) {
      json.put("jdbcUser", user);
      json.put("jdbcPassword", password);
    }
    json.put("jdbcSchema", schema);
    return json;
  }

  private void start() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb = new ProcessBuilder(java.toString(), "-Xmx10g", "-Xss8m",
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"),
        PlainCalciteServer.class.getName(), model.toString())
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    process = pb.start();
    BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
      try {
        for (String line; (line = out.readLine()) != null; ) {
          if (line.startsWith("PORT ")) {
            return Integer.parseInt(line.substring(5).trim());
          }
        }
        return -1;
      } catch (IOException e) {
        return -1;
      }
    });
    int p;
    try {
      p = port.get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      p = -1;
    }
    if (p < 0) {
      process.destroyForcibly();
      throw new IllegalStateException("plain Calcite server did not start; see " + log);
    }
    Properties info = new Properties();
    // The harness's cap governs how long a query may take, not the HTTP client's timeout.
    info.setProperty("http_response_timeout", Long.toString(TimeUnit.HOURS.toMillis(1)));
    connection = DriverManager.getConnection(
        "jdbc:avatica:remote:url=http://127.0.0.1:" + p + ";serialization=PROTOBUF", info);
    LOG.info("Plain Calcite {} serving on 127.0.0.1:{} (pid {})", version(), p, process.pid());
  }

  @Override public String name() {
    return "calcite";
  }

  @Override public String version() {
    return CalciteConnection.class.getPackage().getImplementationVersion() == null
        ? "1.42.0" : CalciteConnection.class.getPackage().getImplementationVersion();
  }

  @Override public String sql(int n) {
    // One JdbcSchema per place, named as the place's catalog: schema.table.
    Map<String, String> prefix = new LinkedHashMap<>();
    layout.placeOfTable().forEach((table, place) -> prefix.put(table, place.catalog()));
    String sql = TpchQueries.qualifyEach(TpchQueries.query(n), prefix);
    // VALUE is reserved in Calcite's parser: quote q11's alias (back-ticks with lex=JAVA).
    return n == 11 ? sql.replaceAll("\\bvalue\\b", "`value`") : sql;
  }

  @Override public Connection connection() {
    return connection;
  }

  @Override public void recover() throws Exception {
    LOG.warn("Ending the plain Calcite process (pid {}) and starting a fresh one",
        process.pid());
    stop();
    start();
  }

  private void stop() throws InterruptedException {
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.debug("closing the connection to plain Calcite", e);
    }
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Override public void close() throws Exception {
    stop();
  }
}
