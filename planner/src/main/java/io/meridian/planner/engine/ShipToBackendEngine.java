package io.meridian.planner.engine;

import io.meridian.adapter.duckdb.DuckDbSqlDialect;
import io.meridian.adapter.jdbc.BackendConvention;
import io.meridian.cost.EngineCoefficients;
import io.meridian.planner.rel.EngineSql;

import org.apache.calcite.plan.Convention;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.dialect.PostgresqlSqlDialect;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The backend that holds a subplan's big input as the place to run the whole subplan: the
 * other inputs, small by the estimates, are read first and sent to it (the "ship the small side"
 * alternative), so the big input's rows never leave their backend; only
 * the subplan's result does ({@link BackendShipment} runs it).
 *
 * <p>It takes a subplan when every input is one backend fragment, the largest input's backend
 * is PostgreSQL or DuckDB-based (a DuckDB file, Parquet files), and every input of another
 * backend is estimated at no more than {@code ship.max-rows} rows. Its cost:
 * {@code ship.fixed}, plus per value of the small inputs {@code transfer.jdbc.value} (read into
 * the JVM) and {@code ship.value} (sent as a literal), plus per row the subplan's operators
 * take in, the backend's own {@code <backend>.row-cpu} ({@code postgres} or {@code duckdb}).
 */
public final class ShipToBackendEngine implements ProcessingEngine {
  private static final Logger LOG = LoggerFactory.getLogger(ShipToBackendEngine.class);

  /** The engine's name. */
  public static final String NAME = "backend";

  @Override public String name() {
    return NAME;
  }

  /** The convention of the largest input, if this engine can take the subplan; else null. */
  private static @Nullable BackendConvention target(EngineSubplan subplan,
      EngineCoefficients coefficients) {
    BackendConvention target = null;
    double largest = -1;
    for (int i = 0; i < subplan.leaves().size(); i++) {
      RelNode leaf = subplan.leaves().get(i);
      if (EngineSubplan.transferOf(leaf) == EngineInput.Source.JVM) {
        return null;
      }
      double values = subplan.values(i);
      if (values > largest) {
        largest = values;
        target = (BackendConvention) leaf.getInput(0).getConvention();
      }
    }
    if (target == null || rowCpuKey(target.dialect) == null) {
      return null;
    }
    double maxRows = coefficients.get("ship.max-rows");
    boolean shipsSomething = false;
    for (RelNode leaf : subplan.leaves()) {
      Convention convention = leaf.getInput(0).getConvention();
      if (convention != target) {
        if (EngineSubplan.rows(subplan.metadata(), leaf) > maxRows) {
          return null;
        }
        shipsSomething = true;
      }
    }
    return shipsSomething ? target : null;
  }

  /**
   * The coefficient of the backend's per-row cost, or null for a backend this cannot use (one
   * that is neither PostgreSQL nor DuckDB-based: their statements take the small inputs).
   */
  private static @Nullable String rowCpuKey(SqlDialect dialect) {
    return dialect instanceof DuckDbSqlDialect || dialect instanceof PostgresqlSqlDialect
        ? EngineSubplan.backendRowCpuKey(dialect) : null;
  }

  @Override public double cost(EngineSubplan subplan, EngineCoefficients coefficients) {
    BackendConvention target = target(subplan, coefficients);
    if (target == null) {
      return Double.POSITIVE_INFINITY;
    }
    double cost = coefficients.get("ship.fixed")
        + subplan.rowsIn() * coefficients.get(rowCpuKey(target.dialect));
    // Sent as Arrow to a DuckDB-based backend, as VALUES to another.
    double send = target.dialect instanceof DuckDbSqlDialect
        ? coefficients.get("transfer.arrow.value") : coefficients.get("ship.value");
    for (int i = 0; i < subplan.leaves().size(); i++) {
      RelNode leaf = subplan.leaves().get(i);
      if (leaf.getInput(0).getConvention() != target) {
        cost += subplan.values(i) * (send + (EngineSubplan.transferOf(leaf)
            == EngineInput.Source.BACKEND_ARROW ? coefficients.get("transfer.arrow.value")
            : coefficients.get("transfer.jdbc.value")));
      }
    }
    return cost;
  }

  @Override public @Nullable RelNode place(EngineSubplan subplan,
      EngineCoefficients coefficients, String decision, UnaryOperator<RelNode> placeInputs) {
    BackendConvention target = target(subplan, coefficients);
    if (target == null) {
      return null;
    }
    RelNode top = subplan.top();
    List<EngineInput> specs = new ArrayList<>();
    String sql;
    try {
      sql = EngineSql.write(DuckDbProcessingEngine.logicalInOrder(top, subplan.leafIndex()),
          target.dialect);
      if (sql == null) {
        return null;
      }
      for (int i = 0; i < subplan.leaves().size(); i++) {
        RelNode leaf = subplan.leaves().get(i);
        List<String> names = leaf.getRowType().getFieldNames();
        if (leaf.getInput(0).getConvention() == target) {
          String fragmentSql = DuckDbProcessingEngine.fragmentSql(leaf, target.dialect);
          if (fragmentSql == null) {
            return null;
          }
          specs.add(new EngineInput(EngineInput.Source.BACKEND_JDBC, fragmentSql,
              target.dialect, names, subplan.inputColumns().get(i), false, leaf.getId(), -1));
        } else {
          specs.add(new EngineInput(EngineInput.Source.JVM, "", target.dialect, names,
              subplan.inputColumns().get(i), false, leaf.getId(), -1));
        }
      }
      // Prepared in the backend over empty inputs: what it cannot run is declined here.
      BackendShipment.check(target.dataSource(), sql, specs);
    } catch (java.sql.SQLException | RuntimeException | AssertionError e) {
      LOG.debug("the backend declines the subplan: {}", e.getMessage());
      return null;
    }
    List<RelNode> inputs = new ArrayList<>();
    for (RelNode leaf : subplan.leaves()) {
      inputs.add(leaf.getInput(0).getConvention() == target ? leaf : placeInputs.apply(leaf));
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      order.add(i);
    }
    DuckDbEngine.Plan plan = new DuckDbEngine.Plan(sql, specs, List.of(), order,
        subplan.outputColumns());
    return subplan.execution(NAME, BackendShipment.class, plan, inputs, decision);
  }
}
