package io.meridian.planner.rel;

import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.util.SqlString;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Writes a subplan as one SQL statement in a dialect (a backend's, or the DuckDB engine's), with
 * Meridian's semi- and anti-join writing ({@link BackendSqlImplementor}).
 */
public final class EngineSql {
  private EngineSql() {
  }

  /**
   * Returns the statement for a subplan (a backend fragment, or a logical subplan whose leaves
   * are scans of an engine's inputs), or null if the statement would need parameters bound by
   * position (correlation variables, {@code ?}).
   *
   * @throws RuntimeException if Calcite's SQL writer cannot express part of it
   */
  public static @Nullable String write(RelNode subplan, SqlDialect dialect) {
    SqlString sql = new BackendSqlImplementor(dialect,
        (JavaTypeFactory) subplan.getCluster().getTypeFactory())
        .visitRoot(subplan).asStatement().toSqlString(dialect);
    if (sql.getDynamicParameters() != null && !sql.getDynamicParameters().isEmpty()) {
      return null;
    }
    return sql.getSql();
  }
}
