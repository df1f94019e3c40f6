package io.meridian.server.backends;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real ClickHouse server on loopback for tests, run by
 * {@code adapters/clickhouse/scripts/clickhouse-server.sh} (which installs it from npm once).
 */
public final class ClickHouseServer implements AutoCloseable {
  private final Path script;
  private final Path pidFile;
  private final int port;

  private ClickHouseServer(Path script, Path pidFile, int port) {
    this.script = script;
    this.pidFile = pidFile;
    this.port = port;
  }

  /** Installs (if needed) and starts a server with its data in {@code dataDir}. */
  public static ClickHouseServer start(Path repositoryRoot, Path dataDir)
      throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    return start(repositoryRoot, dataDir, port);
  }

  /**
   * Installs (if needed) and starts a server with its data in {@code dataDir} on a given port
   * (to start one again where a client expects it).
   */
  public static ClickHouseServer start(Path repositoryRoot, Path dataDir, int port)
      throws IOException, InterruptedException {
    Path script = repositoryRoot.resolve("adapters/clickhouse/scripts/clickhouse-server.sh");
    run(List.of(script.toString(), "install"), 900);
    Files.createDirectories(dataDir);
    Path pidFile = dataDir.resolve("clickhouse.pid");
    run(List.of(script.toString(), "start", "--port", Integer.toString(port), "--data",
        dataDir.toString(), "--pid-file", pidFile.toString()), 60);
    return new ClickHouseServer(script, pidFile, port);
  }

  private static String run(List<String> command, int timeoutSeconds)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("clickhouse-script", ".log");
    Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
        .redirectOutput(out.toFile()).start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + command);
    }
    String output = Files.readString(out, StandardCharsets.UTF_8);
    Files.delete(out);
    if (p.exitValue() != 0) {
      throw new IOException("failed (" + p.exitValue() + "): " + command + "\n" + output);
    }
    return output;
  }

  /** Returns the HTTP port. */
  public int port() {
    return port;
  }

  /** Returns the JDBC URL of a database. */
  public String jdbcUrl(String database) {
    return "jdbc:clickhouse://127.0.0.1:" + port + "/" + database;
  }

  @Override public void close() {
    try {
      run(List.of(script.toString(), "stop", "--pid-file", pidFile.toString()), 60);
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("could not stop ClickHouse", e);
    }
  }
}
