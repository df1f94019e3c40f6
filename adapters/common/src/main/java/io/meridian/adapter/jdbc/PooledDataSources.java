package io.meridian.adapter.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.meridian.adapter.CatalogSpec;

import java.util.Properties;

/** Builds the connection pool of a JDBC catalog from its specification. */
public final class PooledDataSources {
  private PooledDataSources() {
  }

  /**
   * Creates a pool that does not connect until first use, so a backend that is down at start-up
   * does not stop the server; each later attempt retries. Fields: {@code url} (required),
   * {@code user}, {@code password}, {@code pool-size} (default 8),
   * {@code connect-timeout-seconds} (default 10).
   */
  public static CatalogDataSource create(CatalogSpec spec, String driverClassName,
      Properties driverProperties) {
    String url = spec.require("url");
    HikariConfig config = new HikariConfig();
    config.setPoolName("meridian-" + spec.name());
    config.setDriverClassName(driverClassName);
    config.setJdbcUrl(url);
    spec.optional("user").ifPresent(config::setUsername);
    spec.optional("password").ifPresent(config::setPassword);
    config.setMaximumPoolSize(spec.intValue("pool-size", 8));
    config.setMinimumIdle(0);
    config.setConnectionTimeout(1000L * spec.intValue("connect-timeout-seconds", 10));
    config.setInitializationFailTimeout(-1);
    config.setIdleTimeout(60_000);
    config.setDataSourceProperties(driverProperties);
    HikariDataSource pool = new HikariDataSource(config);
    return new CatalogDataSource(spec.name(), spec.type(), pool,
        spec.optional("password").orElse(null));
  }
}
