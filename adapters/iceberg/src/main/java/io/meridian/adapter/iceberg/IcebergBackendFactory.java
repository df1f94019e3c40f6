package io.meridian.adapter.iceberg;

import io.meridian.adapter.CatalogConfigException;
import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.StorageBackend;
import io.meridian.adapter.StorageBackendFactory;

import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.jdbc.JdbcCatalog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Serves an Iceberg catalog. Fields: {@code warehouse} (a directory), {@code catalog-type}
 * ({@code hadoop}, the default: tables are directories under the warehouse; or {@code jdbc}:
 * table pointers kept in a database, with {@code uri}, {@code user}, {@code password}).
 */
public final class IcebergBackendFactory implements StorageBackendFactory {
  @Override public String type() {
    return "iceberg";
  }

  @Override public StorageBackend create(CatalogSpec spec) {
    Path warehouse = Path.of(spec.require("warehouse")).toAbsolutePath().normalize();
    String catalogType = spec.optional("catalog-type").orElse("hadoop").toLowerCase(Locale.ROOT);
    Configuration conf = new Configuration();
    Catalog catalog;
    switch (catalogType) {
    case "hadoop":
      if (!Files.isDirectory(warehouse)) {
        throw new CatalogConfigException(spec.name(), "warehouse",
            "must be an existing directory (got " + warehouse + ")");
      }
      catalog = new HadoopCatalog(conf, warehouse.toString());
      break;
    case "jdbc": {
      Map<String, String> properties = new HashMap<>();
      properties.put(CatalogProperties.URI, spec.require("uri"));
      properties.put(CatalogProperties.WAREHOUSE_LOCATION, warehouse.toString());
      spec.optional("user").ifPresent(u -> properties.put(JdbcCatalog.PROPERTY_PREFIX + "user", u));
      spec.optional("password")
          .ifPresent(p -> properties.put(JdbcCatalog.PROPERTY_PREFIX + "password", p));
      JdbcCatalog jdbc = new JdbcCatalog();
      jdbc.setConf(conf);
      try {
        jdbc.initialize(spec.optional("catalog-name").orElse(spec.name()), properties);
      } catch (RuntimeException e) {
        // The database may be down now and up later; Iceberg's JDBC catalog connects lazily
        // except for creating its tables: report without the password.
        throw new CatalogConfigException(spec.name(), "uri",
            "the Iceberg JDBC catalog could not be opened: "
                + spec.optional("password").map(p -> String.valueOf(e.getMessage())
                    .replace(p, "***")).orElse(String.valueOf(e.getMessage())));
      }
      catalog = jdbc;
      break;
    }
    default:
      throw new CatalogConfigException(spec.name(), "catalog-type",
          "must be 'hadoop' or 'jdbc' (got '" + catalogType + "')");
    }
    return new IcebergBackend(spec, catalog);
  }
}
