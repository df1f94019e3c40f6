package io.meridian.planner;

import io.meridian.adapter.jdbc.BackendCatalogSchema;
import io.meridian.adapter.jdbc.StatisticsJdbcTable;

import com.google.common.collect.ImmutableSet;

import org.apache.calcite.adapter.jdbc.JdbcTable;
import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.avatica.util.TimeUnit;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlDateLiteral;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.SqlDynamicParam;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlIntervalLiteral;
import org.apache.calcite.sql.SqlIntervalQualifier;
import org.apache.calcite.sql.SqlJoin;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlWindow;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.util.SqlBasicVisitor;
import org.apache.calcite.sql.util.SqlShuttle;
import org.apache.calcite.sql.validate.SqlValidator;
import org.apache.calcite.sql.validate.SqlValidatorNamespace;
import org.apache.calcite.util.DateString;
import org.apache.calcite.util.Util;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * The SQL-to-SQL fast path of placement: a query whose tables all live in one backend is sent
 * to that backend <em>as the user wrote it</em>, re-spelled in the backend's dialect, rather
 * than re-generated from Calcite's plan. The backend's optimizer then sees the original shape
 * (correlated sub-queries, {@code EXISTS}, the written join order), which it usually runs
 * better than the decorrelated plan, and Meridian's planning is parse and validate only.
 *
 * <p>The statement is translated from the validated parse tree: table names become the
 * backend's own names; Calcite's semantics that a backend spells differently are made explicit
 * (integer division; the position of NULLs in ORDER BY, which Meridian sorts as larger than any
 * value); constant date arithmetic is computed. Anything outside the constructs listed here
 * (a function the backend may lack, a table function, a sub-query a backend cannot run) makes
 * {@link #translate} return null, and the statement takes the plan-based path.
 */
final class StatementTranslator {
  private static final Logger LOG = LoggerFactory.getLogger(StatementTranslator.class);

  /** Operator kinds every supported backend spells the standard way. */
  private static final Set<SqlKind> PORTABLE = ImmutableSet.of(
      SqlKind.SELECT, SqlKind.JOIN, SqlKind.AS, SqlKind.ORDER_BY, SqlKind.DESCENDING,
      SqlKind.NULLS_FIRST, SqlKind.NULLS_LAST, SqlKind.UNION, SqlKind.INTERSECT, SqlKind.EXCEPT,
      SqlKind.WITH, SqlKind.WITH_ITEM, SqlKind.AND, SqlKind.OR, SqlKind.NOT, SqlKind.EQUALS,
      SqlKind.NOT_EQUALS, SqlKind.LESS_THAN, SqlKind.GREATER_THAN, SqlKind.LESS_THAN_OR_EQUAL,
      SqlKind.GREATER_THAN_OR_EQUAL, SqlKind.IS_NULL, SqlKind.IS_NOT_NULL, SqlKind.LIKE,
      SqlKind.BETWEEN, SqlKind.IN, SqlKind.NOT_IN, SqlKind.CASE, SqlKind.CAST, SqlKind.PLUS,
      SqlKind.MINUS, SqlKind.TIMES, SqlKind.DIVIDE, SqlKind.MINUS_PREFIX, SqlKind.PLUS_PREFIX,
      SqlKind.EXTRACT, SqlKind.SUM, SqlKind.COUNT, SqlKind.AVG, SqlKind.MIN, SqlKind.MAX,
      SqlKind.OVER, SqlKind.WINDOW, SqlKind.ROW_NUMBER, SqlKind.RANK, SqlKind.DENSE_RANK,
      SqlKind.EXISTS, SqlKind.SCALAR_QUERY, SqlKind.COALESCE, SqlKind.NULLIF);

  /** Functions (by name) every supported backend has, with the same meaning. */
  private static final Set<String> PORTABLE_FUNCTIONS = ImmutableSet.of(
      "SUBSTRING", "UPPER", "LOWER", "CHAR_LENGTH", "CHARACTER_LENGTH", "||", "ABS");

  /** A translation: the backend that runs the statement and the statement in its dialect. */
  record Translation(BackendCatalogSchema catalog, SqlNode statement) {
  }

  private final SqlValidator validator;
  private final CalciteSchema root;
  private final Map<SqlNode, SqlNode> tables = new IdentityHashMap<>();
  private @Nullable BackendCatalogSchema catalog;
  private @Nullable String refusal;

  private StatementTranslator(SqlValidator validator, CalciteSchema root) {
    this.validator = validator;
    this.root = root;
  }

  /**
   * Returns the validated query {@code validated} as one statement of the single backend
   * holding all its tables, or null when it is not one (see the class comment).
   */
  static @Nullable Translation translate(SqlNode validated, SqlValidator validator,
      CalciteSchema root) {
    if (!validated.getKind().belongsTo(SqlKind.QUERY)) {
      return null;
    }
    StatementTranslator translator = new StatementTranslator(validator, root);
    try {
      return translator.run(validated);
    } catch (RuntimeException e) {
      LOG.debug("not translated as a whole ({}); planning it", e.toString());
      return null;
    }
  }

  private @Nullable Translation run(SqlNode validated) {
    validated.accept(new TableFinder());
    if (refusal != null || catalog == null) {
      LOG.debug("not translated as a whole: {}", refusal == null ? "no table" : refusal);
      return null;
    }
    SqlDialect.DatabaseProduct product = catalog.dialect().getDatabaseProduct();
    if (product == SqlDialect.DatabaseProduct.POSTGRESQL
        && hasCorrelatedSubQuery(validated, true)) {
      // PostgreSQL runs a correlated scalar sub-query once per outer row (TPC-H q17: minutes);
      // the plan-based path decorrelates it into a join.
      LOG.debug("not translated as a whole: correlated scalar sub-query on PostgreSQL");
      return null;
    }
    if (product == SqlDialect.DatabaseProduct.CLICKHOUSE && contains(validated, SqlKind.WITH)) {
      // Calcite writes the body of WITH in parentheses, which ClickHouse's parser rejects.
      LOG.debug("not translated as a whole: WITH on ClickHouse");
      return null;
    }
    SqlNode statement = validated.accept(new Rewriter());
    if (refusal != null || statement == null) {
      LOG.debug("not translated as a whole: {}", refusal);
      return null;
    }
    return new Translation(catalog, statement);
  }

  /**
   * Whether a sub-query refers to a column of an enclosing query (its expanded column
   * references are qualified by a table alias its own FROM clauses do not define); with
   * {@code semiJoinsAllowed}, correlated {@code EXISTS} and {@code IN} sub-queries do not count
   * (a backend that runs them as semi- and anti-joins).
   */
  private static boolean hasCorrelatedSubQuery(SqlNode statement, boolean semiJoinsAllowed) {
    boolean[] found = new boolean[1];
    Set<SqlNode> semiJoins = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    statement.accept(new SqlBasicVisitor<Void>() {
      @Override public Void visit(SqlCall call) {
        switch (call.getKind()) {
        case EXISTS:
        case IN:
        case NOT_IN:
          if (semiJoinsAllowed) {
            semiJoins.add(call.operand(call.operandCount() - 1));
          }
          break;
        case SELECT:
          if (call != statement && !semiJoins.contains(call)) {
            found[0] |= refersOutside(call);
          }
          break;
        default:
          break;
        }
        return super.visit(call);
      }
    });
    return found[0];
  }

  private static boolean contains(SqlNode statement, SqlKind kind) {
    boolean[] found = new boolean[1];
    statement.accept(new SqlBasicVisitor<Void>() {
      @Override public Void visit(SqlCall call) {
        found[0] |= call.getKind() == kind;
        return super.visit(call);
      }
    });
    return found[0];
  }

  private static boolean refersOutside(SqlNode subQuery) {
    Set<String> defined = new java.util.HashSet<>();
    Set<SqlNode> tableNames = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    List<SqlIdentifier> references = new ArrayList<>();
    subQuery.accept(new SqlBasicVisitor<Void>() {
      @Override public Void visit(SqlCall call) {
        if (call instanceof SqlSelect && ((SqlSelect) call).getFrom() != null) {
          aliases(((SqlSelect) call).getFrom(), defined, tableNames);
        }
        return super.visit(call);
      }

      @Override public Void visit(SqlIdentifier id) {
        if (id.names.size() >= 2) {
          references.add(id);
        }
        return null;
      }
    });
    for (SqlIdentifier id : references) {
      if (!tableNames.contains(id) && !defined.contains(id.names.get(id.names.size() - 2))) {
        return true;
      }
    }
    return false;
  }

  private static void aliases(SqlNode from, Set<String> defined, Set<SqlNode> tableNames) {
    switch (from.getKind()) {
    case AS:
      SqlCall as = (SqlCall) from;
      defined.add(((SqlIdentifier) as.operand(1)).getSimple());
      if (as.operand(0) instanceof SqlIdentifier) {
        tableNames.add(as.operand(0));
      }
      break;
    case IDENTIFIER:
      defined.add(Util.last(((SqlIdentifier) from).names));
      tableNames.add(from);
      break;
    case JOIN:
      aliases(((SqlJoin) from).getLeft(), defined, tableNames);
      aliases(((SqlJoin) from).getRight(), defined, tableNames);
      break;
    default:
      break;
    }
  }

  /** Records why the statement cannot go as written (the first reason); returns null. */
  private @Nullable SqlNode refuse(String why) {
    if (refusal == null) {
      refusal = why;
    }
    return null;
  }

  /**
   * Finds the tables of every FROM clause (sub-queries included), checks they are of one
   * backend, and records the backend name each table identifier is to be replaced by.
   */
  private final class TableFinder extends SqlBasicVisitor<Void> {
    @Override public Void visit(SqlCall call) {
      if (call instanceof SqlSelect) {
        SqlNode from = ((SqlSelect) call).getFrom();
        if (from != null) {
          fromItem(from, false);
        }
      }
      return super.visit(call);
    }

    private void fromItem(SqlNode node, boolean aliased) {
      switch (node.getKind()) {
      case IDENTIFIER:
        table((SqlIdentifier) node, aliased);
        break;
      case AS:
        SqlNode operand = ((SqlCall) node).operand(0);
        if (operand instanceof SqlIdentifier) {
          table((SqlIdentifier) operand, true);
        } else {
          fromItem(operand, true);
        }
        break;
      case JOIN:
        SqlJoin join = (SqlJoin) node;
        fromItem(join.getLeft(), false);
        fromItem(join.getRight(), false);
        break;
      case SELECT:
      case UNION:
      case INTERSECT:
      case EXCEPT:
      case ORDER_BY:
      case WITH:
      case VALUES:
        break; // a sub-query: visited on its own
      default:
        refuse("FROM item " + node.getKind());
      }
    }

    private void table(SqlIdentifier id, boolean aliased) {
      SqlValidatorNamespace namespace = validator.getNamespace(id);
      if (namespace == null) {
        refuse("unresolved FROM item " + id);
        return;
      }
      org.apache.calcite.sql.validate.SqlValidatorTable validatorTable =
          namespace.resolve().getTable();
      if (validatorTable == null) {
        return; // a WITH item, written by the statement itself: kept as is
      }
      RelOptTable table = validatorTable.unwrap(RelOptTable.class);
      if (table == null) {
        refuse("table without a backend: " + id);
        return;
      }
      if (table.unwrap(io.meridian.adapter.PrunableTable.class) != null) {
        refuse("lake table (its files are chosen by the planner): " + id);
        return;
      }
      StatisticsJdbcTable statistics = table.unwrap(StatisticsJdbcTable.class);
      JdbcTable jdbc = statistics != null ? statistics.jdbcTable() : table.unwrap(JdbcTable.class);
      List<String> name = table.getQualifiedName();
      if (jdbc == null || name.size() < 2) {
        refuse("not a backend table: " + name);
        return;
      }
      CalciteSchema schema = root.getSubSchema(name.get(0), true);
      BackendCatalogSchema owner = schema == null ? null
          : BackendCatalogSchema.of(schema.schema);
      if (owner == null) {
        refuse("not a backend catalog: " + name.get(0));
        return;
      }
      if (catalog != null && catalog != owner) {
        refuse("tables of two catalogs");
        return;
      }
      catalog = owner;
      SqlIdentifier backendName = jdbc.tableName();
      // An explicit alias: the statement's column references use the name the user wrote
      // (or the validator's), which need not be how the backend spells the table.
      tables.put(id, aliased ? backendName
          : SqlStdOperatorTable.AS.createCall(SqlParserPos.ZERO, backendName,
              new SqlIdentifier(Util.last(id.names), SqlParserPos.ZERO)));
    }
  }

  /** Copies the statement, re-spelling what the backend needs spelled differently. */
  private final class Rewriter extends SqlShuttle {

    @Override public @Nullable SqlNode visit(SqlIdentifier id) {
      SqlNode table = tables.get(id);
      return table != null ? table : id;
    }

    @Override public @Nullable SqlNode visit(SqlDynamicParam param) {
      // The stand-in that reads the result binds no parameters (see BackendStatement).
      return refuse("dynamic parameter");
    }

    @Override public @Nullable SqlNode visit(SqlDataTypeSpec type) {
      return type;
    }

    @Override public @Nullable SqlNode visit(SqlIntervalQualifier qualifier) {
      return qualifier;
    }

    /** Interval literals without a leading-field precision ({@code DAY(3)}): not every
     * backend accepts one. */
    @Override public @Nullable SqlNode visit(SqlLiteral literal) {
      if (!(literal instanceof SqlIntervalLiteral)) {
        return literal;
      }
      SqlIntervalLiteral.IntervalValue value =
          literal.getValueAs(SqlIntervalLiteral.IntervalValue.class);
      SqlIntervalQualifier q = value.getIntervalQualifier();
      return SqlLiteral.createInterval(value.getSign(), value.getIntervalLiteral(),
          new SqlIntervalQualifier(q.getStartUnit(), q.getEndUnit(), q.getParserPosition()),
          literal.getParserPosition());
    }

    @Override public @Nullable SqlNode visit(SqlNodeList list) {
      List<SqlNode> items = new ArrayList<>(list.size());
      for (SqlNode item : list) {
        items.add(item == null ? null : item.accept(this));
      }
      return new SqlNodeList(items, list.getParserPosition());
    }

    @Override public @Nullable SqlNode visit(SqlCall call) {
      if (refusal != null) {
        return null;
      }
      SqlKind kind = call.getKind();
      if (!PORTABLE.contains(kind)
          && !PORTABLE_FUNCTIONS.contains(call.getOperator().getName().toUpperCase(Locale.ROOT))) {
        return refuse("operator " + call.getOperator().getName());
      }
      if (call instanceof SqlSelect) {
        return select((SqlSelect) call);
      }
      if (call instanceof SqlOrderBy) {
        SqlOrderBy orderBy = (SqlOrderBy) call;
        return new SqlOrderBy(orderBy.getParserPosition(), orderBy.query.accept(this),
            orderList(orderBy.orderList), accept(orderBy.offset), accept(orderBy.fetch));
      }
      if (call instanceof SqlWindow) {
        SqlWindow window = (SqlWindow) call;
        SqlWindow copy = (SqlWindow) super.visit(call);
        if (copy != null && window.getOrderList() != null) {
          copy.setOrderList(orderList(window.getOrderList()));
        }
        return copy;
      }
      if (kind == SqlKind.DIVIDE && isInteger(call.operand(0)) && isInteger(call.operand(1))) {
        return SqlStdOperatorTable.DIVIDE_INTEGER.createCall(call.getParserPosition(),
            call.operand(0).accept(this), call.operand(1).accept(this));
      }
      if (kind == SqlKind.DIVIDE && !knownType(call.operand(0)) || kind == SqlKind.DIVIDE
          && !knownType(call.operand(1))) {
        return refuse("division of operands of unknown type");
      }
      if (kind == SqlKind.BETWEEN) {
        return between(call);
      }
      if (kind == SqlKind.EXTRACT && call.operand(0) instanceof SqlIntervalQualifier) {
        // As Calcite's plan-to-SQL writes it (the dialects expect a time-unit symbol).
        SqlIntervalQualifier unit = call.operand(0);
        return SqlStdOperatorTable.EXTRACT.createCall(call.getParserPosition(),
            SqlLiteral.createSymbol(unit.timeUnitRange, SqlParserPos.ZERO),
            call.operand(1).accept(this));
      }
      if (kind == SqlKind.CAST) {
        return cast(call);
      }
      if (kind == SqlKind.PLUS || kind == SqlKind.MINUS) {
        SqlNode folded = dateArithmetic(call);
        if (folded != null) {
          return folded;
        }
      }
      return super.visit(call);
    }

    /**
     * {@code a [NOT] BETWEEN b AND c} as comparisons: some dialects reject the
     * {@code ASYMMETRIC} keyword Calcite writes.
     */
    private @Nullable SqlNode between(SqlCall call) {
      org.apache.calcite.sql.fun.SqlBetweenOperator between =
          (org.apache.calcite.sql.fun.SqlBetweenOperator) call.getOperator();
      if (between.flag != org.apache.calcite.sql.fun.SqlBetweenOperator.Flag.ASYMMETRIC) {
        return refuse("BETWEEN SYMMETRIC");
      }
      SqlNode value = call.operand(0).accept(this);
      SqlNode lower = call.operand(1).accept(this);
      SqlNode upper = call.operand(2).accept(this);
      if (value == null || lower == null || upper == null) {
        return null;
      }
      SqlParserPos pos = call.getParserPosition();
      if (between.isNegated()) {
        return SqlStdOperatorTable.OR.createCall(pos,
            SqlStdOperatorTable.LESS_THAN.createCall(pos, value, lower),
            SqlStdOperatorTable.GREATER_THAN.createCall(pos, value, upper));
      }
      return SqlStdOperatorTable.AND.createCall(pos,
          SqlStdOperatorTable.GREATER_THAN_OR_EQUAL.createCall(pos, value, lower),
          SqlStdOperatorTable.LESS_THAN_OR_EQUAL.createCall(pos, value, upper));
    }

    /** A CAST with the target type spelled the backend's way (as plan-to-SQL does). */
    private @Nullable SqlNode cast(SqlCall call) {
      SqlNode operand = call.operand(0).accept(this);
      if (operand == null) {
        return null;
      }
      RelDataType type = validator.getValidatedNodeTypeIfKnown(call);
      SqlNode spec = type == null ? null : requireNonNull(catalog).dialect().getCastSpec(type);
      if (spec == null) {
        spec = call.operand(1);
      }
      return SqlStdOperatorTable.CAST.createCall(call.getParserPosition(), operand, spec);
    }

    private @Nullable SqlNode accept(@Nullable SqlNode node) {
      return node == null ? null : node.accept(this);
    }

    private SqlNode select(SqlSelect select) {
      SqlNodeList selectList = (SqlNodeList) visit(select.getSelectList());
      SqlSelect copy = new SqlSelect(select.getParserPosition(),
          (SqlNodeList) select.getOperandList().get(0), selectList, accept(select.getFrom()),
          accept(select.getWhere()), select.getGroup() == null ? null
              : (SqlNodeList) visit(select.getGroup()),
          accept(select.getHaving()), select.getWindowList() == null ? null
              : (SqlNodeList) visit(select.getWindowList()),
          accept(select.getQualify()),
          select.getOrderList() == null ? null : orderList(select.getOrderList()),
          accept(select.getOffset()), accept(select.getFetch()), select.getHints());
      return copy;
    }

    /**
     * Copies an ORDER BY list with the position of NULLs spelled out where the backend's
     * default may differ from Meridian's (NULL sorts as larger than any value: last when
     * ascending, first when descending).
     */
    private SqlNodeList orderList(SqlNodeList list) {
      List<SqlNode> items = new ArrayList<>(list.size());
      for (SqlNode item : list) {
        SqlNode copy = item.accept(this);
        if (copy == null) {
          return new SqlNodeList(SqlParserPos.ZERO);
        }
        if (item.getKind() == SqlKind.NULLS_FIRST || item.getKind() == SqlKind.NULLS_LAST
            || !nullable(item)) {
          items.add(copy);
          continue;
        }
        boolean descending = item.getKind() == SqlKind.DESCENDING;
        items.add((descending ? SqlStdOperatorTable.NULLS_FIRST : SqlStdOperatorTable.NULLS_LAST)
            .createCall(SqlParserPos.ZERO, copy));
      }
      return new SqlNodeList(items, list.getParserPosition());
    }

    /** Whether a sort key may be NULL (unknown counts as may). */
    private boolean nullable(SqlNode item) {
      SqlNode key = item.getKind() == SqlKind.DESCENDING ? ((SqlCall) item).operand(0) : item;
      if (key instanceof SqlLiteral) {
        return false; // an ordinal
      }
      RelDataType type = validator.getValidatedNodeTypeIfKnown(key);
      return type == null || type.isNullable();
    }

    private boolean knownType(SqlNode node) {
      return node instanceof SqlLiteral || validator.getValidatedNodeTypeIfKnown(node) != null;
    }

    private boolean isInteger(SqlNode node) {
      RelDataType type = validator.getValidatedNodeTypeIfKnown(node);
      if (type == null && node instanceof SqlLiteral) {
        SqlTypeName literal = ((SqlLiteral) node).getTypeName();
        return literal == SqlTypeName.DECIMAL
            && ((SqlLiteral) node).getValueAs(java.math.BigDecimal.class).scale() == 0;
      }
      return type != null && SqlTypeName.INT_TYPES.contains(type.getSqlTypeName());
    }

    /** {@code DATE 'd' ± INTERVAL 'n' unit} as the date it is, for year, month and day units. */
    private @Nullable SqlNode dateArithmetic(SqlCall call) {
      if (!(call.operand(0) instanceof SqlDateLiteral)
          || !(call.operand(1) instanceof SqlIntervalLiteral)) {
        return null;
      }
      SqlIntervalLiteral.IntervalValue interval = ((SqlIntervalLiteral) call.operand(1))
          .getValueAs(SqlIntervalLiteral.IntervalValue.class);
      SqlIntervalQualifier qualifier = interval.getIntervalQualifier();
      if (!qualifier.isSingleDatetimeField()) {
        return null;
      }
      long amount;
      try {
        amount = Long.parseLong(interval.getIntervalLiteral().trim()) * interval.getSign();
      } catch (NumberFormatException e) {
        return null;
      }
      if (call.getKind() == SqlKind.MINUS) {
        amount = -amount;
      }
      java.time.LocalDate date = java.time.LocalDate.parse(
          ((SqlDateLiteral) call.operand(0)).getValueAs(DateString.class).toString());
      TimeUnit unit = qualifier.getStartUnit();
      switch (unit) {
      case YEAR:
        date = date.plusYears(amount);
        break;
      case MONTH:
        date = date.plusMonths(amount);
        break;
      case DAY:
        date = date.plusDays(amount);
        break;
      default:
        return null;
      }
      return SqlLiteral.createDate(new DateString(date.toString()), call.getParserPosition());
    }
  }
}
