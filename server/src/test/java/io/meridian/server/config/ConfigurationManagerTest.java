package io.meridian.server.config;

import io.meridian.adapter.CatalogConfigException;
import io.meridian.adapter.CatalogSpec;
import io.meridian.planner.CatalogRegistry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigurationManagerTest {
  private static final Map<String, String> ENV = Map.of("SHOP_PASSWORD", "pw-from-env");
  private final ConfigurationManager manager = new ConfigurationManager(ENV::get);

  private MeridianConfig parse(String yaml) {
    return manager.parse(yaml, "meridian.yaml", Path.of("/etc/meridian"));
  }

  private static final String GOOD = String.join("\n",
      "server: {host: 127.0.0.1, port: 9000}",
      "data-dir: ./data",
      "catalogs:",
      "  shop:      {type: postgres, url: \"jdbc:postgresql://127.0.0.1:5432/shop\", user: app,"
          + " password: \"${env:SHOP_PASSWORD}\"}",
      "  events:    {type: clickhouse, url: \"jdbc:clickhouse://127.0.0.1:8123/default\"}",
      "  analytics: {type: duckdb, path: /data/analytics.duckdb}",
      "  lake:      {type: parquet, path: /data/lake}",
      "");

  @Test void goodFileParses() {
    MeridianConfig config = parse(GOOD);
    assertThat(config.host()).isEqualTo("127.0.0.1");
    assertThat(config.port()).isEqualTo(9000);
    assertThat(config.serialization()).isEqualTo("PROTOBUF");
    assertThat(config.dataDir()).isEqualTo(Path.of("/etc/meridian/data"));
    assertThat(config.catalogs()).extracting(CatalogSpec::name)
        .containsExactly("shop", "events", "analytics", "lake");
    assertThat(config.catalogs()).extracting(CatalogSpec::type)
        .containsExactly("postgres", "clickhouse", "duckdb", "parquet");
    CatalogSpec shop = config.catalogs().get(0);
    assertThat(shop.require("password")).isEqualTo("pw-from-env");
    assertThat(shop.require("user")).isEqualTo("app");
    assertThat(shop.toString()).doesNotContain("pw-from-env");
  }

  @Test void usersFileIsResolvedAndMustExist(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("users.properties"), "alice: MD5:0, meridian\n");
    Files.writeString(dir.resolve("m.yaml"), "server: {users-file: users.properties}\n"
        + "catalogs:\n  a: {type: duckdb, path: x.duckdb}\n");
    assertThat(manager.load(dir.resolve("m.yaml")).usersFile())
        .isEqualTo(dir.resolve("users.properties"));
    assertThat(parse("catalogs:\n  a: {type: duckdb, path: x.duckdb}\n").usersFile()).isNull();
    assertThatThrownBy(() -> parse("server: {users-file: missing.properties}\n"
        + "catalogs:\n  a: {type: duckdb, path: x.duckdb}\n"))
        .hasMessageContaining("server.users-file").hasMessageContaining("missing.properties");
  }

  @Test void accessRulesGiveEachUserTheUnionOfItsGrants(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("users.properties"), "alice: MD5:0, meridian\n");
    String catalogs = "catalogs:\n  shop: {type: duckdb, path: s.duckdb}\n"
        + "  lake: {type: duckdb, path: l.duckdb}\n  crm: {type: duckdb, path: c.duckdb}\n";
    Files.writeString(dir.resolve("m.yaml"), "server: {users-file: users.properties}\n"
        + catalogs + "access:\n  analyst: {shop: read, Lake: read}\n"
        + "  etl: {lake: write}\n  root: {\"*\": write}\n  auditor: {\"*\": read, crm: write}\n");
    AccessRules rules = manager.load(dir.resolve("m.yaml")).access();
    assertThat(rules).isNotNull();

    var analystAndEtl = rules.forUser("alice", r -> r.equals("analyst") || r.equals("etl"));
    assertThat(analystAndEtl.readable()).containsExactlyInAnyOrder("shop", "lake");
    assertThat(analystAndEtl.writable()).containsExactly("lake");
    assertThat(analystAndEtl.canWrite("shop")).isFalse();
    assertThat(analystAndEtl.canRead("crm")).isFalse();
    var nobody = rules.forUser("zed", r -> false);
    assertThat(nobody.canRead("shop")).isFalse();
    assertThat(nobody.canRead(CatalogRegistry.RESERVED)).isFalse();
    // Rules may name users as well as roles.
    var root = rules.forUser("root", r -> false);
    assertThat(root.canWrite("crm")).isTrue();
    assertThat(root.canWrite(CatalogRegistry.RESERVED)).isTrue();
    var auditor = rules.forUser("x", "auditor"::equals);
    assertThat(auditor.canRead("shop")).isTrue();
    assertThat(auditor.canWrite("shop")).isFalse();
    assertThat(auditor.canWrite("crm")).isTrue();

    assertThatThrownBy(() -> parse(catalogs + "access:\n  analyst: {shop: read}\n"))
        .hasMessageContaining("'access' needs 'server.users-file'");
    Files.writeString(dir.resolve("bad.yaml"), "server: {users-file: users.properties}\n"
        + catalogs + "access:\n  analyst: {shopp: read}\n");
    assertThatThrownBy(() -> manager.load(dir.resolve("bad.yaml")))
        .hasMessageContaining("access.analyst.shopp").hasMessageContaining("names no catalog");
    Files.writeString(dir.resolve("bad.yaml"), "server: {users-file: users.properties}\n"
        + catalogs + "access:\n  analyst: {shop: admin}\n");
    assertThatThrownBy(() -> manager.load(dir.resolve("bad.yaml")))
        .hasMessageContaining("access.analyst.shop").hasMessageContaining("read or write");
  }

  @Test void statementLimitIsAWholeNumber() {
    String catalogs = "catalogs:\n  a: {type: duckdb, path: x.duckdb}\n";
    assertThat(parse(catalogs).limits().statementsPerUser()).isZero();
    assertThat(parse("server: {max-statements-per-user: 4}\n" + catalogs).limits()
        .statementsPerUser()).isEqualTo(4);
    assertThatThrownBy(() -> parse("server: {max-statements-per-user: -1}\n" + catalogs))
        .hasMessageContaining("server.max-statements-per-user");
    assertThatThrownBy(() -> parse("server: {max-statements-per-user: many}\n" + catalogs))
        .hasMessageContaining("server.max-statements-per-user");
  }

  @Test void defaultsApplyWhenServerIsOmitted() {
    MeridianConfig config = parse("catalogs:\n  a: {type: duckdb, path: x.duckdb}\n");
    assertThat(config.host()).isEqualTo("127.0.0.1");
    assertThat(config.port()).isEqualTo(MeridianConfig.DEFAULT_PORT);
    assertThat(config.dataDir()).isEqualTo(Path.of("/etc/meridian/data"));
  }

  @Test void loadReadsAFileAndResolvesPathsAgainstIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("m.yaml");
    Files.writeString(file, "data-dir: state\ncatalogs:\n  a: {type: duckdb, path: x.duckdb}\n");
    assertThat(manager.load(file).dataDir()).isEqualTo(dir.resolve("state"));
    assertThatThrownBy(() -> manager.load(dir.resolve("missing.yaml")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("missing.yaml");
  }

  @Test void unknownTypeNamesCatalogAndField() {
    assertThatThrownBy(() -> parse("catalogs:\n  sales: {type: oracle, url: x}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("catalog 'sales'")
        .hasMessageContaining("field 'type'")
        .hasMessageContaining("'oracle'")
        .hasMessageContaining("postgres");
  }

  @Test void missingTypeNamesCatalogAndField() {
    assertThatThrownBy(() -> parse("catalogs:\n  sales: {url: x}\n"))
        .hasMessageContaining("catalog 'sales'").hasMessageContaining("field 'type'");
  }

  @Test void missingRequiredFieldNamesCatalogAndField() {
    MeridianConfig config = parse("catalogs:\n  shop: {type: postgres, user: app}\n");
    assertThatThrownBy(() -> CatalogRegistry.create(config.catalogs()))
        .isInstanceOf(CatalogConfigException.class)
        .hasMessageContaining("catalog 'shop'")
        .hasMessageContaining("field 'url'");
    MeridianConfig lake = parse("catalogs:\n  lake: {type: parquet}\n");
    assertThatThrownBy(() -> CatalogRegistry.create(lake.catalogs()))
        .hasMessageContaining("catalog 'lake'").hasMessageContaining("field 'path'");
  }

  @Test void malformedFieldsAreNamed() {
    MeridianConfig badUrl = parse("catalogs:\n  shop: {type: postgres, url: 'mysql://x'}\n");
    assertThatThrownBy(() -> CatalogRegistry.create(badUrl.catalogs()))
        .hasMessageContaining("catalog 'shop'").hasMessageContaining("field 'url'");
    MeridianConfig missingDir =
        parse("catalogs:\n  lake: {type: parquet, path: /no/such/dir}\n");
    assertThatThrownBy(() -> CatalogRegistry.create(missingDir.catalogs()))
        .hasMessageContaining("catalog 'lake'").hasMessageContaining("field 'path'");
    assertThatThrownBy(() -> parse("server: {port: eighty}\ncatalogs:\n  a: {type: duckdb,"
        + " path: x}\n")).hasMessageContaining("field 'server.port'");
    assertThatThrownBy(() -> parse("server: {port: 70000}\ncatalogs:\n  a: {type: duckdb,"
        + " path: x}\n")).hasMessageContaining("field 'server.port'");
    assertThatThrownBy(() -> parse("catalogs:\n  a: {type: duckdb, path: x, pool: [1, 2]}\n"))
        .hasMessageContaining("field 'catalogs.a.pool'");
  }

  @Test void unsetEnvironmentVariableIsNamedButNoValueIsPrinted() {
    assertThatThrownBy(() -> parse("catalogs:\n  shop: {type: postgres, url: 'jdbc:postgresql:"
        + "//h/db', password: '${env:NOT_SET_ANYWHERE}'}\n"))
        .hasMessageContaining("catalogs.shop.password")
        .hasMessageContaining("NOT_SET_ANYWHERE");
  }

  @Test void unknownFieldsAndBadStructureAreRejected() {
    assertThatThrownBy(() -> parse("catalog:\n  a: {type: duckdb, path: x}\n"))
        .hasMessageContaining("unknown field 'catalog'");
    assertThatThrownBy(() -> parse("server: {hots: x}\ncatalogs:\n  a: {type: duckdb,"
        + " path: x}\n")).hasMessageContaining("server.hots");
    assertThatThrownBy(() -> parse("server: {port: 1}\n"))
        .hasMessageContaining("field 'catalogs' is required");
    assertThatThrownBy(() -> parse("catalogs:\n  a: duckdb\n"))
        .hasMessageContaining("catalog 'a'").hasMessageContaining("mapping");
    assertThatThrownBy(() -> parse("catalogs: [a, b]\n"))
        .hasMessageContaining("field 'catalogs' must be a mapping");
    assertThatThrownBy(() -> parse("catalogs:\n  'bad name': {type: duckdb, path: x}\n"))
        .hasMessageContaining("catalog 'bad name'");
    assertThatThrownBy(() -> parse(""))
        .hasMessageContaining("empty");
  }

  @Test void costCoefficientsOverrideTheBuiltInOnes() {
    MeridianConfig config = parse("catalogs:\n  a: {type: duckdb, path: x.duckdb}\n"
        + "cost:\n  duckdb-engine.fixed: 250\n  transfer.jdbc.value: 2.5\n");
    assertThat(config.costOverrides()).containsEntry("duckdb-engine.fixed", 250.0)
        .containsEntry("transfer.jdbc.value", 2.5).hasSize(2);
    assertThat(parse("catalogs:\n  a: {type: duckdb, path: x.duckdb}\n").costOverrides())
        .isEmpty();
  }

  @Test void badCostCoefficientsAreNamed() {
    assertThatThrownBy(() -> parse("catalogs:\n  a: {type: duckdb, path: x.duckdb}\n"
        + "cost:\n  gpu.row-cpu: 1\n"))
        .hasMessageContaining("unknown field 'cost.gpu.row-cpu'")
        .hasMessageContaining("duckdb-engine.fixed");
    assertThatThrownBy(() -> parse("catalogs:\n  a: {type: duckdb, path: x.duckdb}\n"
        + "cost:\n  duckdb-engine.fixed: -3\n"))
        .hasMessageContaining("field 'cost.duckdb-engine.fixed' must be a number >= 0");
    assertThatThrownBy(() -> parse("catalogs:\n  a: {type: duckdb, path: x.duckdb}\n"
        + "cost:\n  duckdb-engine.fixed: cheap\n"))
        .hasMessageContaining("field 'cost.duckdb-engine.fixed' must be a number >= 0");
  }

  @Test void invalidYamlNamesTheLine() {
    assertThatThrownBy(() -> parse("catalogs:\n  a: {type: duckdb, path: x\n  b: [\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("not valid YAML")
        .hasMessageContaining("line");
  }

  @Test void duplicateCatalogNamesDifferingInCaseAreRejected() {
    MeridianConfig config = parse("catalogs:\n  lake: {type: duckdb, path: /tmp/a.duckdb}\n"
        + "  LAKE: {type: duckdb, path: /tmp/b.duckdb}\n");
    assertThatThrownBy(() -> CatalogRegistry.create(config.catalogs()))
        .hasMessageContaining("catalog 'LAKE'").hasMessageContaining("field 'name'");
  }
}
