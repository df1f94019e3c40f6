package io.meridian.benchmarks.tpch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What one run of the federated TPC-H harness measured: the machine, the settings, and per
 * system under test the outcome of each query. Written as JSON (everything), CSV (one row per
 * system and query) and a Markdown summary; read back by {@link ResultCharts}.
 */
record HarnessResults(String startedAt, Map<String, String> machine, double scale,
    String layout, int warmups, int repetitions, long capSeconds, List<SystemRun> systems) {

  /** One system's runs: its version, how long it took to start, and its queries' outcomes. */
  record SystemRun(String name, String version, double startSeconds, List<QueryRun> queries,
      Map<Integer, Long> rowsMoved) {
    Optional<QueryRun> query(int n) {
      return queries.stream().filter(q -> q.query() == n).findFirst();
    }
  }

  /** How a query fared: {@code ok} (answer equals the oracle's), wrong, error or timeout. */
  record QueryRun(int query, String status, double medianMs, double minMs, double maxMs,
      List<Double> runsMs, long rows, String message) {
    boolean ok() {
      return status.equals("ok");
    }
  }

  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(dir.resolve("results.json").toFile(), this);
    StringBuilder csv = new StringBuilder(
        "system,version,scale,layout,query,status,median_ms,min_ms,max_ms,runs,rows,message\n");
    for (SystemRun s : systems) {
      for (QueryRun q : s.queries()) {
        csv.append(String.format(Locale.ROOT, "%s,%s,%s,%s,%d,%s,%.3f,%.3f,%.3f,%d,%d,\"%s\"%n",
            s.name(), s.version(), scale, layout, q.query(), q.status(), q.medianMs(),
            q.minMs(), q.maxMs(), q.runsMs().size(), q.rows(),
            q.message() == null ? "" : q.message().replace("\"", "\"\"").replace('\n', ' ')));
      }
    }
    Files.writeString(dir.resolve("results.csv"), csv);
    Files.writeString(dir.resolve("summary.md"), markdown());
  }

  static HarnessResults read(Path dir) throws IOException {
    return new ObjectMapper().readValue(dir.resolve("results.json").toFile(),
        HarnessResults.class);
  }

  /** The queries in the order they were run (those of the first system). */
  List<Integer> queryNumbers() {
    List<Integer> numbers = new ArrayList<>();
    systems.stream().findFirst()
        .ifPresent(s -> s.queries().forEach(q -> numbers.add(q.query())));
    return numbers;
  }

  /** A Markdown summary: a table of medians per query and system, totals and ratios. */
  String markdown() {
    StringBuilder md = new StringBuilder();
    md.append(String.format(Locale.ROOT,
        "TPC-H-derived, scale %s, layout `%s`, %s; median of %d timed runs after %d warm-up(s), "
            + "cap %d s per execution. Before its measured runs each system except plain Calcite"
            + " ran every query once untimed (a warm-up pass; the Meridian systems share one JVM,"
            + " so only the first of them).%n%n", scale, layout, startedAt, repetitions, warmups,
        capSeconds));
    md.append("Machine: ").append(machine.get("cpu")).append(", ")
        .append(machine.get("cores")).append(" cores, ").append(machine.get("memory"))
        .append(", ").append(machine.get("os")).append(", Java ").append(machine.get("java"))
        .append(".\n\n| q |");
    for (SystemRun s : systems) {
      md.append(' ').append(s.name()).append(" (ms) |");
    }
    md.append("\n|---|");
    md.append("---:|".repeat(systems.size()));
    md.append('\n');
    for (int n : queryNumbers()) {
      md.append(String.format(Locale.ROOT, "| q%02d |", n));
      for (SystemRun s : systems) {
        md.append(' ').append(s.query(n).map(HarnessResults::cell).orElse("")).append(" |");
      }
      md.append('\n');
    }
    md.append("| **total** |");
    for (SystemRun s : systems) {
      long ok = s.queries().stream().filter(QueryRun::ok).count();
      double total = s.queries().stream().filter(QueryRun::ok)
          .mapToDouble(QueryRun::medianMs).sum();
      md.append(String.format(Locale.ROOT, " **%.2f s** (%d/%d) |", total / 1000, ok,
          s.queries().size()));
    }
    md.append("\n\n| system | version | start (s) | queries answered | geomean ratio to ");
    SystemRun reference = reference();
    md.append(reference == null ? "-" : reference.name())
        .append(" (over queries both answered) |\n|---|---|---:|---:|---:|\n");
    for (SystemRun s : systems) {
      md.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %d/%d | %s |%n", s.name(),
          s.version(), s.startSeconds(), s.queries().stream().filter(QueryRun::ok).count(),
          s.queries().size(),
          reference == null ? "-" : String.format(Locale.ROOT, "%.2f", geomeanRatio(s, reference))));
    }
    md.append(rowsMovedTable());
    md.append(placementRegret());
    return md.toString();
  }

  /**
   * Rows moved between engines per query and execution, for the systems that tell (Meridian,
   * from its workload log); empty if none does.
   */
  String rowsMovedTable() {
    List<SystemRun> telling = systems.stream()
        .filter(s -> s.rowsMoved() != null && !s.rowsMoved().isEmpty()).toList();
    if (telling.isEmpty()) {
      return "";
    }
    StringBuilder md = new StringBuilder("\nRows moved between engines per execution (backend"
        + " rows read into the JVM or shipped into the engine, and the engine's result read"
        + " into the JVM; median over the executions):\n\n| q |");
    telling.forEach(s -> md.append(' ').append(s.name()).append(" |"));
    md.append("\n|---|").append("---:|".repeat(telling.size())).append('\n');
    for (int n : queryNumbers()) {
      md.append(String.format(Locale.ROOT, "| q%02d |", n));
      for (SystemRun s : telling) {
        Long rows = s.rowsMoved().get(n);
        md.append(' ').append(rows == null ? "" : String.format(Locale.ROOT, "%,d", rows))
            .append(" |");
      }
      md.append('\n');
    }
    md.append("| **total** |");
    for (SystemRun s : telling) {
      md.append(String.format(Locale.ROOT, " **%,d** |",
          s.rowsMoved().values().stream().mapToLong(Long::longValue).sum()));
    }
    return md.append('\n').toString();
  }

  /**
   * Placement regret: per query, Meridian's time with the placement it chose over the best of
   * its times (chosen and each forced placement that ran), as a geometric mean and the worst;
   * empty unless Meridian and a forced placement both ran.
   */
  String placementRegret() {
    Optional<SystemRun> chosen = systems.stream().filter(s -> s.name().equals("meridian"))
        .findFirst();
    List<SystemRun> forced = systems.stream()
        .filter(s -> s.name().startsWith("meridian-")).toList();
    if (chosen.isEmpty() || forced.isEmpty()) {
      return "";
    }
    double logSum = 0;
    int n = 0;
    double worst = 0;
    int worstQuery = 0;
    for (QueryRun q : chosen.get().queries()) {
      if (!q.ok()) {
        continue;
      }
      double best = q.medianMs();
      for (SystemRun f : forced) {
        Optional<QueryRun> other = f.query(q.query()).filter(QueryRun::ok);
        if (other.isPresent()) {
          best = Math.min(best, other.get().medianMs());
        }
      }
      double regret = q.medianMs() / best;
      logSum += Math.log(regret);
      n++;
      if (regret > worst) {
        worst = regret;
        worstQuery = q.query();
      }
    }
    return n == 0 ? "" : String.format(Locale.ROOT, "%nPlacement regret (the chosen placement's"
        + " time over the best of it and the forced ones, per query): geometric mean %.2f,"
        + " worst %.2f (q%02d), over %d queries.%n", Math.exp(logSum / n), worst, worstQuery, n);
  }

  /** The system the others are compared with: Meridian with its chosen plans, if it ran. */
  SystemRun reference() {
    return systems.stream().filter(s -> s.name().equals("meridian")).findFirst()
        .orElse(systems.isEmpty() ? null : systems.get(0));
  }

  /** Geometric mean of {@code s / reference} over the queries both answered. */
  static double geomeanRatio(SystemRun s, SystemRun reference) {
    double logSum = 0;
    int n = 0;
    for (QueryRun q : s.queries()) {
      Optional<QueryRun> r = reference.query(q.query());
      if (q.ok() && r.isPresent() && r.get().ok() && q.medianMs() > 0
          && r.get().medianMs() > 0) {
        logSum += Math.log(q.medianMs() / r.get().medianMs());
        n++;
      }
    }
    return n == 0 ? Double.NaN : Math.exp(logSum / n);
  }

  private static String cell(QueryRun q) {
    switch (q.status()) {
    case "ok":
      return q.medianMs() >= 100 ? String.format(Locale.ROOT, "%.0f", q.medianMs())
          : String.format(Locale.ROOT, "%.1f", q.medianMs());
    case "timeout":
      return "timeout";
    default:
      return q.status();
    }
  }
}
