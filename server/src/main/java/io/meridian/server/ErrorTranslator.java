package io.meridian.server;

import com.google.common.base.Throwables;

import io.meridian.adapter.jdbc.Credentials;
import io.meridian.planner.CatalogAccess;
import io.meridian.planner.ddl.MeridianDdlExecutor;

import org.apache.calcite.avatica.AvaticaSeverity;
import org.apache.calcite.avatica.remote.AvaticaRuntimeException;
import org.apache.calcite.runtime.CalciteContextException;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.validate.SqlValidatorException;

import java.sql.SQLException;

/**
 * Turns an engine failure into the one message a client needs, with a SQL state:
 * <ul>
 *   <li>bad SQL: {@code 42601}, "SQL parse error at line L, column C: ...";
 *   <li>unknown catalog, schema, table, column, function: {@code 42000}, with the position and
 *   the name, as the validator reports it;
 *   <li>a write to a catalog the user may only read: {@code 42501};
 *   <li>a backend that is down: {@code 08001}, "catalog 'shop' (postgres) is unavailable: ...";
 *   <li>anything else: the innermost message, SQL state {@code HY000}.
 * </ul>
 * Credentials embedded in URLs are removed from every message.
 */
final class ErrorTranslator {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ErrorTranslator.class);
  private static final java.util.regex.Pattern AT_POSITION =
      java.util.regex.Pattern.compile("\\s*at line \\d+, column \\d+\\.?");
  private ErrorTranslator() {
  }

  static AvaticaRuntimeException translate(Throwable e) {
    LOG.debug("statement failed", e);
    if (e instanceof AvaticaRuntimeException) {
      return (AvaticaRuntimeException) e;
    }
    CatalogAccess.AccessDeniedException denied =
        find(e, CatalogAccess.AccessDeniedException.class);
    if (denied != null) {
      return error(denied.getMessage(), denied.sqlState());
    }
    MeridianDdlExecutor.DdlException ddl = find(e, MeridianDdlExecutor.DdlException.class);
    if (ddl != null) {
      return error(ddl.getMessage(), sqlState(Throwables.getRootCause(ddl), "42000"));
    }
    SqlParseException parse = find(e, SqlParseException.class);
    if (parse != null) {
      SqlParserPos pos = parse.getPos();
      String message = AT_POSITION.matcher(firstLine(parse.getMessage())).replaceAll("");
      String where = pos == null ? "" : " at line " + pos.getLineNum() + ", column "
          + pos.getColumnNum();
      return error("SQL parse error" + where + ": " + message, "42601");
    }
    org.apache.calcite.plan.RelOptPlanner.CannotPlanException cannotPlan =
        find(e, org.apache.calcite.plan.RelOptPlanner.CannotPlanException.class);
    if (cannotPlan != null) {
      // The planner's own message dumps its whole search space; keep its first line.
      return error("Meridian cannot run this statement yet (no engine can execute part of it;"
          + " for example a write whose rows come from another catalog): "
          + firstLine(cannotPlan.getMessage()), "0A000");
    }
    CalciteContextException context = find(e, CalciteContextException.class);
    if (context != null) {
      return error(context.getMessage(), "42000");
    }
    SqlValidatorException validator = find(e, SqlValidatorException.class);
    if (validator != null) {
      return error(validator.getMessage(), "42000");
    }
    for (Throwable t : Throwables.getCausalChain(e)) {
      String m = t.getMessage();
      if (m != null && m.startsWith("catalog '")) {
        return error(m, sqlState(t, "08001"));
      }
    }
    Throwable root = Throwables.getRootCause(e);
    String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return error(m, sqlState(root, "HY000"));
  }

  /** Returns the SQL state the exception carries, or the default. */
  private static String sqlState(Throwable t, String defaultState) {
    return t instanceof SQLException && ((SQLException) t).getSQLState() != null
        ? ((SQLException) t).getSQLState() : defaultState;
  }

  private static AvaticaRuntimeException error(String message, String state) {
    return new AvaticaRuntimeException(Credentials.redact(message), -1, state,
        AvaticaSeverity.ERROR);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    String first = nl < 0 ? s : s.substring(0, nl);
    // Calcite lists every expected token after the first line; keep the gist.
    return first.strip();
  }

  private static <T extends Throwable> T find(Throwable e, Class<T> type) {
    return Throwables.getCausalChain(e).stream().filter(type::isInstance).map(type::cast)
        .findFirst().orElse(null);
  }
}
