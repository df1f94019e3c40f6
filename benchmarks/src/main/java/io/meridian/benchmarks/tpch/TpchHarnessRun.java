package io.meridian.benchmarks.tpch;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Runs the harness from code (tests) and returns each system's status per query. */
public final class TpchHarnessRun {
  private TpchHarnessRun() {
  }

  /** Runs the harness with these command-line options; system → query → status. */
  public static Map<String, Map<Integer, String>> statuses(String... args) throws Exception {
    HarnessResults results = TpchHarness.run(TpchHarness.Options.parse(args));
    Map<String, Map<Integer, String>> out = new LinkedHashMap<>();
    for (HarnessResults.SystemRun s : results.systems()) {
      Map<Integer, String> byQuery = new TreeMap<>();
      s.queries().forEach(q -> byQuery.put(q.query(), q.status()));
      out.put(s.name(), byQuery);
    }
    return out;
  }
}
