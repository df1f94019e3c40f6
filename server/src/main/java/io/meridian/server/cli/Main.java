package io.meridian.server.cli;

import com.google.common.base.Throwables;

import io.meridian.server.MeridianServer;
import io.meridian.server.config.ConfigException;
import io.meridian.server.config.ConfigurationManager;
import io.meridian.server.config.MeridianConfig;
import io.meridian.server.workload.WorkloadAnalyzer;
import io.meridian.server.demo.DemoEnvironment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** The {@code meridian} command: {@code serve}, {@code query}, {@code sql}. */
public final class Main {
  /** The URL the client commands use when none is given. */
  public static final String DEFAULT_URL = "jdbc:avatica:remote:url=http://127.0.0.1:"
      + MeridianConfig.DEFAULT_PORT + ";serialization=PROTOBUF";

  /** The options every client command takes to connect, as its usage lists them. */
  private static final String CONNECTION_OPTIONS = String.join("\n",
      "  --user NAME     authenticate as NAME (password from MERIDIAN_PASSWORD, else asked)",
      "  --truststore F  trust the server's certificate in keystore F (https; its password",
      "                  from MERIDIAN_TRUSTSTORE_PASSWORD)");

  private static final String USAGE = String.join("\n",
      "Usage: meridian <command> [options]",
      "",
      "Commands:",
      "  serve   start the server (with no --config: the embedded federated demo)",
      "  query   run one SQL statement against a running server and print the result",
      "  sql     open an interactive SQL shell (sqlline) on a running server",
      "  workload  report on the workload log of a running server: statement shapes, hot",
      "          tables, estimation errors, recommendations",
      "  calibrate  measure the cost coefficients of a running server's engines and catalogs",
      "          with a short built-in workload (or fit them to its workload log)",
      "",
      "Run 'meridian <command> --help' for the options of a command.");

  private static final String SERVE_USAGE = String.join("\n",
      "Usage: meridian serve [--config FILE] [--port N] [--host ADDR] [--data-dir DIR]"
          + " [--demo-scale S]",
      "",
      "Starts the Meridian server in the foreground; Ctrl-C stops it cleanly.",
      "  --config FILE     YAML configuration (see docs/configuration.md). Without it, serves",
      "                    the embedded demo: TPC-H-derived data in an embedded PostgreSQL",
      "                    (shop), an embedded DuckDB (analytics) and Parquet files (lake).",
      "  --port N          HTTP port (default: the config's, else 8765; 0 picks a free port)",
      "  --host ADDR       bind address (default 127.0.0.1)",
      "  --data-dir DIR    where Meridian keeps its data (default ./data, or the config's)",
      "  --demo-scale S    TPC-H scale factor of the demo data (default 0.1)");

  private static final String QUERY_USAGE = String.join("\n",
      "Usage: meridian query [--url URL] [--max-rows N] \"SQL\"",
      "",
      "Runs one statement and prints the result as an aligned table. Exit code 0 on success,",
      "1 with the error message on failure.",
      "  --url URL       JDBC URL of the server (default " + DEFAULT_URL + ")",
      CONNECTION_OPTIONS,
      "  --max-rows N    print at most N rows (default 10000)");

  private static final String WORKLOAD_USAGE = String.join("\n",
      "Usage: meridian workload [--url URL] [--top N]",
      "",
      "The WorkloadAnalyzer's report over meridian.system.* (the workload log) of a running",
      "server: statement shapes by time, hot tables, estimation error by engine, the statements",
      "furthest from their estimates, catalogs joined across engines, and recommendations.",
      "  --url URL    JDBC URL of the server (default " + DEFAULT_URL + ")",
      CONNECTION_OPTIONS,
      "  --top N      rows per section (default 10)");

  private static final String CALIBRATE_USAGE = String.join("\n",
      "Usage: meridian calibrate [--url URL] [--from-workload]",
      "",
      "Calibrates the cost model of a running server (the CALIBRATE statement): runs a short",
      "built-in workload (joins and unions of each pair of catalogs' largest tables, in the JVM",
      "and in the DuckDB engine), fits the coefficients to the measured times, and prints them.",
      "The server plans with them from the next statement on and keeps them in its data",
      "directory (meridian.system.cost_coefficients).",
      "  --url URL         JDBC URL of the server (default " + DEFAULT_URL + ")",
      CONNECTION_OPTIONS,
      "  --from-workload   fit to the statements the workload log recorded instead",
      "                    (CALIBRATE FROM WORKLOAD)");

  private static final String SQL_USAGE = String.join("\n",
      "Usage: meridian sql [--url URL]",
      "",
      "Opens sqlline, an interactive SQL shell, connected to a running server.",
      "  --url URL    JDBC URL of the server (default " + DEFAULT_URL + ")",
      CONNECTION_OPTIONS);

  private Main() {
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("serve")) {
      serveInUtc();
    }
    System.exit(run(Arrays.asList(args), System.out, System.err));
  }

  /**
   * Runs the server's JVM in UTC whatever the host's zone, before any engine class reads it.
   * Meridian's dates and times are wall clocks (a TIMESTAMP is what the backend holds, not an
   * instant), but Calcite's runtime and Avatica convert through the JVM's default zone in
   * places: in a zone with daylight saving time, a wall-clock time the zone skips (02:30 on the
   * night clocks go forward) would come out an hour later. UTC skips nothing. Clients keep
   * their own zones; Avatica's driver converts for them.
   */
  static void serveInUtc() {
    String host = java.util.TimeZone.getDefault().getID();
    java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("UTC"));
    System.setProperty("user.timezone", "UTC");
    if (!host.equals("UTC")) {
      org.slf4j.LoggerFactory.getLogger(Main.class).info("The server runs in UTC (the host's"
          + " zone is {}); dates and times keep the values the backends hold", host);
    }
  }

  /** Runs a command and returns the process exit code. */
  public static int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h")
        || args.get(0).equals("help")) {
      out.println(USAGE);
      return args.isEmpty() ? 2 : 0;
    }
    String command = args.get(0);
    List<String> rest = args.subList(1, args.size());
    String usage = command.equals("serve") ? SERVE_USAGE
        : command.equals("query") ? QUERY_USAGE : command.equals("sql") ? SQL_USAGE
        : command.equals("workload") ? WORKLOAD_USAGE
        : command.equals("calibrate") ? CALIBRATE_USAGE : null;
    if (usage == null) {
      err.println("meridian: unknown command '" + command + "'\n\n" + USAGE);
      return 2;
    }
    try {
      switch (command) {
      case "serve":
        return serve(new Arguments(rest,
            Set.of("config", "port", "host", "data-dir", "demo-scale")), out, usage);
      case "query":
        return query(new Arguments(rest, clientOptions("max-rows")), out, err, usage);
      case "workload":
        return workload(new Arguments(rest, clientOptions("top")), out, err, usage);
      case "calibrate":
        return calibrate(new Arguments(rest, clientOptions(), Set.of("from-workload")), out, err,
            usage);
      default:
        return sql(new Arguments(rest, clientOptions()), out, usage);
      }
    } catch (Arguments.UsageException e) {
      err.println("meridian " + command + ": " + e.getMessage() + "\n\n" + usage);
      return 2;
    }
  }

  private static int serve(Arguments a, PrintStream out, String usage) {
    if (a.help()) {
      out.println(usage);
      return 0;
    }
    if (!a.positional().isEmpty()) {
      throw new Arguments.UsageException("unexpected argument '" + a.positional().get(0) + "'");
    }
    Logger log = LoggerFactory.getLogger(Main.class);
    DemoEnvironment demo = null;
    MeridianServer server = null;
    try {
      MeridianConfig config;
      if (a.option("config").isPresent()) {
        config = new ConfigurationManager().load(Path.of(a.option("config").get()));
        if (a.option("data-dir").isPresent()) {
          config = config.withDataDir(Path.of(a.option("data-dir").get()).toAbsolutePath());
        }
      } else {
        Path dataDir = Path.of(a.option("data-dir").orElse("data")).toAbsolutePath();
        demo = DemoEnvironment.start(dataDir, a.doubleOption("demo-scale", 0.1));
        config = demo.config("127.0.0.1", MeridianConfig.DEFAULT_PORT, dataDir);
      }
      if (a.option("port").isPresent()) {
        config = config.withPort(a.intOption("port", config.port()));
      }
      if (a.option("host").isPresent()) {
        config = config.withHost(a.option("host").get());
      }
      server = MeridianServer.start(config);
    } catch (ConfigException | io.meridian.adapter.CatalogConfigException e) {
      log.error("Configuration error: {}", e.getMessage());
      closeQuietly(demo);
      return 1;
    } catch (java.io.IOException e) {
      log.error("Meridian could not start: {}", e.getMessage());
      closeQuietly(server);
      closeQuietly(demo);
      return 1;
    } catch (Exception e) {
      log.error("Meridian could not start: {}", e.toString(), e);
      closeQuietly(server);
      closeQuietly(demo);
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    final MeridianServer running = server;
    final DemoEnvironment runningDemo = demo;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("Shutting down");
      closeQuietly(running);
      closeQuietly(runningDemo);
      stopped.countDown();
    }, "meridian-shutdown"));
    out.println("Meridian ready: " + server.jdbcUrl());
    out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static int query(Arguments a, PrintStream out, PrintStream err, String usage) {
    if (a.help()) {
      out.println(usage);
      return 0;
    }
    if (a.positional().size() != 1) {
      throw new Arguments.UsageException("expected exactly one SQL statement (quote it)");
    }
    String url = a.option("url").orElse(DEFAULT_URL);
    try (Connection c = connect(a, url);
         Statement s = c.createStatement()) {
      if (s.execute(a.positional().get(0))) {
        try (ResultSet rs = s.getResultSet()) {
          TablePrinter.print(rs, out, a.intOption("max-rows", 10_000));
        }
      } else {
        out.println("(" + s.getUpdateCount() + " rows affected)");
      }
      return 0;
    } catch (SQLException | RuntimeException e) {
      return clientFailure(e, url, err);
    }
  }

  private static int calibrate(Arguments a, PrintStream out, PrintStream err, String usage) {
    if (a.help()) {
      out.println(usage);
      return 0;
    }
    if (!a.positional().isEmpty()) {
      throw new Arguments.UsageException("unexpected argument '" + a.positional().get(0) + "'");
    }
    String url = a.option("url").orElse(DEFAULT_URL);
    boolean fromWorkload = a.flag("from-workload");
    try (Connection c = connect(a, url);
         Statement s = c.createStatement()) {
      out.println(fromWorkload ? "Fitting the cost model to the workload log..."
          : "Running the calibration workload (a minute or less at the demo's scale)...");
      out.flush();
      s.execute(fromWorkload ? "CALIBRATE FROM WORKLOAD" : "CALIBRATE");
      try (ResultSet rs = s.executeQuery("SELECT version, coefficient, family,"
          + " round(previous, 4) AS previous, round(value, 4) AS value, samples, note"
          + " FROM meridian.system.cost_coefficients ORDER BY family, coefficient")) {
        TablePrinter.print(rs, out, 1000);
      }
      return 0;
    } catch (SQLException | RuntimeException e) {
      return clientFailure(e, url, err);
    }
  }

  private static int workload(Arguments a, PrintStream out, PrintStream err, String usage) {
    if (a.help()) {
      out.println(usage);
      return 0;
    }
    String url = a.option("url").orElse(DEFAULT_URL);
    int top = a.intOption("top", 10);
    try (Connection c = connect(a, url)) {
      for (WorkloadAnalyzer.Section section : WorkloadAnalyzer.SECTIONS) {
        out.println("== " + section.title());
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(String.format(Locale.ROOT, section.sql(), top))) {
          TablePrinter.print(rs, out, top);
        }
        out.println();
      }
      out.println("== Recommendations");
      List<String> recommendations = WorkloadAnalyzer.recommendations(c);
      if (recommendations.isEmpty()) {
        out.println("(none: no table is read across engines by at least three statements"
            + " to join with a larger one, with a time to save)");
      }
      recommendations.forEach(r -> out.println("- " + r));
      return 0;
    } catch (SQLException | RuntimeException e) {
      return clientFailure(e, url, err);
    }
  }

  /** The options of a client command: how to connect, and {@code more}. */
  private static Set<String> clientOptions(String... more) {
    Set<String> options = new java.util.HashSet<>(Set.of("url", "user", "truststore"));
    options.addAll(List.of(more));
    return options;
  }

  /**
   * Opens a client command's connection through Meridian's driver (whose refusals and
   * unreachable servers are SQL errors): with {@code --user}, HTTP BASIC with the password from
   * the environment variable {@code MERIDIAN_PASSWORD} (or asked on the console; never an
   * option, which other users of the machine could read in the process list); with
   * {@code --truststore}, that keystore's certificates trusted for https.
   */
  private static Connection connect(Arguments a, String url) throws SQLException {
    // Avatica's remote URLs are taken as they are, for Meridian's driver.
    return DriverManager.getConnection(io.meridian.jdbc.MeridianClientDriver.urlFor(url),
        clientProperties(a));
  }

  private static java.util.Properties clientProperties(Arguments a) {
    java.util.Properties p = new java.util.Properties();
    a.option("user").ifPresent(user -> {
      String password = System.getenv("MERIDIAN_PASSWORD");
      if (password == null && System.console() != null) {
        char[] typed = System.console().readPassword("Password for %s: ", user);
        password = typed == null ? "" : new String(typed);
      }
      if (password == null) {
        throw new Arguments.UsageException("--user needs the password in the environment"
            + " variable MERIDIAN_PASSWORD (there is no console to ask for it)");
      }
      p.setProperty("authentication", "BASIC");
      p.setProperty("avatica_user", user);
      p.setProperty("avatica_password", password);
    });
    a.option("truststore").ifPresent(file -> {
      p.setProperty("truststore", file);
      String password = System.getenv("MERIDIAN_TRUSTSTORE_PASSWORD");
      if (password != null) {
        p.setProperty("truststore_password", password);
      }
    });
    return p;
  }

  /**
   * Prints a client command's failure: the server's error, or that the server cannot be
   * reached (the Avatica driver reports that as an unchecked exception). Returns exit code 1.
   */
  private static int clientFailure(Exception e, String url, PrintStream err) {
    if (e instanceof SQLException && "08001".equals(((SQLException) e).getSQLState())
        && String.valueOf(e.getMessage()).startsWith("cannot reach the Meridian server")) {
      err.println("Error: " + e.getMessage() + "; URL: " + url);
    } else if (e instanceof SQLException) {
      err.println("Error: " + ErrorMessages.clientMessage((SQLException) e));
    } else {
      err.println("Error: cannot reach the Meridian server ("
          + Throwables.getRootCause(e).getMessage()
          + "); is './meridian serve' running? URL: " + url);
    }
    return 1;
  }

  private static int sql(Arguments a, PrintStream out, String usage) {
    if (a.help()) {
      out.println(usage);
      return 0;
    }
    StringBuilder url = new StringBuilder(io.meridian.jdbc.MeridianClientDriver.urlFor(
        a.option("url").orElse(DEFAULT_URL)));
    // sqlline takes a URL; the credentials stay inside this process.
    clientProperties(a).forEach((k, v) -> url.append(';').append(k).append('=').append(v));
    List<String> args = new ArrayList<>(List.of(
        "-u", url.toString(),
        "-n", "", "-p", "",
        "-d", io.meridian.jdbc.MeridianClientDriver.class.getName(),
        "--isolation=TRANSACTION_NONE"));
    try {
      sqlline.SqlLine.main(args.toArray(new String[0]));
      return 0;
    } catch (java.io.IOException e) {
      out.println("sqlline failed: " + e);
      return 1;
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        // shutting down anyway
      }
    }
  }
}
