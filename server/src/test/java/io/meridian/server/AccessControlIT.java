package io.meridian.server;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;

import io.meridian.adapter.CatalogSpec;
import io.meridian.server.config.AccessRules;
import io.meridian.server.config.MeridianConfig;
import io.meridian.server.testing.DemoServerFixture;

import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.AvaticaStatement;
import org.eclipse.jetty.util.security.Credential;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Per-catalog access rules over the users file's users and roles: a user sees and queries only
 * the catalogs it may read (a hidden catalog is indistinguishable from one that does not
 * exist, in queries and in metadata), changes only those it may write (refused with SQL state
 * 42501 and nothing changed), and cannot use another user's connection or statement; and no
 * user has more statements executing than the server's limit.
 */
class AccessControlIT {
  private static final Map<String, String> PASSWORDS = Map.of(
      "alice", "alice-Pa55", "bob", "bob-Pa55", "carol", "carol-Pa55", "dave", "dave-Pa55");
  private static MeridianServer server;

  @BeforeAll static void start() throws Exception {
    DemoServerFixture demo = DemoServerFixture.get();
    try (Connection pg = DriverManager.getConnection(demo.demo().postgresUrl(), "postgres", "");
         Statement s = pg.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS access_scratch");
      s.execute("CREATE DATABASE access_scratch");
    }
    Path dir = Path.of("target", "it-access").toAbsolutePath();
    io.meridian.server.demo.DemoEnvironment.deleteRecursively(dir); // and its workload log
    Files.createDirectories(dir);
    Path users = dir.resolve("users.properties");
    String role = MeridianServer.USER_ROLE;
    Files.writeString(users, String.join("\n",
        "alice: " + Credential.MD5.digest(PASSWORDS.get("alice")) + ", " + role + ", analyst",
        "bob: " + Credential.MD5.digest(PASSWORDS.get("bob")) + ", " + role + ", etl",
        "carol: " + Credential.MD5.digest(PASSWORDS.get("carol")) + ", " + role,
        "dave: " + Credential.MD5.digest(PASSWORDS.get("dave")) + ", " + role, ""));
    AccessRules rules = new AccessRules(ImmutableMap.of(
        "analyst", ImmutableMap.of("shop", false, "lake", false),
        "etl", ImmutableMap.of("shop", false, "scratch", true),
        "dave", ImmutableMap.of(AccessRules.ANY_CATALOG, true)));
    ImmutableList<CatalogSpec> catalogs = ImmutableList.<CatalogSpec>builder()
        .addAll(demo.demo().catalogs().stream()
            .filter(c -> !c.name().equals("analytics")).toList()) // shop, lake
        .add(new CatalogSpec("scratch", "postgres", Map.of(
            "url", demo.demo().postgresUrl("access_scratch"), "user", "postgres",
            "password", "")))
        .build();
    server = MeridianServer.start(new MeridianConfig("127.0.0.1", 0, "JSON",
        dir.resolve("data"), catalogs).withUsersFile(users).withAccess(rules)
        .withLimits(new MeridianConfig.Limits(2)));
  }

  @AfterAll static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static Connection connect(String user) throws SQLException {
    return connect(user, new Properties());
  }

  private static Connection connect(String user, Properties extra) throws SQLException {
    Properties p = new Properties();
    p.putAll(extra);
    p.setProperty("authentication", "BASIC");
    p.setProperty("avatica_user", user);
    p.setProperty("avatica_password", PASSWORDS.get(user));
    return DriverManager.getConnection(server.jdbcUrl(), p);
  }

  private static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      assertThat(rs.next()).isTrue();
      return rs.getLong(1);
    }
  }

  private static List<String> catalogs(Connection c) throws SQLException {
    List<String> names = new ArrayList<>();
    try (ResultSet rs = c.getMetaData().getCatalogs()) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  private static TreeSet<String> catalogsOfTables(Connection c) throws SQLException {
    TreeSet<String> names = new TreeSet<>();
    try (ResultSet rs = c.getMetaData().getTables(null, null, null, null)) {
      while (rs.next()) {
        names.add(rs.getString("TABLE_CAT"));
      }
    }
    return names;
  }

  /** The failure of a statement, as SQL state and message. */
  private static String failure(Connection c, String sql) {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      return e.getSQLState() + " " + e.getMessage();
    }
    throw new AssertionError("expected a failure: " + sql);
  }

  @Test void readersSeeAndQueryOnlyTheirCatalogs() throws Exception {
    try (Connection alice = connect("alice")) {
      assertThat(count(alice, "SELECT count(*) FROM shop.public.nation")).isEqualTo(25);
      assertThat(count(alice, "SELECT count(*) FROM lake.tpch.lineitem")).isEqualTo(
          ((Number) DemoServerFixture.get().queryOracle("SELECT count(*) FROM lineitem")
              .rows().get(0).get(0)).longValue());
      assertThat(catalogs(alice)).containsExactly("lake", "shop");
      assertThat(catalogsOfTables(alice)).containsExactly("lake", "shop");
      // A hidden catalog fails exactly like one that does not exist, so a refusal says
      // nothing about what is hidden.
      for (String hidden : List.of("scratch", "meridian")) {
        String hiddenFailure = failure(alice, "SELECT * FROM " + hidden + ".public.t");
        String missing = "z".repeat(hidden.length()); // the same length: the same positions
        String missingFailure = failure(alice, "SELECT * FROM " + missing + ".public.t");
        assertThat(hiddenFailure.replace(hidden, "X"))
            .isEqualTo(missingFailure.replace(missing, "X"));
        assertThat(hiddenFailure).startsWith("42000 ");
      }
      try (ResultSet rs = alice.getMetaData().getTables("scratch", null, null, null)) {
        assertThat(rs.next()).isFalse();
      }
    }
    try (Connection carol = connect("carol")) {
      assertThat(catalogs(carol)).isEmpty();
      assertThat(catalogsOfTables(carol)).isEmpty();
      assertThat(failure(carol, "SELECT count(*) FROM shop.public.nation"))
          .startsWith("42000 ").contains("'shop'");
    }
  }

  @Test void writesNeedWriteAccess() throws Exception {
    try (Connection bob = connect("bob"); Statement s = bob.createStatement()) {
      assertThat(catalogs(bob)).containsExactly("scratch", "shop");
      s.execute("CREATE TABLE scratch.public.loads (id integer, note varchar(20))");
      assertThat(s.executeUpdate("INSERT INTO scratch.public.loads VALUES (1, 'one'), (2, 'two')"))
          .isEqualTo(2);
      assertThat(s.executeUpdate("UPDATE scratch.public.loads SET note = 'deux' WHERE id = 2"))
          .isEqualTo(1);
      // Reading one catalog to write another is fine.
      assertThat(s.executeUpdate("INSERT INTO scratch.public.loads"
          + " SELECT n_nationkey + 100, n_name FROM shop.public.nation")).isEqualTo(25);
      assertThat(count(bob, "SELECT count(*) FROM scratch.public.loads")).isEqualTo(27);

      for (String write : List.of(
          "INSERT INTO shop.public.region VALUES (9, 'X', 'x')",
          "UPDATE shop.public.region SET r_comment = 'x'",
          "DELETE FROM shop.public.region",
          "CREATE TABLE shop.public.mine (a integer)",
          "DROP TABLE shop.public.region",
          "CREATE INDEX region_name ON shop.public.region (r_name)",
          "ANALYZE shop.public.region")) {
        assertThat(failure(bob, write)).as(write).startsWith("42501 ")
            .contains("user 'bob' may read catalog 'shop' but not change it");
      }
      assertThat(count(bob, "SELECT count(*) FROM shop.public.region")).isEqualTo(5);
      assertThat(failure(bob, "CALIBRATE")).startsWith("42501 ")
          .contains("user 'bob' may not change catalog 'meridian'");
      s.execute("DROP TABLE scratch.public.loads");
    }
    try (Connection alice = connect("alice")) {
      assertThat(failure(alice, "INSERT INTO shop.public.region VALUES (9, 'X', 'x')"))
          .startsWith("42501 ").contains("user 'alice' may read catalog 'shop' but not change it");
      assertThat(failure(alice, "CALIBRATE")).startsWith("42501 ")
          .contains("user 'alice' may not change catalog 'meridian'");
    }
  }

  @Test void theWorkloadLogNamesTheAuthenticatedUser() throws Exception {
    try (Connection alice = connect("alice")) {
      count(alice, "SELECT count(*) FROM shop.public.nation WHERE n_regionkey = 3");
    }
    server.workloadLog().flush();
    try (Connection dave = connect("dave")) {
      assertThat(catalogs(dave)).containsExactly("lake", "meridian", "scratch", "shop");
      try (Statement s = dave.createStatement(); ResultSet rs = s.executeQuery(
          "SELECT user_name, sql_text FROM meridian.system.queries"
              + " WHERE sql_text LIKE '%n_regionkey = 3%'")) {
        List<String> users = new ArrayList<>();
        while (rs.next()) {
          users.add(rs.getString(1) + ": " + rs.getString(2));
        }
        assertThat(users).containsExactly(
            "alice: SELECT count(*) FROM shop.public.nation WHERE n_regionkey = 3");
      }
    }
  }

  @Test void connectionsAndStatementsBelongToTheirUser() throws Exception {
    try (Connection alice = connect("alice"); Statement s = alice.createStatement();
         Connection bob = connect("bob")) {
      s.setFetchSize(5);
      ResultSet rs = s.executeQuery("SELECT n_name FROM shop.public.nation ORDER BY n_name");
      assertThat(rs.next()).isTrue();
      String aliceConnection = alice.unwrap(AvaticaConnection.class).handle.id;
      int aliceStatement = s.unwrap(AvaticaStatement.class).handle.id;
      String bobConnection = bob.unwrap(AvaticaConnection.class).handle.id;

      String catalogsRequest = "{\"request\":\"getCatalogs\",\"connectionId\":\""
          + aliceConnection + "\"}";
      assertThat(post("alice", catalogsRequest).body()).contains("\"shop\"");
      HttpResponse<String> stolen = post("bob", catalogsRequest);
      assertThat(stolen.statusCode()).isEqualTo(500);
      // Avatica's own answer for a connection it does not know (its client then reopens one).
      assertThat(stolen.body()).contains("NoSuchConnectionException")
          .doesNotContain("\"shop\"");

      for (String connection : List.of(aliceConnection, bobConnection)) {
        HttpResponse<String> fetch = post("bob", "{\"request\":\"fetch\",\"connectionId\":\""
            + connection + "\",\"statementId\":" + aliceStatement
            + ",\"offset\":0,\"fetchMaxRowCount\":100}");
        assertThat(fetch.statusCode()).isEqualTo(500);
        assertThat(fetch.body()).contains("NoSuchConnectionException")
            .doesNotContain("ALGERIA");
        HttpResponse<String> close = post("bob", "{\"request\":\"closeStatement\","
            + "\"connectionId\":\"" + connection + "\",\"statementId\":" + aliceStatement + "}");
        assertThat(close.statusCode()).isEqualTo(500);
      }
      // Alice's statement is untouched: her cursor reads on.
      int rows = 1;
      while (rs.next()) {
        rows++;
      }
      assertThat(rows).isEqualTo(25);
    }
  }

  @Test void aUserHasAtMostTheLimitOfStatementsExecuting() throws Exception {
    // 225 million pairs: PostgreSQL works on it until the 3 s statement timeout stops it.
    String slow = "SELECT count(*) FROM shop.public.orders a CROSS JOIN shop.public.orders b"
        + " WHERE a.o_orderkey + b.o_orderkey = -424242";
    Properties timeout = new Properties();
    timeout.setProperty("statement-timeout", "3");
    List<Connection> bobs = new ArrayList<>();
    try {
      List<java.util.concurrent.CompletableFuture<String>> running = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Connection bob = connect("bob", timeout);
        bobs.add(bob);
        running.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> failure(bob, slow)));
      }
      try (Connection pg = DriverManager.getConnection(
          DemoServerFixture.get().demo().postgresUrl(), "postgres", "")) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (countActive(pg, "424242") < 2) {
          assertThat(System.nanoTime()).as("both statements reached PostgreSQL")
              .isLessThan(deadline);
          Thread.sleep(50);
        }
      }
      try (Connection bob = connect("bob"); Connection alice = connect("alice")) {
        assertThat(failure(bob, "SELECT count(*) FROM shop.public.nation"))
            .startsWith("53400 ").contains("user 'bob' already has 2 statements executing");
        // Another user is not held back by bob's statements.
        assertThat(count(alice, "SELECT count(*) FROM shop.public.nation")).isEqualTo(25);
        for (java.util.concurrent.CompletableFuture<String> f : running) {
          assertThat(f.get(60, java.util.concurrent.TimeUnit.SECONDS)).contains("cancel");
        }
        assertThat(count(bob, "SELECT count(*) FROM shop.public.nation")).isEqualTo(25);
      }
    } finally {
      for (Connection c : bobs) {
        c.close();
      }
    }
  }

  private static int countActive(Connection pg, String fragment) throws SQLException {
    try (java.sql.PreparedStatement s = pg.prepareStatement("SELECT count(*)"
        + " FROM pg_stat_activity WHERE state = 'active' AND strpos(query, ?) > 0"
        + " AND pid <> pg_backend_pid()")) {
      s.setString(1, fragment);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static HttpResponse<String> post(String user, String json) throws Exception {
    String basic = Base64.getEncoder().encodeToString(
        (user + ":" + PASSWORDS.get(user)).getBytes(StandardCharsets.UTF_8));
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + "/"))
        .header("Authorization", "Basic " + basic)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
