package io.meridian.planner.rel;

import io.meridian.adapter.jdbc.BackendFailures;
import io.meridian.cost.EngineCoefficients;
import io.meridian.planner.workload.FragmentCounters;

import org.apache.calcite.adapter.enumerable.EnumerableRelImplementor;
import org.apache.calcite.adapter.jdbc.JdbcConvention;
import org.apache.calcite.adapter.jdbc.JdbcToEnumerableConverter;
import org.apache.calcite.linq4j.tree.BlockStatement;
import org.apache.calcite.linq4j.tree.ConstantExpression;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.linq4j.tree.GotoStatement;
import org.apache.calcite.linq4j.tree.MethodCallExpression;
import org.apache.calcite.linq4j.tree.Shuttle;
import org.apache.calcite.linq4j.tree.Statement;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.runtime.Hook;
import org.apache.calcite.schema.Schemas;
import org.apache.calcite.sql.SqlDialect;

import java.util.List;

/**
 * Moves the rows of a backend fragment into the JVM: one SQL statement sent to the backend, its
 * result read over JDBC. Its cost is the cost of moving those rows ({@code planner.backend-row}
 * per row, from the cost model), so that the planner keeps work inside a backend whenever that
 * moves fewer rows (Calcite's own converter costs a tenth of a row each, which lets an in-JVM
 * join of two whole tables look cheaper than the backend's join).
 */
public final class BackendToEnumerableConverter extends JdbcToEnumerableConverter {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(BackendToEnumerableConverter.class);
  private static final double TRANSFER_PER_ROW =
      EngineCoefficients.builtIn().get("planner.backend-row");

  public BackendToEnumerableConverter(RelOptCluster cluster, RelTraitSet traits, RelNode input) {
    super(cluster, traits, input);
  }

  @Override public RelNode copy(RelTraitSet traitSet, List<RelNode> inputs) {
    return new BackendToEnumerableConverter(getCluster(), traitSet, sole(inputs));
  }

  /**
   * Generates the code that runs the fragment, with the SQL written by
   * {@link BackendSqlImplementor} where it differs from Calcite's (semi- and anti-joins).
   */
  @Override public Result implement(EnumerableRelImplementor implementor, Prefer pref) {
    return namingFailures(implementFragment(implementor, pref));
  }

  /**
   * Wraps the fragment's rows so that a backend that goes away mid-statement fails it with a
   * message naming the catalog ({@link BackendFailures}), and counts them for the workload log
   * ({@link FragmentCounters}).
   */
  private Result namingFailures(Result result) {
    List<Statement> statements = result.block.statements;
    Statement last = statements.isEmpty() ? null : statements.get(statements.size() - 1);
    if (!(last instanceof GotoStatement) || ((GotoStatement) last).expression == null) {
      return result;
    }
    JdbcConvention convention = (JdbcConvention) getInput().getConvention();
    List<Statement> wrapped = new java.util.ArrayList<>(statements.subList(0,
        statements.size() - 1));
    wrapped.add(Expressions.return_(null, Expressions.call(FragmentCounters.class, "counted",
        Expressions.call(BackendFailures.class, "naming", ((GotoStatement) last).expression,
            Schemas.unwrap(convention.expression, javax.sql.DataSource.class)),
        Expressions.constant(getId()))));
    return new Result(Expressions.block(wrapped), result.physType, result.format);
  }

  private Result implementFragment(EnumerableRelImplementor implementor, Prefer pref) {
    if (getInput() instanceof BackendStatement) {
      return implementStatement(implementor, pref, (BackendStatement) getInput());
    }
    // Calcite's code generation announces the SQL it writes; keep it rather than writing it
    // again.
    String[] calcite = new String[1];
    Result result;
    try (Hook.Closeable ignored = Hook.QUERY_PLAN.addThread((String s) -> calcite[0] = s)) {
      result = bindParameters(readValues(super.implement(implementor, pref)));
    }
    if (calcite[0] == null || !containsSemiOrAntiJoin(getInput())) {
      LOG.debug("SQL for {}: {}", getInput().getConvention(), calcite[0]);
      return result;
    }
    SqlDialect dialect = ((JdbcConvention) getInput().getConvention()).dialect;
    String ours = EngineSql.write(getInput(), dialect);
    if (ours == null) {
      // Correlated parameters are bound by position; keep Calcite's statement.
      return result;
    }
    LOG.debug("SQL for {}: {}", getInput().getConvention(), ours);
    return withSql(result, calcite[0], ours);
  }

  /**
   * Runs a statement as the user wrote it (in the backend's dialect). Calcite generates the
   * code that reads a result of this row type for a stand-in, an empty VALUES of the same row
   * type, whose SQL is then replaced by the statement's.
   */
  private Result implementStatement(EnumerableRelImplementor implementor, Prefer pref,
      BackendStatement statement) {
    RelNode standIn = new BackendStatement.StandIn(getCluster(), statement.getTraitSet(),
        getRowType());
    String[] standInSql = new String[1];
    Result result;
    try (Hook.Closeable ignored = Hook.QUERY_PLAN.addThread((String s) -> standInSql[0] = s)) {
      result = new BackendToEnumerableConverter(getCluster(), getTraitSet(), standIn)
          .implementFragment(implementor, pref);
    }
    if (standInSql[0] == null) {
      throw new IllegalStateException("no SQL generated for " + standIn);
    }
    LOG.debug("SQL for {}: {}", statement.getConvention(), statement.sql());
    return withSql(result, standInSql[0], statement.sql());
  }

  /** Returns the generated code with the SQL statement it sends replaced. */
  private static Result withSql(Result result, String generated, String sql) {
    BlockStatement block = (BlockStatement) result.block.accept(new Shuttle() {
      @Override public ConstantExpression visit(ConstantExpression constant) {
        return generated.equals(constant.value) ? Expressions.constant(sql) : constant;
      }
    });
    return new Result(block, result.physType, result.format);
  }

  /**
   * Replaces {@code resultSet.getObject(i)} of binary columns by {@link BackendValues#bytes}
   * and of text columns by {@link BackendValues#text}.
   */
  private Result readValues(Result result) {
    List<org.apache.calcite.rel.type.RelDataTypeField> fields = getRowType().getFieldList();
    boolean any = fields.stream().anyMatch(f -> reader(f.getType().getSqlTypeName()) != null);
    if (!any) {
      return result;
    }
    BlockStatement block = (BlockStatement) result.block.accept(new Shuttle() {
      @Override public Expression visit(MethodCallExpression call, Expression target,
          List<Expression> arguments) {
        Expression visited = super.visit(call, target, arguments);
        if (call.method.getName().equals("getObject")
            && java.sql.ResultSet.class.isAssignableFrom(call.method.getDeclaringClass())
            && arguments.size() == 1 && arguments.get(0) instanceof ConstantExpression
            && target != null) {
          Object index = ((ConstantExpression) arguments.get(0)).value;
          if (index instanceof Integer && (Integer) index >= 1 && (Integer) index <= fields.size()) {
            String reader = reader(fields.get((Integer) index - 1).getType().getSqlTypeName());
            if (reader != null) {
              return Expressions.call(BackendValues.class, reader, target, arguments.get(0));
            }
          }
        }
        return visited;
      }
    });
    return new Result(block, result.physType, result.format);
  }

  /**
   * Replaces Calcite's binder of the fragment's parameters by {@link BackendValues#enricher},
   * which passes dates and times as such rather than as Calcite's internal numbers.
   */
  private Result bindParameters(Result result) {
    java.util.Map<Integer, String> types = new java.util.HashMap<>();
    new org.apache.calcite.rel.RelVisitor() {
      @Override public void visit(RelNode node, int ordinal,
          RelNode parent) {
        node.accept(new org.apache.calcite.rex.RexShuttle() {
          @Override public org.apache.calcite.rex.RexNode visitDynamicParam(
              org.apache.calcite.rex.RexDynamicParam param) {
            types.put(param.getIndex(), param.getType().getSqlTypeName().getName());
            return param;
          }
        });
        super.visit(node, ordinal, parent);
      }
    }.go(getInput());
    if (types.isEmpty()) {
      return result;
    }
    String[] byIndex = new String[java.util.Collections.max(types.keySet()) + 1];
    java.util.Arrays.fill(byIndex, "");
    types.forEach((index, type) -> byIndex[index] = type);
    java.lang.reflect.Method createEnricher =
        org.apache.calcite.util.BuiltInMethod.CREATE_ENRICHER.method;
    BlockStatement block = (BlockStatement) result.block.accept(new Shuttle() {
      @Override public Expression visit(MethodCallExpression call, Expression target,
          List<Expression> arguments) {
        if (call.method.equals(createEnricher) && arguments.size() == 2) {
          return Expressions.call(BackendValues.class, "enricher", arguments.get(0),
              arguments.get(1), Expressions.constant(byIndex, String[].class));
        }
        return super.visit(call, target, arguments);
      }
    });
    return new Result(block, result.physType, result.format);
  }

  private static @org.checkerframework.checker.nullness.qual.Nullable String reader(
      org.apache.calcite.sql.type.SqlTypeName name) {
    switch (name) {
    case BINARY:
    case VARBINARY:
      return "bytes";
    case CHAR:
    case VARCHAR:
      return "text";
    default:
      return null;
    }
  }

  private static boolean containsSemiOrAntiJoin(RelNode rel) {
    if (rel instanceof Join) {
      JoinRelType type = ((Join) rel).getJoinType();
      if (type == JoinRelType.SEMI || type == JoinRelType.ANTI) {
        return true;
      }
    }
    for (RelNode input : rel.getInputs()) {
      if (containsSemiOrAntiJoin(input)) {
        return true;
      }
    }
    return false;
  }

  @Override public RelOptCost computeSelfCost(RelOptPlanner planner, RelMetadataQuery mq) {
    double rows = mq.getRowCount(getInput());
    double fields = getRowType().getFieldCount();
    // Rows dominate; wide rows cost a little more to move than narrow ones.
    double cost = rows * TRANSFER_PER_ROW * (1 + fields / 32.0);
    // Volcano compares costs by their row component alone. Putting the transfer there too
    // makes join placement follow Calcite's join cardinality guesses, which are far off
    // without distinct counts (orders JOIN lineitem estimated at 140x the lineitem side), so
    // for now the transfer is carried in the CPU component; see docs/architecture.md.
    return planner.getCostFactory().makeCost(rows, cost, 0);
  }
}
