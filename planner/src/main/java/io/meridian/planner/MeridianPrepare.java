package io.meridian.planner;

import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.enumerable.EnumerableRules;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.logical.LogicalProject;
import org.apache.calcite.rel.rules.CoreRules;
import org.apache.calcite.interpreter.BindableConvention;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.plan.Convention;
import org.apache.calcite.plan.RelOptCostFactory;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.prepare.CalciteCatalogReader;
import org.apache.calcite.prepare.CalcitePrepareImpl;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelRoot;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.sql.SqlExplain;
import org.apache.calcite.sql.SqlExplainFormat;
import org.apache.calcite.sql.SqlExplainLevel;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.validate.SqlValidator;
import io.meridian.adapter.ThreadScoped;
import io.meridian.planner.rel.BackendStatement;
import io.meridian.planner.rel.BackendToEnumerableConverter;
import io.meridian.planner.workload.FragmentCounters;
import io.meridian.planner.workload.PlanSummary;
import org.apache.calcite.tools.Program;
import org.checkerframework.checker.nullness.qual.Nullable;

import com.google.common.collect.ImmutableList;

import org.apache.calcite.jdbc.CalciteSchema.LatticeEntry;

import java.lang.reflect.Type;
import java.util.List;
import java.util.Locale;

/**
 * How Meridian prepares a statement: Calcite's preparation with Meridian's planning program
 * ({@link FederatedPrograms}) and without the rules that enumerate join orders exhaustively.
 */
public class MeridianPrepare extends CalcitePrepareImpl {
  @Override public <T> CalciteSignature<T> prepareSql(
      org.apache.calcite.jdbc.CalcitePrepare.Context context, Query<T> query, Type elementType,
      long maxRowCount) {
    long start = System.nanoTime();
    SessionContext session = new SessionContext(context);
    CatalogSnapshots.refresh(session.getRootSchema());
    try (ThreadScoped.Scope observed =
             SessionSettings.of(session.getRootSchema()).observed().enter()) {
      return prepareInSession(session, query, elementType, maxRowCount);
    } finally {
      FragmentCounters.planned(System.nanoTime() - start);
    }
  }

  private <T> CalciteSignature<T> prepareInSession(SessionContext session, Query<T> query,
      Type elementType, long maxRowCount) {
    if (query.sql == null) {
      return used(prepareOrRetry(session, query, elementType, maxRowCount));
    }
    CalciteSignature<T> cached =
        PreparedStatementCache.get(session, query.sql, elementType, maxRowCount);
    if (cached != null) {
      return used(cached);
    }
    CalciteSignature<T> signature = prepareOrRetry(session, query, elementType, maxRowCount);
    PreparedStatementCache.put(session, query.sql, elementType, maxRowCount, signature);
    return used(signature);
  }

  private static <T> CalciteSignature<T> used(CalciteSignature<T> signature) {
    PlanSummary.used(signature);
    return signature;
  }

  private <T> CalciteSignature<T> prepareOrRetry(SessionContext session, Query<T> query,
      Type elementType, long maxRowCount) {
    CalciteSignature<T> signature;
    try {
      signature = super.prepareSql(session, query, elementType, maxRowCount);
    } catch (RuntimeException e) {
      PlanSummary.discardCaptured();
      if (!namesUnknownObject(e)) {
        throw e;
      }
      // The connection's list of tables may predate a table created directly in the backend:
      // list again and retry once. (Validation failed, so nothing was executed.)
      CatalogSnapshots.refreshAll(session.getRootSchema());
      signature = super.prepareSql(session, query, elementType, maxRowCount);
    }
    PlanSummary.attach(signature);
    return signature;
  }

  /** Whether validation failed because a table or schema was not found. */
  private static boolean namesUnknownObject(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.apache.calcite.sql.validate.SqlValidatorException) {
        String message = String.valueOf(t.getMessage());
        return message.startsWith("Object '") || message.startsWith("Table '");
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  @Override protected org.apache.calcite.sql2rel.SqlRexConvertletTable createConvertletTable() {
    return MeridianConvertletTable.INSTANCE;
  }

  /** Clusters whose metadata includes the backends' column statistics. */
  @Override protected RelOptCluster createCluster(RelOptPlanner planner, RexBuilder rexBuilder) {
    RelOptCluster cluster = super.createCluster(planner, rexBuilder);
    cluster.setMetadataProvider(io.meridian.planner.metadata.MeridianMetadata.PROVIDER);
    return cluster;
  }

  @Override protected RelOptPlanner createPlanner(
      org.apache.calcite.jdbc.CalcitePrepare.Context prepareContext,
      org.apache.calcite.plan.@Nullable Context externalContext, @Nullable RelOptCostFactory costFactory) {
    RelOptPlanner planner = super.createPlanner(prepareContext, externalContext, costFactory);
    for (RelOptRule rule : FederatedPrograms.EXHAUSTIVE_JOIN_RULES) {
      planner.removeRule(rule);
    }
    // Every Meridian table is a backend table: writes go to the backend as SQL (JDBC table
    // modify). Calcite's in-memory table modify would call getModifiableCollection(), which
    // backend tables do not have.
    planner.removeRule(EnumerableRules.ENUMERABLE_TABLE_MODIFICATION_RULE);
    // Lake tables (Iceberg) take appended rows through their own writer.
    planner.addRule(io.meridian.planner.rules.LakeInsertRule.INSTANCE);
    // Calcite's rule splits any project with a window function into a LogicalWindow that keeps
    // the project's convention, and Volcano then rejects a "LogicalWindow in JDBC convention"
    // with an AssertionError. Split only logical projects; a backend project keeps its
    // OVER (...) and the backend runs the window function.
    planner.removeRule(CoreRules.PROJECT_TO_LOGICAL_PROJECT_AND_WINDOW);
    planner.addRule(CoreRules.PROJECT_TO_LOGICAL_PROJECT_AND_WINDOW.config
        .withOperandSupplier(b -> b.operand(LogicalProject.class)
            .predicate(Project::containsOver).anyInputs())
        .withDescription("ProjectToLogicalProjectAndWindowRule:logical")
        .toRule());
    return planner;
  }

  @Override protected CalcitePreparingStmt getPreparingStmt(
      org.apache.calcite.jdbc.CalcitePrepare.Context context, Type elementType,
      CalciteCatalogReader catalogReader, RelOptPlanner planner) {
    JavaTypeFactory typeFactory = context.getTypeFactory();
    EnumerableRel.Prefer prefer = elementType == Object[].class
        ? EnumerableRel.Prefer.ARRAY : EnumerableRel.Prefer.CUSTOM;
    Convention resultConvention = enableBindable ? BindableConvention.INSTANCE
        : EnumerableConvention.INSTANCE;
    RelOptCluster cluster = createCluster(planner, new RexBuilder(typeFactory));
    return new CalcitePreparingStmt(this, context, catalogReader, typeFactory,
        context.getRootSchema(), prefer, cluster, resultConvention, createConvertletTable()) {
      /**
       * A query whose tables are all in one backend goes there as written
       * ({@link StatementTranslator}); any other statement is planned.
       */
      @Override public PreparedResult prepareSql(SqlNode sqlQuery, SqlNode sqlNodeOriginal,
          Class<?> runtimeContextClass, SqlValidator validator, boolean needsValidation) {
        SqlExplain explain = sqlQuery.getKind() == SqlKind.EXPLAIN ? (SqlExplain) sqlQuery : null;
        SqlNode query = explain != null ? explain.getExplicandum() : sqlQuery;
        if (!query.getKind().belongsTo(SqlKind.QUERY)
            || explain != null && explain.getDepth() != SqlExplain.Depth.PHYSICAL) {
          return super.prepareSql(sqlQuery, sqlNodeOriginal, runtimeContextClass, validator,
              needsValidation);
        }
        init(runtimeContextClass);
        PlacementEngine.forgetDecisions();
        SqlNode validated = needsValidation ? validator.validate(query) : query;
        StatementTranslator.Translation translation =
            StatementTranslator.translate(validated, validator, context.getRootSchema());
        if (translation == null) {
          if (explain != null) {
            explain.setOperand(0, validated);
          }
          return super.prepareSql(explain != null ? explain : validated, sqlNodeOriginal,
              runtimeContextClass, validator, false);
        }
        RelDataType resultType = validator.getValidatedNodeType(validated);
        fieldOrigins = validator.getFieldOrigins(validated);
        parameterRowType = validator.getParameterRowType(validated);
        RelNode leaf = new BackendStatement(cluster,
            cluster.traitSetOf(translation.catalog().convention()), resultType,
            translation.statement());
        RelNode top = new BackendToEnumerableConverter(cluster,
            cluster.traitSetOf(EnumerableConvention.INSTANCE), leaf);
        RelRoot root = RelRoot.of(top, resultType, SqlKind.SELECT);
        if (explain != null) {
          return createPreparedExplanation(null, parameterRowType, root, explain.getFormat(),
              explain.getDetailLevel());
        }
        return implement(root.withKind(sqlNodeOriginal.getKind()));
      }

      /**
       * The plan as Calcite writes it, followed (in text form) by a line for each subplan
       * another engine could have taken that stayed in the JVM, with every engine's cost.
       */
      @Override protected PreparedResult createPreparedExplanation(
          @Nullable RelDataType resultType, RelDataType parameterRowType,
          @Nullable RelRoot root, SqlExplainFormat format, SqlExplainLevel detailLevel) {
        List<String> kept = format == SqlExplainFormat.TEXT ? PlacementEngine.keptInJvm()
            : List.of();
        return new org.apache.calcite.prepare.Prepare.PreparedExplain(resultType,
            parameterRowType, root, format, detailLevel) {
          @Override public String getCode() {
            StringBuilder code = new StringBuilder(super.getCode());
            for (String decision : kept) {
              code.append("-- placement: ").append(decision).append('\n');
            }
            return code.toString();
          }

          @Override public org.apache.calcite.runtime.Bindable getBindable(
              org.apache.calcite.avatica.Meta.CursorFactory cursorFactory) {
            String explanation = getCode();
            return dataContext ->
                cursorFactory.style == org.apache.calcite.avatica.Meta.Style.ARRAY
                    ? org.apache.calcite.linq4j.Linq4j.singletonEnumerable(
                        new String[] {explanation})
                    : org.apache.calcite.linq4j.Linq4j.singletonEnumerable(explanation);
          }
        };
      }

      /** Keeps what the planner decided, for the workload log ({@link PlanSummary}). */
      @Override protected PreparedResult implement(RelRoot root) {
        RelRoot counted = root.kind.belongsTo(SqlKind.QUERY)
            ? root.withRel(PlanSummary.withRowCounters(root.rel)) : root;
        PlanSummary.capture(PlanSummary.of(counted.rel, SessionSettings
            .of(context.getMutableRootSchema()).placement().name().toLowerCase(Locale.ROOT)));
        return super.implement(counted);
      }

      @Override protected Program getProgram() {
        SessionSettings settings = SessionSettings.of(context.getMutableRootSchema());
        return org.apache.calcite.tools.Programs.sequence(settings.access().writeCheck(),
            FederatedPrograms.federated(settings.placement(), settings.reduce(),
                settings.preAggregate(), settings.coefficients()));
      }

      // Calcite walks every schema of every catalog looking for lattices and materializations
      // on each statement; Meridian has neither, and the walk would make a statement depend on
      // catalogs it does not read (and fail when one of them is down).
      @Override protected List<org.apache.calcite.prepare.Prepare.Materialization>
          getMaterializations() {
        return ImmutableList.of();
      }

      @Override protected List<LatticeEntry> getLattices() {
        return ImmutableList.of();
      }
    };
  }
}
