package io.meridian.planner.rel;

import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.util.SqlString;

/** Writes a subplan as one SQL statement in an engine's dialect. */
public final class EngineSql {
  private EngineSql() {
  }

  /**
   * Returns the statement for a logical subplan whose leaves are scans of the engine's inputs.
   *
   * @throws RuntimeException if Calcite's SQL writer cannot express part of it, or the
   *     statement would need parameters bound
   */
  public static String write(RelNode logical, SqlDialect dialect) {
    SqlString sql = new BackendSqlImplementor(dialect,
        (JavaTypeFactory) logical.getCluster().getTypeFactory())
        .visitRoot(logical).asStatement().toSqlString(dialect);
    if (sql.getDynamicParameters() != null && !sql.getDynamicParameters().isEmpty()) {
      throw new IllegalArgumentException("the statement has parameters: " + sql.getSql());
    }
    return sql.getSql();
  }
}
