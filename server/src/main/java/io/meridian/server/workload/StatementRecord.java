package io.meridian.server.workload;

import io.meridian.planner.workload.FragmentCounters;
import io.meridian.planner.workload.PlanSummary;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * One statement as the workload log records it.
 *
 * @param startedAt when the server received it
 * @param user the client's user name ({@code anonymous} when none was given)
 * @param connectionId the Avatica connection it ran on
 * @param sql the statement text
 * @param plan what the planner decided (null for statements that were not planned, e.g. DDL)
 * @param firstFrameMs time to the first frame of the result (or the update count)
 * @param totalMs time until the last row was fetched or the statement closed
 * @param busyMs of {@code totalMs}, the time the server spent on the statement (executing it
 *     and producing its frames; not the client's time between two fetches)
 * @param planMs of {@code busyMs}, the time spent planning it (zero when its plan was cached)
 * @param rows rows sent to the client
 * @param status {@code ok}, {@code error} or {@code cancelled}
 * @param sqlState the SQL state of a failure, else null
 * @param error the failure's message, else null
 * @param fragments what each fragment that ran did, by fragment id
 * @param complete whether every row was read (then the fragments' counts are whole, unless an
 *     operator of the plan stops early)
 */
public record StatementRecord(Instant startedAt, String user, String connectionId, String sql,
    PlanSummary plan, double firstFrameMs, double totalMs, double busyMs, double planMs,
    long rows, String status, String sqlState, String error, Map<Integer, FragmentRun> fragments,
    boolean complete) {

  /**
   * What one fragment did: the rows it produced for the statement (-1 when they are not its
   * rows as planned, e.g. a read narrowed by another input's keys), the rows it moved, and the
   * milliseconds spent in it.
   */
  public record FragmentRun(long rows, long movedRows, double ms) {
  }

  /**
   * The runs of a plan's fragments, and the rows counted between its JVM operators (as runs of
   * no time), from the counters of the statement's execution.
   */
  public static Map<Integer, FragmentRun> runs(PlanSummary plan, FragmentCounters counters) {
    Map<Integer, FragmentRun> runs = new HashMap<>();
    if (plan != null) {
      for (PlanSummary.Fragment f : plan.fragments()) {
        long nanos = counters.nanos(f.id());
        if (nanos >= 0) {
          runs.put(f.id(), new FragmentRun(counters.rows(f.id()), counters.movedRows(f.id()),
              nanos / 1e6));
        }
      }
      for (PlanSummary.Edge e : plan.jvmEdges()) {
        long rows = counters.rows(e.id());
        if (rows >= 0) {
          runs.putIfAbsent(e.id(), new FragmentRun(rows, rows, 0));
        }
      }
    }
    return runs;
  }

  /**
   * The rows the JVM's operators took in, and handed to the client: counted where the
   * statement's counters have them, else estimated; null where counts are not whole.
   */
  public Double jvmRows() {
    if (!countsAreWhole()) {
      return null;
    }
    double total = rows;
    for (PlanSummary.Edge e : plan.jvmEdges()) {
      FragmentRun run = fragments.get(e.id());
      total += run == null ? e.estimatedRows() : run.movedRows();
    }
    return total;
  }

  /** Whether the fragments' counts may correct later estimates. */
  public boolean countsAreWhole() {
    return complete && status.equals("ok") && plan != null && !plan.limited();
  }

  /**
   * The milliseconds the JVM's own operators took: the server's time less planning and the
   * fragments the JVM read (which include the engine's runs and what they read); null when
   * that cannot be told (the statement failed, was not read to its end, or a fragment the JVM
   * reads has no time).
   */
  public Double jvmMs() {
    if (!countsAreWhole()) {
      return null;
    }
    double ms = busyMs - planMs;
    for (PlanSummary.Fragment f : plan.fragments()) {
      if (f.parent() < 0) {
        FragmentRun run = fragments.get(f.id());
        if (run == null) {
          return null;
        }
        ms -= run.ms();
      }
    }
    return Math.max(0, ms);
  }

  /**
   * A fragment's own milliseconds: for the engine, its time less the time of the fragments it
   * reads (what remains is DuckDB's work); for others, all of its time. Null if it did not run.
   */
  public Double selfMs(PlanSummary.Fragment fragment) {
    FragmentRun run = fragments.get(fragment.id());
    if (run == null) {
      return null;
    }
    double ms = run.ms();
    for (PlanSummary.Fragment child : plan.fragments()) {
      FragmentRun childRun = fragments.get(child.id());
      if (child.parent() == fragment.id() && childRun != null) {
        ms -= childRun.ms();
      }
    }
    return Math.max(0, ms);
  }
}
