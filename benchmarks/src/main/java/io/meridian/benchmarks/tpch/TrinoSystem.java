package io.meridian.benchmarks.tpch;

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;

import io.meridian.adapter.duckdb.DuckDbDataSource;
import io.meridian.adapter.duckdb.DuckDbSqlDialect;
import io.meridian.server.demo.DemoEnvironment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Trino 476 as a system under test: a single-node Trino server on loopback, started from the
 * {@code io.trino:trino-server} tarball with Java 25, with one catalog per place of the
 * harness's layout, named as Meridian's catalogs are.
 *
 * <ul>
 *   <li>PostgreSQL (e.g. {@code shop}): the PostgreSQL connector over the demo's PostgreSQL database (its
 *   statistics are PostgreSQL's own, from the demo's {@code ANALYZE}; Trino cannot analyze it);
 *   <li>DuckDB (e.g. {@code analytics}): the DuckDB connector over a copy of the file written
 *   in DuckDB's 1.2 storage format (Trino 476 bundles DuckDB 1.3.0, which cannot open files
 *   written by the DuckDB Meridian uses); this connector gives Trino no statistics at all and
 *   does not support {@code ANALYZE};
 *   <li>ClickHouse ({@code ch}): the ClickHouse connector over the layout's server (no
 *   statistics; Trino cannot analyze it);
 *   <li>{@code lake}: the Hive connector with a file metastore over the lake's
 *   {@code lineitem.parquet}, analyzed so that Trino has statistics.
 * </ul>
 *
 * <p>Everything it writes (the extracted server, configuration, copies and Trino's data) lives
 * under the work directory given to {@link #start}; the extraction and the copies are reused by
 * later starts.
 */
public final class TrinoSystem implements SystemUnderTest {
  private static final Logger LOG = LoggerFactory.getLogger(TrinoSystem.class);

  /** The Trino release this system runs. */
  public static final String VERSION = "476";

  /** The plugins the catalogs need ({@code postgresql} needs {@code geospatial}). */
  private static final ImmutableList<String> PLUGINS =
      ImmutableList.of("postgresql", "geospatial", "duckdb", "hive", "clickhouse");

  private static final String TARBALL = "trino-server-" + VERSION + ".tar.gz";
  private static final String CENTRAL = "https://repo1.maven.org/maven2/io/trino/trino-server/"
      + VERSION + "/" + TARBALL;
  private static final Path DEFAULT_JAVA = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
  private static final String EXTRACTED = ".meridian-extracted";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

  /** Where each demo table is in Trino, as {@code catalog.schema}. */
  /** q15 groups by an output alias, which Trino rejects: group by the expression instead. */
  private static final Pattern GROUP_BY_SUPPLIER_NO =
      Pattern.compile("(?i)\\bgroup\\s+by\\s+supplier_no\\b");

  private final HarnessLayout layout;
  private final Process process;
  private final Connection connection;
  private final String version;
  private final Thread shutdownHook;

  private TrinoSystem(HarnessLayout layout, Process process, Connection connection,
      String version, Thread shutdownHook) {
    this.layout = requireNonNull(layout, "layout");
    this.process = requireNonNull(process, "process");
    this.connection = requireNonNull(connection, "connection");
    this.version = requireNonNull(version, "version");
    this.shutdownHook = requireNonNull(shutdownHook, "shutdownHook");
  }

  /**
   * Installs (once), configures and starts Trino over the demo's data, and returns it once a
   * node is active and the catalogs are ready.
   *
   * @param demo the running demo environment whose data Trino reads
   * @param workDir the directory for the server, its configuration and its data
   */
  static TrinoSystem start(HarnessLayout layout, Path workDir) throws Exception {
    requireNonNull(layout, "layout");
    DemoEnvironment demo = layout.demo();
    Path work = Files.createDirectories(workDir).toAbsolutePath();
    Path javaHome = javaHome();
    Path tarball = tarball();
    Path home = extract(tarball, work);

    long prepareStart = System.nanoTime();
    java.util.Map<String, Path> duckDbCopies = new java.util.LinkedHashMap<>();
    for (HarnessLayout.Place place : layout.places()) {
      if (place.kind() == HarnessLayout.Kind.DUCKDB) {
        duckDbCopies.put(place.catalog(), duckDbCopy(Path.of(place.location()),
            work.resolve(place.catalog()), place.catalog()));
      }
    }
    Path lakeRoot = Files.createDirectories(work.resolve("lake"));
    Path lineitemDir = lineitemDirectory(demo, lakeRoot);
    List<String> lineitemColumns = parquetColumns(lineitemDir.resolve("lineitem.parquet"));
    LOG.info("Trino: data prepared in {} ms", millisSince(prepareStart));

    int port = freePort();
    Path etc = configure(work, port, layout, duckDbCopies, lakeRoot);
    Path log = work.resolve("trino.log");
    LOG.info("Trino: starting {} on 127.0.0.1:{} with {} (log: {})", VERSION, port, javaHome,
        log);
    long startNanos = System.nanoTime();
    ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/launcher").toString(), "run",
        "--etc-dir=" + etc)
        .directory(work.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    builder.environment().put("JAVA_HOME", javaHome.toString());
    builder.environment().put("PATH",
        javaHome.resolve("bin") + File.pathSeparator + System.getenv("PATH"));
    Process process = builder.start();
    Thread hook = new Thread(() -> stopProcess(process), "trino-" + process.pid() + "-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    Connection connection = null;
    try {
      String url = "jdbc:trino://127.0.0.1:" + port;
      connection = awaitActiveNode(process, url, log);
      LOG.info("Trino: an active node answers after {} ms (pid {})", millisSince(startNanos),
          process.pid());
      long catalogStart = System.nanoTime();
      awaitCatalogs(connection, layout, "information_schema.tables");
      Connection trino = connection;
      whileNoNodes(() -> {
        setUpLake(trino, lineitemDir, lineitemColumns, lakeRoot);
        return null;
      }, "setting up lake.tpch.lineitem");
      awaitCatalogs(connection, layout, null);
      LOG.info("Trino: catalogs set up in {} ms", millisSince(catalogStart));
      String version;
      try (Statement s = connection.createStatement();
           ResultSet rs = s.executeQuery("SELECT version()")) {
        rs.next();
        version = rs.getString(1);
      }
      LOG.info("Trino {} ready in {} ms since launch", version, millisSince(startNanos));
      return new TrinoSystem(layout, process, connection, version, hook);
    } catch (Exception | Error e) {
      if (connection != null) {
        try {
          connection.close();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      stopProcess(process);
      removeHook(hook);
      throw e;
    }
  }

  @Override public String name() {
    return "trino";
  }

  @Override public String version() {
    return version;
  }

  @Override public String sql(int n) {
    // The catalogs have Meridian's names, so Meridian's qualified names hold.
    String sql = layout.qualified(n);
    if (n == 15) {
      sql = GROUP_BY_SUPPLIER_NO.matcher(sql).replaceAll("GROUP BY l_suppkey");
    }
    return sql;
  }

  @Override public Connection connection() {
    return connection;
  }

  /** Closes the connection and stops the Trino process this system started. */
  @Override public void close() throws SQLException {
    try {
      connection.close();
    } finally {
      stopProcess(process);
      removeHook(shutdownHook);
    }
  }

  // ---- Java, tarball, extraction

  private static Path javaHome() {
    String configured = System.getenv("TRINO_JAVA_HOME");
    Path home = configured != null && !configured.isBlank() ? Path.of(configured) : DEFAULT_JAVA;
    if (!Files.isExecutable(home.resolve("bin/java"))) {
      throw new IllegalStateException("Trino " + VERSION + " needs Java 24 or newer (Java 25 is"
          + " what Meridian runs it with), but there is no executable " + home.resolve("bin/java")
          + ". Install a Java 25 JDK at " + DEFAULT_JAVA + ", or set the environment variable"
          + " TRINO_JAVA_HOME to its home directory.");
    }
    return home;
  }

  /** Returns the server tarball from the local Maven repository, downloading it if absent. */
  private static Path tarball() throws IOException, InterruptedException {
    Path dir = Path.of(System.getProperty("user.home"), ".m2", "repository", "io", "trino",
        "trino-server", VERSION);
    Path file = dir.resolve(TARBALL);
    if (Files.isRegularFile(file)) {
      LOG.info("Trino: using {} ({} MB)", file, Files.size(file) >> 20);
      return file;
    }
    Files.createDirectories(dir);
    HttpClient client = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(30))
        .build();
    String expectedSha1 = client.send(HttpRequest.newBuilder(URI.create(CENTRAL + ".sha1"))
        .build(), HttpResponse.BodyHandlers.ofString()).body().strip().split("\\s+")[0];
    LOG.info("Trino: downloading {} into {}", CENTRAL, file);
    HttpResponse<InputStream> response = client.send(
        HttpRequest.newBuilder(URI.create(CENTRAL)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() != 200) {
      response.body().close();
      throw new IOException("GET " + CENTRAL + " answered HTTP " + response.statusCode());
    }
    long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
    Path tmp = Files.createTempFile(dir, TARBALL, ".part");
    MessageDigest sha1 = sha1();
    long startNanos = System.nanoTime();
    try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(tmp)) {
      byte[] buffer = new byte[1 << 16];
      long done = 0;
      long lastLog = System.nanoTime();
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
        sha1.update(buffer, 0, n);
        done += n;
        if (System.nanoTime() - lastLog > TimeUnit.SECONDS.toNanos(10)) {
          lastLog = System.nanoTime();
          LOG.info("Trino: downloaded {} of {} MB", done >> 20, total < 0 ? "?" : total >> 20);
        }
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    String actual = HexFormat.of().formatHex(sha1.digest());
    if (!actual.equalsIgnoreCase(expectedSha1)) {
      Files.deleteIfExists(tmp);
      throw new IOException("SHA-1 of the downloaded " + TARBALL + " is " + actual
          + ", Maven Central says " + expectedSha1);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    LOG.info("Trino: downloaded {} MB in {} s", Files.size(file) >> 20,
        millisSince(startNanos) / 1000);
    return file;
  }

  private static MessageDigest sha1() {
    try {
      return MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Extracts the server once under {@code work}, keeping only the plugins the catalogs need. */
  private static Path extract(Path tarball, Path work) throws IOException, InterruptedException {
    Path home = work.resolve("trino-server-" + VERSION);
    String marker = "plugins=" + String.join(",", PLUGINS) + "\n";
    if (Files.exists(home.resolve(EXTRACTED))
        && Files.readString(home.resolve(EXTRACTED)).equals(marker)) {
      return home;
    }
    if (Files.exists(home)) {
      LOG.info("Trino: removing the incomplete extraction in {}", home);
      DemoEnvironment.deleteRecursively(home);
    }
    long startNanos = System.nanoTime();
    LOG.info("Trino: extracting {} into {}", tarball.getFileName(), work);
    run(List.of("tar", "-xzf", tarball.toString(), "-C", work.toString()), work);
    Path plugins = home.resolve("plugin");
    try (Stream<Path> list = Files.list(plugins)) {
      for (Path plugin : list.toList()) {
        if (!PLUGINS.contains(plugin.getFileName().toString())) {
          DemoEnvironment.deleteRecursively(plugin);
        }
      }
    }
    for (String plugin : PLUGINS) {
      if (!Files.isDirectory(plugins.resolve(plugin))) {
        throw new IOException("Trino " + VERSION + " has no plugin " + plugin + " in " + plugins);
      }
    }
    Files.writeString(home.resolve(EXTRACTED), marker);
    LOG.info("Trino: extracted in {} ms, kept plugins {}", millisSince(startNanos), PLUGINS);
    return home;
  }

  private static void run(List<String> command, Path dir)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int status = p.waitFor();
    if (status != 0) {
      throw new IOException(String.join(" ", command) + " failed with status " + status + ": "
          + output.strip());
    }
  }

  // ---- data Trino's connectors can read

  /**
   * Writes a copy of a DuckDB database file in DuckDB's 1.2 storage format, which the DuckDB
   * 1.3.0 inside Trino's connector can open; reuses it while it was made from the same source
   * file (path, size, modification time: one work directory serves data sets of several
   * scales).
   */
  private static Path duckDbCopy(Path source, Path dir, String name)
      throws IOException, SQLException {
    Path copy = dir.resolve(name + "-v1.2.duckdb");
    Path madeFrom = dir.resolve(name + "-v1.2.source");
    String sourceSignature = source.toAbsolutePath() + " " + Files.size(source) + " "
        + Files.getLastModifiedTime(source).toMillis();
    if (Files.exists(copy) && Files.exists(madeFrom)
        && Files.readString(madeFrom).equals(sourceSignature)) {
      LOG.info("Trino: reusing {}", copy);
      return copy;
    }
    Files.createDirectories(dir);
    Path tmp = dir.resolve("_" + name + "-v1.2.duckdb.tmp");
    Files.deleteIfExists(tmp);
    Files.deleteIfExists(dir.resolve(tmp.getFileName() + ".wal"));
    long startNanos = System.nanoTime();
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:",
            DuckDbDataSource.connectionProperties(false));
         Statement s = duck.createStatement()) {
      s.execute("ATTACH " + literal(source) + " AS src (READ_ONLY)");
      s.execute("ATTACH " + literal(tmp) + " AS dst (STORAGE_VERSION 'v1.2.0')");
      s.execute("COPY FROM DATABASE src TO dst");
      s.execute("DETACH dst");
      s.execute("DETACH src");
    }
    Files.move(tmp, copy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Files.writeString(madeFrom, sourceSignature);
    LOG.info("Trino: wrote {} (DuckDB storage v1.2.0) in {} ms", copy, millisSince(startNanos));
    return copy;
  }

  /**
   * Returns a directory under the lake root that holds only {@code lineitem.parquet}, a hard
   * link to the demo's file (a copy when a link cannot be made).
   */
  private static Path lineitemDirectory(DemoEnvironment demo, Path lakeRoot) throws IOException {
    Path source = demo.lakeDirectory().resolve("tpch").resolve("lineitem.parquet");
    Path dir = lakeRoot.resolve("tpch").resolve("lineitem");
    Path target = dir.resolve("lineitem.parquet");
    if (Files.exists(target) && Files.isSameFile(source, target)) {
      return dir;
    }
    DemoEnvironment.deleteRecursively(dir);
    Files.createDirectories(dir);
    try {
      Files.createLink(target, source);
    } catch (IOException | UnsupportedOperationException e) {
      LOG.info("Trino: cannot hard-link {} ({}); copying it", source, e.toString());
      Files.copy(source, target);
    }
    return dir;
  }

  /** Returns the columns of a Parquet file as Trino column definitions, read with DuckDB. */
  private static List<String> parquetColumns(Path parquet) throws SQLException {
    List<String> columns = new ArrayList<>();
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:",
            DuckDbDataSource.connectionProperties(false));
         Statement s = duck.createStatement();
         ResultSet rs = s.executeQuery(
             "DESCRIBE SELECT * FROM read_parquet(" + literal(parquet) + ")")) {
      while (rs.next()) {
        String name = rs.getString("column_name");
        String type = trinoType(rs.getString("column_type"), name);
        columns.add("\"" + name.replace("\"", "\"\"") + "\" " + type);
      }
    }
    return columns;
  }

  private static String trinoType(String duckDbType, String column) {
    String type = duckDbType.toUpperCase(Locale.ROOT);
    if (type.startsWith("DECIMAL(")) {
      return type.toLowerCase(Locale.ROOT);
    }
    switch (type) {
    case "BOOLEAN": return "boolean";
    case "TINYINT": return "tinyint";
    case "SMALLINT": return "smallint";
    case "INTEGER": return "integer";
    case "BIGINT": return "bigint";
    case "FLOAT": return "real";
    case "DOUBLE": return "double";
    case "DATE": return "date";
    case "VARCHAR": return "varchar";
    case "BLOB": return "varbinary";
    case "TIMESTAMP": return "timestamp(3)";
    default:
      throw new IllegalArgumentException("no Trino type for Parquet column " + column + " of"
          + " DuckDB type " + duckDbType);
    }
  }

  /**
   * Declares {@code lake.tpch.lineitem} over its directory and analyzes it; skipped when the
   * metastore already describes the same file.
   */
  private static void setUpLake(Connection trino, Path lineitemDir, List<String> columns,
      Path lakeRoot) throws SQLException, IOException {
    Path parquet = lineitemDir.resolve("lineitem.parquet");
    Path signature = lakeRoot.resolve("lineitem.analyzed");
    String current = parquet.toRealPath() + " " + Files.size(parquet) + " "
        + Files.getLastModifiedTime(parquet).toMillis() + " " + String.join(", ", columns);
    if (Files.exists(signature) && Files.readString(signature).equals(current)) {
      LOG.info("Trino: lake.tpch.lineitem already declared and analyzed");
      return;
    }
    Files.deleteIfExists(signature);
    String location = "local:///" + lakeRoot.relativize(lineitemDir).toString()
        .replace(File.separatorChar, '/');
    try (Statement s = trino.createStatement()) {
      s.execute("CREATE SCHEMA IF NOT EXISTS lake.tpch");
      s.execute("DROP TABLE IF EXISTS lake.tpch.lineitem");
      s.execute("CREATE TABLE lake.tpch.lineitem (" + String.join(", ", columns) + ")"
          + " WITH (format = 'PARQUET', external_location = '" + location + "')");
      long startNanos = System.nanoTime();
      s.execute("ANALYZE lake.tpch.lineitem");
      LOG.info("Trino: declared lake.tpch.lineitem at {}, analyzed in {} ms", location,
          millisSince(startNanos));
    }
    Files.writeString(signature, current);
  }

  /**
   * Waits until a query can be scheduled on each catalog of the layout: right after a node is
   * active, Trino may still answer "No nodes available to run query" for a while. With
   * {@code relation} null, reads one row of one of the place's tables; else that relation of
   * each catalog.
   */
  private static void awaitCatalogs(Connection trino, HarnessLayout layout, String relation)
      throws Exception {
    for (HarnessLayout.Place place : layout.places()) {
      String table = layout.placeOfTable().entrySet().stream()
          .filter(e -> e.getValue().equals(place)).map(java.util.Map.Entry::getKey)
          .findFirst().orElseThrow();
      String sql = "SELECT * FROM " + place.catalog() + "."
          + (relation != null ? relation : place.schema() + "." + table) + " LIMIT 1";
      whileNoNodes(() -> {
        try (Statement s = trino.createStatement(); ResultSet rs = s.executeQuery(sql)) {
          return rs.next();
        }
      }, sql);
    }
  }

  /** Calls {@code work} again while Trino answers "No nodes available", up to the timeout. */
  private static <T> T whileNoNodes(java.util.concurrent.Callable<T> work, String what)
      throws Exception {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      try {
        return work.call();
      } catch (SQLException e) {
        if (!String.valueOf(e.getMessage()).contains("No nodes available")
            || System.nanoTime() > deadline) {
          throw new SQLException("Trino failed " + what + ": " + e.getMessage(),
              e.getSQLState(), e);
        }
        Thread.sleep(500);
      }
    }
  }

  // ---- configuration

  private static Path configure(Path work, int port, HarnessLayout layout,
      java.util.Map<String, Path> duckDbCopies, Path lakeRoot) throws IOException {
    Path etc = work.resolve("etc");
    Path catalogs = etc.resolve("catalog");
    if (Files.exists(catalogs)) {
      DemoEnvironment.deleteRecursively(catalogs);
    }
    Files.createDirectories(catalogs);
    Path data = Files.createDirectories(work.resolve("data"));
    String heap = System.getProperty("meridian.trino.heap", "4G");

    write(etc.resolve("node.properties"), List.of(
        "node.environment=meridian_bench",
        "node.id=meridian-trino",
        "node.data-dir=" + data,
        "node.bind-ip=127.0.0.1",
        "node.internal-address=127.0.0.1"));
    write(etc.resolve("jvm.config"), List.of(
        "-server",
        "-Xmx" + heap,
        "-XX:G1HeapRegionSize=32M",
        "-XX:+ExplicitGCInvokesConcurrent",
        "-XX:+ExitOnOutOfMemoryError",
        "-XX:-OmitStackTraceInFastThrow",
        "-XX:ReservedCodeCacheSize=512M",
        "-XX:PerMethodRecompilationCutoff=10000",
        "-XX:PerBytecodeRecompilationCutoff=10000",
        "-Djdk.attach.allowAttachSelf=true",
        "-Djdk.nio.maxCachedBufferSize=2000000",
        "-Dfile.encoding=UTF-8",
        "-XX:+EnableDynamicAgentLoading",
        "--enable-native-access=ALL-UNNAMED",
        "-Djava.io.tmpdir=" + Files.createDirectories(work.resolve("tmp"))));
    write(etc.resolve("config.properties"), List.of(
        "coordinator=true",
        "node-scheduler.include-coordinator=true",
        "http-server.http.port=" + port,
        "discovery.uri=http://127.0.0.1:" + port));
    write(etc.resolve("log.properties"), List.of(
        "Bootstrap=WARN",
        "io.trino=WARN",
        "io.trino.server.Server=INFO",
        "io.airlift=WARN"));

    for (HarnessLayout.Place place : layout.places()) {
      Path file = catalogs.resolve(place.catalog() + ".properties");
      switch (place.kind()) {
      case POSTGRES -> write(file, List.of(
          "connector.name=postgresql",
          "connection-url=" + place.location(),
          "connection-user=postgres",
          "connection-password="));
      case DUCKDB -> write(file, List.of(
          "connector.name=duckdb",
          "connection-url=jdbc:duckdb:" + duckDbCopies.get(place.catalog())));
      case PARQUET -> write(file, List.of(
          "connector.name=hive",
          "hive.metastore=file",
          "hive.metastore.catalog.dir=local:///metastore",
          "fs.native-local.enabled=true",
          "local.location=" + lakeRoot));
      // Uncompressed HTTP, and String as varchar rather than varbinary (RUNBOOK).
      case CLICKHOUSE -> write(file, List.of(
          "connector.name=clickhouse",
          "connection-url=" + place.location() + "?compress=0",
          "connection-user=default",
          "connection-password=",
          "clickhouse.map-string-as-varchar=true"));
      default -> throw new IllegalArgumentException("no Trino catalog for " + place);
      }
    }
    return etc;
  }

  private static void write(Path file, List<String> lines) throws IOException {
    Files.write(file, lines, StandardCharsets.UTF_8);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }

  // ---- process

  /** Polls until a node is active; fails with the log's tail when Trino exits or times out. */
  private static Connection awaitActiveNode(Process process, String url, Path log)
      throws IOException, InterruptedException {
    Properties props = new Properties();
    props.setProperty("user", "meridian");
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    SQLException last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Trino exited with status " + process.exitValue()
            + " before a node became active; the end of " + log + ":\n" + tail(log, 40));
      }
      Connection c = null;
      try {
        c = DriverManager.getConnection(url, props);
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(
                 "SELECT count(*) FROM system.runtime.nodes WHERE state = 'active'")) {
          if (rs.next() && rs.getLong(1) > 0) {
            return c;
          }
        }
      } catch (SQLException e) {
        last = e;
      }
      if (c != null) {
        try {
          c.close();
        } catch (SQLException ignored) {
          // the next poll opens a new one
        }
      }
      Thread.sleep(500);
    }
    stopProcess(process);
    IllegalStateException e = new IllegalStateException("no active Trino node after "
        + START_TIMEOUT.toSeconds() + " s; the end of " + log + ":\n" + tail(log, 40));
    if (last != null) {
      e.addSuppressed(last);
    }
    throw e;
  }

  private static String tail(Path log, int lines) throws IOException {
    if (!Files.exists(log)) {
      return "(no log)";
    }
    List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /** Stops the process and whatever it started: SIGTERM first, then SIGKILL after a timeout. */
  private static void stopProcess(Process process) {
    List<ProcessHandle> children = process.descendants().toList();
    if (!process.isAlive() && children.stream().noneMatch(ProcessHandle::isAlive)) {
      return;
    }
    LOG.info("Trino: stopping pid {}", process.pid());
    children.forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        LOG.warn("Trino: pid {} did not stop in {} s; killing it", process.pid(),
            STOP_TIMEOUT.toSeconds());
        process.destroyForcibly();
        process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down and runs the hook anyway
    }
  }

  private static String literal(Path path) {
    return DuckDbSqlDialect.literal(path.toString());
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
