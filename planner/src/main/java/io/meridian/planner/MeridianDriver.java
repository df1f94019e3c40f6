package io.meridian.planner;

import io.meridian.adapter.ThreadScoped;
import io.meridian.cost.CostModel;
import io.meridian.cost.EngineCoefficients;
import io.meridian.planner.metadata.ObservedCardinalities;

import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.Handler;
import org.apache.calcite.avatica.HandlerImpl;
import org.apache.calcite.config.CalciteConnectionProperty;
import org.apache.calcite.config.NullCollation;
import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.jdbc.Driver;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.sql.validate.SqlConformanceEnum;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

import static java.util.Objects.requireNonNull;

/**
 * The engine's JDBC entry point: a Calcite driver whose every connection sees the catalogs of
 * one {@link CatalogRegistry} at the top level ({@code catalog.schema.table}) and uses
 * Meridian's SQL conventions. It is not registered with {@code DriverManager}; the server holds
 * the instance.
 *
 * <p>Meridian's SQL conventions (documented in {@code docs/sql.md}):
 * <ul>
 *   <li>unquoted identifiers are folded to lower case and matched case-insensitively, so
 *   {@code SELECT * FROM Shop.Public.Customer} finds {@code shop.public.customer}; quoted
 *   identifiers keep their case;
 *   <li>Calcite's Babel parser, which accepts the common dialects' syntax (PostgreSQL's
 *   {@code ::} casts, {@code value} and other non-reserved words as aliases), with conformance
 *   {@link SqlConformanceEnum#LENIENT}: {@code GROUP BY} an output alias or ordinal,
 *   {@code LIMIT}/{@code OFFSET}, and the other common dialect extensions are accepted;
 *   <li>NULLs sort last in ascending order and first in descending order, as in PostgreSQL;
 *   <li>session time zone UTC unless the client sets {@code timeZone}.
 * </ul>
 */
public final class MeridianDriver extends Driver {
  /** The connect string prefix; the rest of the URL is ignored. */
  public static final String CONNECT_STRING_PREFIX = "jdbc:meridian:";

  static {
    // Every backend convention gets Meridian's pushdown rules in addition to Calcite's.
    io.meridian.adapter.jdbc.BackendConvention.addRuleProvider(
        io.meridian.planner.rules.JoinIntoBackendRule::rulesFor);
    io.meridian.adapter.jdbc.BackendConvention.replaceCalciteRule(
        org.apache.calcite.adapter.jdbc.JdbcToEnumerableConverterRule.class);
    io.meridian.adapter.jdbc.BackendConvention.addRuleProvider(
        io.meridian.planner.rules.BackendToEnumerableConverterRule::rulesFor);
    io.meridian.adapter.jdbc.BackendConvention.replaceCalciteRule(
        org.apache.calcite.adapter.jdbc.JdbcRules.JdbcTableModificationRule.class);
    io.meridian.adapter.jdbc.BackendConvention.addRuleProvider(
        io.meridian.planner.rules.TableModifyIntoBackendRule::rulesFor);
    io.meridian.adapter.jdbc.BackendConvention.addRuleProvider(
        io.meridian.planner.rules.BackendInsertRule::rulesFor);
  }

  private final CatalogRegistry catalogs;
  private final CostModel costModel;
  private final ObservedCardinalities observed = new ObservedCardinalities();

  /** Creates a driver with the built-in cost coefficients. */
  public MeridianDriver(CatalogRegistry catalogs) {
    this(catalogs, EngineCoefficients.builtIn());
  }

  /** Creates a driver whose connections plan with the given cost coefficients. */
  public MeridianDriver(CatalogRegistry catalogs, EngineCoefficients coefficients) {
    this(catalogs, new CostModel(coefficients));
  }

  /**
   * Creates a driver whose connections plan with the coefficients {@code costModel} holds
   * when each statement is planned (calibration may replace them at any time).
   */
  public MeridianDriver(CatalogRegistry catalogs, CostModel costModel) {
    super(null);
    this.catalogs = requireNonNull(catalogs, "catalogs");
    this.costModel = requireNonNull(costModel, "costModel");
  }

  /** Returns the cost model of the connection whose root schema is {@code root}. */
  public static CostModel costModel(org.apache.calcite.jdbc.CalciteSchema root) {
    return SessionSettings.of(root).costModel();
  }

  /** Returns the cost model this driver's connections plan with. */
  public CostModel costModel() {
    return costModel;
  }

  /** Returns the row counts this driver's statements observed, which correct estimates. */
  public ObservedCardinalities observedCardinalities() {
    return observed;
  }

  /** Returns the catalogs every connection sees. */
  public CatalogRegistry catalogs() {
    return catalogs;
  }

  @Override public org.apache.calcite.jdbc.CalcitePrepare createPrepare() {
    return new MeridianPrepare();
  }

  @Override protected String getConnectStringPrefix() {
    return CONNECT_STRING_PREFIX;
  }

  /** Returns Meridian's default connection properties; a client may override each. */
  public static Properties defaultProperties() {
    Properties p = new Properties();
    p.setProperty(CalciteConnectionProperty.UNQUOTED_CASING.camelName(), "TO_LOWER");
    p.setProperty(CalciteConnectionProperty.QUOTED_CASING.camelName(), "UNCHANGED");
    p.setProperty(CalciteConnectionProperty.CASE_SENSITIVE.camelName(), "false");
    p.setProperty(CalciteConnectionProperty.QUOTING.camelName(), "DOUBLE_QUOTE");
    p.setProperty(CalciteConnectionProperty.CONFORMANCE.camelName(),
        SqlConformanceEnum.LENIENT.name());
    p.setProperty(CalciteConnectionProperty.DEFAULT_NULL_COLLATION.camelName(),
        NullCollation.HIGH.name());
    p.setProperty(CalciteConnectionProperty.TIME_ZONE.camelName(), "UTC");
    p.setProperty(CalciteConnectionProperty.PARSER_FACTORY.camelName(),
        "io.meridian.planner.ddl.MeridianParserImpl#FACTORY");
    p.setProperty(CalciteConnectionProperty.TYPE_SYSTEM.camelName(),
        MeridianTypeSystem.class.getName() + "#INSTANCE");
    return p;
  }

  /** Opens a connection with Meridian's defaults, overridden by {@code info}. */
  public CalciteConnection open(Properties info) throws SQLException {
    return open(info, CatalogAccess.ALL);
  }

  /**
   * Opens a connection with Meridian's defaults, overridden by {@code info}, that sees and
   * changes only the catalogs {@code access} allows.
   */
  public CalciteConnection open(Properties info, CatalogAccess access) throws SQLException {
    Properties merged = defaultProperties();
    if (info != null) {
      merged.putAll(info);
    }
    // Calcite's connect offers no way to hand the connection an object; the handler below
    // takes it from this thread while the connection initialises.
    try (ThreadScoped.Scope scope = OPENING.enter(requireNonNull(access, "access"))) {
      Connection connection = connect(CONNECT_STRING_PREFIX, merged);
      return connection.unwrap(CalciteConnection.class);
    }
  }

  /** The access of the connection this thread is opening. */
  private static final ThreadScoped<CatalogAccess> OPENING = new ThreadScoped<>();

  @Override protected Handler createHandler() {
    Handler calciteHandler = super.createHandler();
    return new HandlerImpl() {
      @Override public void onConnectionInit(AvaticaConnection connection)
          throws SQLException {
        calciteHandler.onConnectionInit(connection);
        SchemaPlus root = connection.unwrap(CalciteConnection.class).getRootSchema();
        java.util.Properties properties =
            connection.unwrap(CalciteConnection.class).getProperties();
        String placement = properties.getProperty(Placement.PROPERTY);
        CatalogAccess access = OPENING.get() == null ? CatalogAccess.ALL : OPENING.get();
        try {
          SessionSettings.register(CalciteSchema.from(root), new SessionSettings(
              placement == null ? Placement.AUTO : Placement.parse(placement),
              SessionSettings.on(SessionSettings.REDUCTION,
                  properties.getProperty(SessionSettings.REDUCTION)),
              SessionSettings.on(SessionSettings.PRE_AGGREGATION,
                  properties.getProperty(SessionSettings.PRE_AGGREGATION)),
              costModel, observed, access));
        } catch (IllegalArgumentException e) {
          throw new SQLException(e.getMessage(), "08001", e);
        }
        catalogs.backends().forEach((name, backend) -> {
          if (access.canRead(name)) {
            root.add(name, backend.schema());
          }
        });
        // The default schema for unqualified names: "catalog" or "catalog.schema".
        String schema = connection.unwrap(CalciteConnection.class).config().schema();
        if (schema != null && !schema.isBlank()) {
          connection.setSchema(schema.trim());
        }
      }

      @Override public void onConnectionClose(AvaticaConnection connection) {
        calciteHandler.onConnectionClose(connection);
      }

      @Override public void onStatementExecute(
          org.apache.calcite.avatica.AvaticaStatement statement, ResultSink resultSink) {
        calciteHandler.onStatementExecute(statement, resultSink);
      }

      @Override public void onStatementClose(
          org.apache.calcite.avatica.AvaticaStatement statement) {
        calciteHandler.onStatementClose(statement);
      }
    };
  }
}
