package io.meridian.server.workload;

import io.meridian.planner.workload.PlanSummary;

import java.time.Instant;
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
 * @param rows rows sent to the client
 * @param status {@code ok}, {@code error} or {@code cancelled}
 * @param sqlState the SQL state of a failure, else null
 * @param error the failure's message, else null
 * @param fragmentRows rows each fragment actually produced, by fragment id
 * @param complete whether every row was read (then the fragments' counts are whole, unless an
 *     operator of the plan stops early)
 */
public record StatementRecord(Instant startedAt, String user, String connectionId, String sql,
    PlanSummary plan, double firstFrameMs, double totalMs, long rows, String status,
    String sqlState, String error, Map<Integer, Long> fragmentRows, boolean complete) {

  /** Whether the fragments' counts may correct later estimates. */
  public boolean countsAreWhole() {
    return complete && status.equals("ok") && plan != null && !plan.limited();
  }
}
