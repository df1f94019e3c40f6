package io.meridian.adapter.clickhouse;

import io.meridian.adapter.CatalogConfigException;
import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.StorageBackend;
import io.meridian.adapter.StorageBackendFactory;
import io.meridian.adapter.jdbc.JdbcBackend;
import io.meridian.adapter.jdbc.PooledDataSources;
import io.meridian.adapter.jdbc.RowCountSources;



import java.util.Locale;
import java.util.Properties;

/**
 * Serves a ClickHouse server as a catalog. Fields: {@code url}
 * ({@code jdbc:clickhouse://host:port/db}), {@code user}, {@code password}. ClickHouse databases
 * become Meridian schemas; {@code system} and {@code information_schema} are hidden.
 */
public final class ClickHouseBackendFactory implements StorageBackendFactory {
  @Override public String type() {
    return "clickhouse";
  }

  @Override public StorageBackend create(CatalogSpec spec) {
    String url = spec.require("url");
    if (!url.startsWith("jdbc:clickhouse:") && !url.startsWith("jdbc:ch:")) {
      throw new CatalogConfigException(spec.name(), "url", "must start with jdbc:clickhouse:");
    }
    return new JdbcBackend(spec,
        PooledDataSources.create(spec, "com.clickhouse.jdbc.ClickHouseDriver", driverProperties()),
        ClickHouseDialect.DEFAULT, null, ClickHouseBackendFactory::isUserSchema,
        RowCountSources.catalogQuery(
            "SELECT total_rows FROM system.tables WHERE database = ? AND name = ?"),
        "SELECT 1", new ClickHouseDdl());
  }

  /**
   * Session settings that give ClickHouse standard SQL semantics where its defaults differ:
   * outer joins produce NULLs rather than default values ({@code join_use_nulls}), and
   * aggregates over no rows return NULL rather than 0 ({@code aggregate_functions_null_for_empty}),
   * a bare {@code UNION} means {@code UNION DISTINCT} ({@code union_default_mode}), names in
   * WHERE and ON are columns before select-list aliases ({@code prefer_column_name_to_alias}),
   * and ORDER BY takes ordinals ({@code enable_positional_arguments}).
   */
  static Properties driverProperties() {
    Properties p = new Properties();
    p.setProperty("clickhouse_setting_join_use_nulls", "1");
    p.setProperty("clickhouse_setting_aggregate_functions_null_for_empty", "1");
    p.setProperty("clickhouse_setting_union_default_mode", "DISTINCT");
    // A column name means the column even where the select list defines an alias of the same
    // name: "SELECT 'x' AS c FROM t WHERE c = 'x'" must filter on the column, as in SQL.
    p.setProperty("clickhouse_setting_prefer_column_name_to_alias", "1");
    // ORDER BY 2 means the second select item.
    p.setProperty("clickhouse_setting_enable_positional_arguments", "1");
    return p;
  }

  static boolean isUserSchema(String schema) {
    String s = schema.toLowerCase(Locale.ROOT);
    return !(s.equals("system") || s.equals("information_schema"));
  }
}
