package io.meridian.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;

import io.meridian.adapter.CatalogSpec;
import io.meridian.adapter.StorageBackends;
import io.meridian.cost.EngineCoefficients;
import io.meridian.planner.CatalogRegistry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Meridian's YAML configuration:
 *
 * <pre>
 * server: {host: 127.0.0.1, port: 8765, serialization: protobuf, max-statements-per-user: 8}
 * data-dir: ./data
 * catalogs:
 *   shop:      {type: postgres, url: "jdbc:postgresql://127.0.0.1:5432/shop", user: app,
 *               password: "${env:SHOP_PASSWORD}"}
 *   analytics: {type: duckdb, path: /data/analytics.duckdb}
 *   lake:      {type: parquet, path: /data/lake}
 * access:                          # optional, with server.users-file: see AccessRules
 *   analyst:   {shop: read, lake: read}
 * </pre>
 *
 * <p>{@code ${env:NAME}} in any value is replaced by the environment variable. Every error names
 * the file and the field ({@code catalogs.shop.url}), never a value, since values may be secrets.
 */
public final class ConfigurationManager {
  private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");
  private static final Set<String> TOP_LEVEL = ImmutableSet.of("server", "data-dir", "catalogs", "cost", "access");
  private static final Set<String> SERVER_FIELDS =
      ImmutableSet.of("host", "port", "serialization", "users-file", "tls", "workload-log",
          "calibration", "max-statements-per-user");
  private static final Pattern CATALOG_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final UnaryOperator<String> environment;

  /** Creates a manager that reads the process environment. */
  public ConfigurationManager() {
    this(System::getenv);
  }

  /** Creates a manager with a given environment (for tests). */
  public ConfigurationManager(UnaryOperator<String> environment) {
    this.environment = environment;
  }

  /** Loads and validates a configuration file. */
  public MeridianConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read configuration file (" + e + ")", e);
    }
    Path base = file.toAbsolutePath().getParent();
    return parse(text, file.toString(), base);
  }

  /**
   * Parses and validates configuration text.
   *
   * @param source name of the source, for messages
   * @param base directory against which relative paths ({@code data-dir}) resolve
   */
  public MeridianConfig parse(String text, String source, Path base) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(text);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? ""
          : " at line " + e.getLocation().getLineNr() + ", column "
              + e.getLocation().getColumnNr();
      throw new ConfigException(source + ": not valid YAML" + where + ": "
          + e.getOriginalMessage(), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new ConfigException(source + ": the configuration is empty");
    }
    if (!root.isObject()) {
      throw new ConfigException(source + ": the configuration must be a mapping");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
      String field = it.next();
      if (!TOP_LEVEL.contains(field)) {
        throw new ConfigException(source + ": unknown field '" + field + "' (known: "
            + String.join(", ", TOP_LEVEL) + ")");
      }
    }

    String host = "127.0.0.1";
    int port = MeridianConfig.DEFAULT_PORT;
    String serialization = "PROTOBUF";
    Path usersFile = null;
    MeridianConfig.Tls tls = null;
    boolean workloadLog = true;
    String calibration = MeridianConfig.CALIBRATION_AUTO;
    int statementsPerUser = 0;
    JsonNode server = root.get("server");
    if (server != null && !server.isNull()) {
      if (!server.isObject()) {
        throw new ConfigException(source + ": field 'server' must be a mapping");
      }
      for (Iterator<String> it = server.fieldNames(); it.hasNext();) {
        String field = it.next();
        if (!SERVER_FIELDS.contains(field)) {
          throw new ConfigException(source + ": unknown field 'server." + field + "' (known: "
              + String.join(", ", SERVER_FIELDS) + ")");
        }
      }
      if (server.has("host")) {
        host = scalar(source, "server.host", server.get("host"));
      }
      if (server.has("port")) {
        port = port(source, "server.port", scalar(source, "server.port", server.get("port")));
      }
      if (server.has("users-file")) {
        usersFile = base.resolve(scalar(source, "server.users-file", server.get("users-file")));
        if (!java.nio.file.Files.isReadable(usersFile)) {
          throw new ConfigException(source + ": field 'server.users-file' must be a readable"
              + " file (got " + usersFile + ")");
        }
      }
      if (server.has("tls")) {
        JsonNode node = server.get("tls");
        if (!node.isObject() || !node.has("keystore") || !node.has("keystore-password")) {
          throw new ConfigException(source + ": field 'server.tls' must be a mapping with"
              + " keystore and keystore-password");
        }
        Path keystore = base.resolve(scalar(source, "server.tls.keystore", node.get("keystore")));
        if (!java.nio.file.Files.isReadable(keystore)) {
          throw new ConfigException(source + ": field 'server.tls.keystore' must be a readable"
              + " file (got " + keystore + ")");
        }
        tls = new MeridianConfig.Tls(keystore,
            scalar(source, "server.tls.keystore-password", node.get("keystore-password")));
      }
      if (server.has("workload-log")) {
        String value = scalar(source, "server.workload-log", server.get("workload-log"))
            .toLowerCase(Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
          throw new ConfigException(source + ": field 'server.workload-log' must be true or"
              + " false");
        }
        workloadLog = Boolean.parseBoolean(value);
      }
      if (server.has("calibration")) {
        calibration = scalar(source, "server.calibration", server.get("calibration"))
            .toLowerCase(Locale.ROOT);
        if (!Set.of(MeridianConfig.CALIBRATION_AUTO, MeridianConfig.CALIBRATION_MANUAL,
            MeridianConfig.CALIBRATION_OFF).contains(calibration)) {
          throw new ConfigException(source + ": field 'server.calibration' must be auto, manual"
              + " or off");
        }
      }
      if (server.has("max-statements-per-user")) {
        String value = scalar(source, "server.max-statements-per-user",
            server.get("max-statements-per-user"));
        try {
          statementsPerUser = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
          statementsPerUser = -1;
        }
        if (statementsPerUser < 0) {
          throw new ConfigException(source + ": field 'server.max-statements-per-user' must be"
              + " a whole number >= 0 (0: no limit)");
        }
      }
      if (server.has("serialization")) {
        serialization = scalar(source, "server.serialization", server.get("serialization"))
            .toUpperCase(Locale.ROOT);
        if (!serialization.equals("PROTOBUF") && !serialization.equals("JSON")) {
          throw new ConfigException(source
              + ": field 'server.serialization' must be protobuf or json");
        }
      }
    }

    Path dataDir = base.resolve("data");
    if (root.has("data-dir")) {
      dataDir = base.resolve(scalar(source, "data-dir", root.get("data-dir")));
    }

    ImmutableList.Builder<CatalogSpec> catalogs = ImmutableList.builder();
    JsonNode catalogsNode = root.get("catalogs");
    if (catalogsNode == null || catalogsNode.isNull() || catalogsNode.isEmpty()) {
      throw new ConfigException(source + ": field 'catalogs' is required and must name at least"
          + " one catalog");
    }
    if (!catalogsNode.isObject()) {
      throw new ConfigException(source + ": field 'catalogs' must be a mapping of name to"
          + " catalog");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = catalogsNode.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> entry = it.next();
      catalogs.add(catalog(source, entry.getKey(), entry.getValue()));
    }
    ImmutableList<CatalogSpec> specs = catalogs.build();
    AccessRules access = access(source, root.get("access"), specs);
    if (access != null && usersFile == null) {
      throw new ConfigException(source + ": field 'access' needs 'server.users-file': access"
          + " rules name the users and roles of that file");
    }
    return new MeridianConfig(host, port, serialization, dataDir.normalize(), specs,
        costOverrides(source, root.get("cost")), usersFile, tls, workloadLog, calibration,
        access, new MeridianConfig.Limits(statementsPerUser));
  }

  /**
   * Reads section {@code access} ({@link AccessRules}): by role or user, by catalog (a
   * configured one, {@code meridian} or {@code "*"}), {@code read} or {@code write}.
   */
  private AccessRules access(String source, JsonNode node, List<CatalogSpec> catalogs) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw new ConfigException(source + ": field 'access' must be a mapping of role or user to"
          + " catalogs");
    }
    Set<String> known = new java.util.TreeSet<>();
    catalogs.forEach(c -> known.add(c.name().toLowerCase(Locale.ROOT)));
    known.add(CatalogRegistry.RESERVED);
    known.add(AccessRules.ANY_CATALOG);
    ImmutableMap.Builder<String, ImmutableMap<String, Boolean>> grants = ImmutableMap.builder();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> principal = it.next();
      String path = "access." + principal.getKey();
      if (!principal.getValue().isObject()) {
        throw new ConfigException(source + ": field '" + path + "' must be a mapping of"
            + " catalog to read or write");
      }
      ImmutableMap.Builder<String, Boolean> levels = ImmutableMap.builder();
      for (Iterator<Map.Entry<String, JsonNode>> g = principal.getValue().fields();
           g.hasNext();) {
        Map.Entry<String, JsonNode> grant = g.next();
        String catalog = grant.getKey().toLowerCase(Locale.ROOT);
        if (!known.contains(catalog)) {
          throw new ConfigException(source + ": field '" + path + "." + grant.getKey()
              + "' names no catalog (known: " + String.join(", ", known) + ")");
        }
        String level = scalar(source, path + "." + grant.getKey(), grant.getValue());
        try {
          levels.put(catalog, AccessRules.writes(level));
        } catch (IllegalArgumentException e) {
          throw new ConfigException(source + ": field '" + path + "." + grant.getKey()
              + "' must be read or write");
        }
      }
      grants.put(principal.getKey(), levels.buildOrThrow());
    }
    return new AccessRules(grants.buildOrThrow());
  }

  /**
   * Reads section {@code cost}: cost-model coefficients by key, each a known key of the built-in
   * set ({@code cost-model/.../engine-coefficients.properties}) and a number >= 0.
   */
  private ImmutableMap<String, Double> costOverrides(String source, JsonNode node) {
    if (node == null || node.isNull()) {
      return ImmutableMap.of();
    }
    if (!node.isObject()) {
      throw new ConfigException(source + ": field 'cost' must be a mapping of coefficient to"
          + " number");
    }
    Set<String> known = new java.util.TreeSet<>(EngineCoefficients.builtIn().asMap().keySet());
    ImmutableMap.Builder<String, Double> overrides = ImmutableMap.builder();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> entry = it.next();
      String key = entry.getKey();
      if (!known.contains(key)) {
        throw new ConfigException(source + ": unknown field 'cost." + key + "' (known: "
            + String.join(", ", known) + ")");
      }
      String text = scalar(source, "cost." + key, entry.getValue());
      try {
        overrides.put(key, EngineCoefficients.value(key, text));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(source + ": field 'cost." + key + "' must be a number >= 0"
            + " (got '" + text + "')");
      }
    }
    return overrides.buildOrThrow();
  }

  private CatalogSpec catalog(String source, String name, JsonNode node) {
    String prefix = source + ": catalog '" + name + "': ";
    if (!CATALOG_NAME.matcher(name).matches()) {
      throw new ConfigException(prefix + "the name must be letters, digits and underscores");
    }
    if (node == null || !node.isObject()) {
      throw new ConfigException(prefix + "must be a mapping with at least a 'type' field");
    }
    Map<String, String> properties = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> field = it.next();
      String path = "catalogs." + name + "." + field.getKey();
      properties.put(field.getKey(), scalar(source, path, field.getValue()));
    }
    String type = properties.remove("type");
    if (type == null || type.isBlank()) {
      throw new ConfigException(prefix + "field 'type' is required (one of "
          + String.join(", ", StorageBackends.types()) + ")");
    }
    type = type.toLowerCase(Locale.ROOT);
    if (!StorageBackends.types().contains(type)) {
      throw new ConfigException(prefix + "field 'type' has unknown value '" + type
          + "' (known types: " + String.join(", ", StorageBackends.types()) + ")");
    }
    return new CatalogSpec(name, type, properties);
  }

  private String scalar(String source, String path, JsonNode node) {
    if (node == null || node.isNull()) {
      throw new ConfigException(source + ": field '" + path + "' has no value");
    }
    if (!node.isValueNode()) {
      throw new ConfigException(source + ": field '" + path + "' must be a single value");
    }
    return substitute(source, path, node.asText());
  }

  private String substitute(String source, String path, String value) {
    Matcher m = ENV.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String variable = m.group(1);
      String replacement = environment.apply(variable);
      if (replacement == null) {
        throw new ConfigException(source + ": field '" + path + "' refers to environment"
            + " variable " + variable + ", which is not set");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static int port(String source, String path, String value) {
    try {
      int port = Integer.parseInt(value.trim());
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new ConfigException(source + ": field '" + path
          + "' must be a port number from 0 to 65535");
    }
  }
}
