package io.meridian.benchmarks.tpch;

import io.meridian.benchmarks.Drain;
import io.meridian.benchmarks.tpch.HarnessResults.QueryRun;
import io.meridian.benchmarks.tpch.HarnessResults.SystemRun;
import io.meridian.server.demo.DemoEnvironment;
import io.meridian.server.testing.Rows;
import io.meridian.server.testing.TpchQueries;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The federated TPC-H harness: loads a layout's data into its engines, then runs the 22 queries
 * on several systems under test in one run (Meridian with its chosen plans and each forced
 * placement, plain Calcite, Trino, and all data co-located in one DuckDB), checks each system's
 * answer against the co-located DuckDB oracle before any of its times count, caps each
 * execution, and writes {@code results.json}, {@code results.csv}, {@code summary.md} and PNG
 * charts into the output directory.
 *
 * <p>Run: {@code ./meridian bench tpch --scale 1 --out DIR} (see {@link Options#USAGE}).
 */
public final class TpchHarness {
  private static final Logger LOG = LoggerFactory.getLogger(TpchHarness.class);

  /**
   * Relative tolerance of the answer check for decimals: engines differ in how they round an
   * average of a DECIMAL (Calcite and Trino keep the column's scale), as the TPC-H answer
   * checks allow ({@code ../shared/tpch/README.md}: about 1e-2).
   */
  static final double ANSWER_TOLERANCE = 1e-2;

  /** Every system the harness knows, in the order it runs them by default. */
  static final List<String> ALL_SYSTEMS = List.of("duckdb-colocated", "meridian",
      "meridian-duckdb", "meridian-jvm", "meridian-backend", "meridian-noreduce",
      "meridian-nopreagg", "trino", "calcite");

  /** The harness's settings, from the command line. */
  record Options(double scale, String layout, List<String> systems, List<Integer> queries,
      int warmups, int repetitions, long capSeconds, long singleRunAboveSeconds, Path dataDir,
      Path workDir, Path out, boolean analyze) {
    static final String USAGE = String.join("\n",
        "Usage: meridian bench tpch [options]",
        "  --scale S            TPC-H scale factor (default 1)",
        "  --layout NAME        where the tables live (default demo):",
        "                       demo: " + HarnessLayout.KNOWN.get("demo"),
        "                       clickhouse: " + HarnessLayout.KNOWN.get("clickhouse"),
        "  --systems A,B,...    of " + String.join(", ", ALL_SYSTEMS) + " (default: all)",
        "  --queries 1,6,9-12   which of the 22 (default all)",
        "  --warmups N          untimed runs before the timed ones; the first run of each",
        "                       query is checked against the oracle and counts as one (default 1)",
        "  --repetitions N      timed runs; the median is reported (default 3)",
        "  --cap SECONDS        per execution; a query over it is cancelled (default 300)",
        "  --single-run-above SECONDS  a query whose checked run took longer is not repeated;",
        "                       that run is its measurement (default 30)",
        "  --data-dir DIR       the layout's data, generated on first use (default data)",
        "  --work-dir DIR       Trino's installation and other systems' files (default",
        "                       <data-dir>/bench)",
        "  --out DIR            results.json, results.csv, summary.md and charts",
        "                       (default bench-results)",
        "  --analyze yes|no     Meridian runs ANALYZE on the Parquet table after starting, as",
        "                       Trino's setup does on its copy (default yes)");

    static Options parse(String... args) {
      Map<String, String> values = new HashMap<>();
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (!arg.startsWith("--") || i + 1 >= args.length) {
          throw new IllegalArgumentException("unexpected argument '" + arg + "'\n" + USAGE);
        }
        values.put(arg.substring(2), args[++i]);
      }
      Path dataDir = Path.of(values.getOrDefault("data-dir",
          System.getProperty("meridian.bench.data", "data"))).toAbsolutePath();
      List<String> systems = Arrays.asList(
          values.getOrDefault("systems", String.join(",", ALL_SYSTEMS)).split(","));
      for (String s : systems) {
        if (!ALL_SYSTEMS.contains(s)) {
          throw new IllegalArgumentException("unknown system '" + s + "'; known: "
              + String.join(", ", ALL_SYSTEMS));
        }
      }
      String layout = values.getOrDefault("layout", "demo");
      if (!HarnessLayout.KNOWN.containsKey(layout)) {
        throw new IllegalArgumentException("unknown layout '" + layout + "'; known: "
            + String.join(", ", HarnessLayout.KNOWN.keySet()));
      }
      Options o = new Options(Double.parseDouble(values.getOrDefault("scale", "1")), layout,
          systems, queries(values.getOrDefault("queries", "1-22")),
          Integer.parseInt(values.getOrDefault("warmups", "1")),
          Integer.parseInt(values.getOrDefault("repetitions", "3")),
          Long.parseLong(values.getOrDefault("cap", "300")),
          Long.parseLong(values.getOrDefault("single-run-above", "30")), dataDir,
          Path.of(values.getOrDefault("work-dir", dataDir.resolve("bench").toString()))
              .toAbsolutePath(),
          Path.of(values.getOrDefault("out", "bench-results")).toAbsolutePath(),
          yesOrNo(values.getOrDefault("analyze", "yes")));
      values.keySet().removeAll(List.of("scale", "layout", "systems", "queries", "warmups",
          "repetitions", "cap", "single-run-above", "data-dir", "work-dir", "out", "analyze"));
      if (!values.isEmpty()) {
        throw new IllegalArgumentException("unknown option --" + values.keySet().iterator().next()
            + "\n" + USAGE);
      }
      return o;
    }

    private static boolean yesOrNo(String value) {
      if (!value.equals("yes") && !value.equals("no")) {
        throw new IllegalArgumentException("--analyze is yes or no, got '" + value + "'");
      }
      return value.equals("yes");
    }

    private static List<Integer> queries(String spec) {
      List<Integer> out = new ArrayList<>();
      for (String part : spec.split(",")) {
        String[] range = part.split("-");
        int from = Integer.parseInt(range[0].trim());
        int to = range.length > 1 ? Integer.parseInt(range[1].trim()) : from;
        if (from < 1 || to > 22 || from > to) {
          throw new IllegalArgumentException("queries are 1..22, got '" + part + "'");
        }
        IntStream.rangeClosed(from, to).forEach(out::add);
      }
      return out;
    }
  }

  private final Options options;
  private final Map<Integer, Rows> expected = new HashMap<>();
  /** Whether a Meridian system has made its warm-up pass in this JVM. */
  private boolean harnessJvmWarm;
  private ExecutorService executor = newExecutor();

  private TpchHarness(Options options) {
    this.options = options;
  }

  public static void main(String[] args) throws Exception {
    if (Arrays.asList(args).contains("--help")) {
      System.out.println(Options.USAGE);
      return;
    }
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("meridian bench tpch: " + e.getMessage());
      System.exit(2);
      return;
    }
    HarnessResults results = run(options);
    System.out.println(results.markdown());
    System.out.println("Results in " + options.out());
  }

  /** Runs the harness and writes its results into {@code options.out()}. */
  static HarnessResults run(Options options) throws Exception {
    String startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    TpchHarness harness = new TpchHarness(options);
    List<SystemRun> runs = new ArrayList<>();
    LOG.info("TPC-H harness: scale {}, layout {}, systems {}, {} queries", options.scale(),
        options.layout(), options.systems(), options.queries().size());
    try (DemoEnvironment demo = DemoEnvironment.start(options.dataDir(), options.scale());
        HarnessLayout layout = HarnessLayout.open(options.layout(), demo, options.workDir());
        ColocatedDuckDb oracle = new ColocatedDuckDb(demo)) {
      for (int n : options.queries()) {
        try (Statement s = oracle.connection().createStatement();
            ResultSet rs = s.executeQuery(oracle.sql(n))) {
          harness.expected.put(n, Rows.read(rs));
        }
      }
      for (String name : options.systems()) {
        runs.add(harness.runSystem(name, layout));
      }
    } finally {
      harness.executor.shutdownNow();
    }
    HarnessResults results = new HarnessResults(startedAt, machine(), options.scale(),
        options.layout(), options.warmups(), options.repetitions(), options.capSeconds(), runs);
    results.write(options.out());
    ResultCharts.write(results, options.out());
    return results;
  }

  private SystemRun runSystem(String name, HarnessLayout layout) throws Exception {
    LOG.info("Starting {}", name);
    long start = System.nanoTime();
    List<QueryRun> queries = new ArrayList<>();
    try (SystemUnderTest system = open(name, layout)) {
      double startSeconds = (System.nanoTime() - start) / 1e9;
      LOG.info("{} {} ready in {} s", name, system.version(),
          String.format(Locale.ROOT, "%.1f", startSeconds));
      warmUpPass(system);
      int i = 0;
      for (int n : options.queries()) {
        QueryRun q = measure(system, n);
        queries.add(q);
        LOG.info("[{} {}/{}] q{}: {}", name, ++i, options.queries().size(), n,
            q.ok() ? String.format(Locale.ROOT, "%.1f ms (median of %d)", q.medianMs(),
                q.runsMs().size()) : q.status() + ": " + q.message());
      }
      Map<Integer, String> sqlByQuery = new HashMap<>();
      options.queries().forEach(n -> sqlByQuery.put(n, system.sql(n)));
      Map<Integer, Long> moved;
      try {
        moved = system.rowsMoved(sqlByQuery);
      } catch (Exception e) {
        LOG.warn("{}: rows moved not available: {}", name, e.toString());
        moved = Map.of();
      }
      return new SystemRun(name, system.version(), startSeconds, queries, moved);
    } catch (Exception e) {
      // A system that cannot start (e.g. Trino without Java 25) is reported, not fatal.
      LOG.error("{} failed: {}", name, e.toString());
      for (int n : options.queries()) {
        if (queries.stream().noneMatch(q -> q.query() == n)) {
          queries.add(new QueryRun(n, "error", 0, 0, 0, List.of(), 0,
              "system failed: " + e.getMessage()));
        }
      }
      return new SystemRun(name, "unavailable", (System.nanoTime() - start) / 1e9, queries,
          Map.of());
    }
  }

  private SystemUnderTest open(String name, HarnessLayout layout) throws Exception {
    switch (name) {
    case "duckdb-colocated":
      return new ColocatedDuckDb(layout.demo());
    case "meridian":
      return new MeridianSystem(layout, options.dataDir(), "auto", null, options.analyze());
    case "meridian-jvm":
      return new MeridianSystem(layout, options.dataDir(), "jvm", null, options.analyze());
    case "meridian-duckdb":
      return new MeridianSystem(layout, options.dataDir(), "duckdb", null, options.analyze());
    case "meridian-backend":
      return new MeridianSystem(layout, options.dataDir(), "backend", null, options.analyze());
    case "meridian-noreduce":
      return new MeridianSystem(layout, options.dataDir(), "auto", "reduction",
          options.analyze());
    case "meridian-nopreagg":
      return new MeridianSystem(layout, options.dataDir(), "auto", "preaggregation",
          options.analyze());
    case "trino":
      return TrinoSystem.start(layout, options.workDir().resolve("trino"));
    case "calcite":
      return new PlainCalcite(layout, options.workDir().resolve("calcite"));
    default:
      throw new IllegalArgumentException("unknown system " + name);
    }
  }

  /**
   * Runs every query once, untimed and unchecked, before a system's measured runs, so that no
   * system is timed while its JVM is still compiling its planner and executor: the one warm-up
   * run per query does not suffice for that (in one run at SF 0.1, q02 took 331 ms on the
   * Meridian system run first and 36.8 ms, same plan, on the one after it). The Meridian
   * systems share the harness's JVM, so only the first of them does the pass. Plain Calcite is left out: a pass
   * would take as long as its measured run, whose time is data movement, not compilation.
   */
  private void warmUpPass(SystemUnderTest system) throws Exception {
    boolean meridian = system instanceof MeridianSystem;
    if (system instanceof PlainCalcite || (meridian && harnessJvmWarm)) {
      return;
    }
    long start = System.nanoTime();
    for (int n : options.queries()) {
      Execution e = execute(system, system.sql(n), false);
      if (e.error() != null || e.timedOut()) {
        LOG.info("{}: warm-up pass, q{} {}", system.name(), n,
            e.timedOut() ? "over the cap" : "failed: " + e.error());
      }
    }
    harnessJvmWarm |= meridian;
    LOG.info("{}: warm-up pass over {} queries in {} s", system.name(), options.queries().size(),
        String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
  }

  /** The outcome of one execution. */
  private record Execution(double ms, long rows, Rows result, String error, boolean timedOut) {
  }

  private QueryRun measure(SystemUnderTest system, int n) throws Exception {
    String sql = system.sql(n);
    Execution checked = execute(system, sql, true);
    if (checked.timedOut()) {
      return new QueryRun(n, "timeout", 0, 0, 0, List.of(), 0,
          "over the cap of " + options.capSeconds() + " s");
    }
    if (checked.error() != null) {
      return new QueryRun(n, "error", 0, 0, 0, List.of(), 0, checked.error());
    }
    String difference = checked.result().differenceFrom(expected.get(n),
        TpchQueries.isOrdered(TpchQueries.query(n)), ANSWER_TOLERANCE);
    if (difference != null) {
      return new QueryRun(n, "wrong", 0, 0, 0, List.of(), checked.rows(),
          difference.length() > 500 ? difference.substring(0, 500) + "..." : difference);
    }
    List<Double> times = new ArrayList<>();
    if (checked.ms() > options.singleRunAboveSeconds() * 1000.0) {
      times.add(checked.ms());
    } else {
      for (int i = 1; i < options.warmups(); i++) {
        Execution e = execute(system, sql, false);
        if (e.error() != null || e.timedOut()) {
          return failed(n, e);
        }
      }
      for (int i = 0; i < options.repetitions(); i++) {
        Execution e = execute(system, sql, false);
        if (e.error() != null || e.timedOut()) {
          return failed(n, e);
        }
        times.add(e.ms());
      }
    }
    List<Double> sorted = times.stream().sorted().collect(Collectors.toList());
    double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
        : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
    return new QueryRun(n, "ok", median, sorted.get(0), sorted.get(sorted.size() - 1), times,
        checked.rows(), times.size() == 1 && options.repetitions() > 1
            ? "one run: the checked run exceeded " + options.singleRunAboveSeconds() + " s"
            : null);
  }

  private QueryRun failed(int n, Execution e) {
    return e.timedOut()
        ? new QueryRun(n, "timeout", 0, 0, 0, List.of(), 0,
            "a repetition overran the cap of " + options.capSeconds() + " s")
        : new QueryRun(n, "error", 0, 0, 0, List.of(), 0, e.error());
  }

  /**
   * Runs {@code sql} once, reading every value of every row (into {@link Rows} when
   * {@code keep}); cancels it at the cap, and has the system recover if it does not stop.
   */
  private Execution execute(SystemUnderTest system, String sql, boolean keep) throws Exception {
    AtomicReference<Statement> running = new AtomicReference<>();
    Future<Execution> future = executor.submit(() -> {
      long start = System.nanoTime();
      try (Statement s = system.connection().createStatement()) {
        running.set(s);
        try (ResultSet rs = s.executeQuery(sql)) {
          Rows rows = keep ? Rows.read(rs) : null;
          long count = keep ? rows.size() : Drain.rows(rs);
          return new Execution((System.nanoTime() - start) / 1e6, count, rows, null, false);
        }
      } catch (SQLException | RuntimeException e) {
        return new Execution(0, 0, null, describe(e), false);
      }
    });
    try {
      return future.get(options.capSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return new Execution(0, 0, null, describe(e.getCause()), false);
    } catch (TimeoutException e) {
      LOG.warn("{}: over the cap of {} s, cancelling", system.name(), options.capSeconds());
      Statement s = running.get();
      if (s != null) {
        // Cancel from another thread: a cancel can itself wait on the busy system.
        Thread cancel = new Thread(() -> {
          try {
            s.cancel();
          } catch (SQLException | RuntimeException ignored) {
            LOG.debug("cancel failed", ignored);
          }
        }, "tpch-harness-cancel");
        cancel.setDaemon(true);
        cancel.start();
      }
      try {
        future.get(15, TimeUnit.SECONDS);
      } catch (TimeoutException | ExecutionException stillRunning) {
        // The system did not stop the query: abandon the thread and have the system recover.
        executor.shutdownNow();
        executor = newExecutor();
        system.recover();
      }
      return new Execution(0, 0, null, null, true);
    }
  }

  private static ExecutorService newExecutor() {
    return Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "tpch-harness-query");
      t.setDaemon(true);
      return t;
    });
  }

  private static String describe(Throwable e) {
    // Keep both ends: drivers put the statement first and the backend's reason last.
    String m = String.valueOf(e.getMessage()).replaceAll("\\s+", " ");
    return e.getClass().getSimpleName() + ": "
        + (m.length() > 600 ? m.substring(0, 200) + " ... " + m.substring(m.length() - 400) : m);
  }

  /** What the results file says about the machine. */
  static Map<String, String> machine() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("cpu", firstMatching(Path.of("/proc/cpuinfo"), "model name"));
    m.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    String mem = firstMatching(Path.of("/proc/meminfo"), "MemTotal");
    try {
      mem = String.format(Locale.ROOT, "%.0f GiB",
          Long.parseLong(mem.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0);
    } catch (NumberFormatException e) {
      // keep the raw text
    }
    m.put("memory", mem);
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("java", System.getProperty("java.version"));
    m.put("maxHeap", (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
    return m;
  }

  private static String firstMatching(Path file, String key) {
    try {
      return Files.readAllLines(file).stream().filter(l -> l.startsWith(key))
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
