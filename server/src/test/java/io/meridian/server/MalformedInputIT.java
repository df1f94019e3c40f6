package io.meridian.server;

import io.meridian.server.testing.DemoServerFixture;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed and extreme statements, generated with a fixed seed: random token soup, huge
 * literals, deeply nested expressions and subqueries, a 10 000-element IN list. The server
 * answers each with a result or an error (never a dropped connection or a hang), and answers
 * an ordinary statement after every one of them.
 */
class MalformedInputIT {
  private static final String[] TOKENS = {"SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER",
      "HAVING", "JOIN", "ON", "LEFT", "UNION", "ALL", "AS", "AND", "OR", "NOT", "IN", "IS",
      "NULL", "CASE", "WHEN", "THEN", "END", "CAST", "INTERVAL", "DATE", "(", ")", ",", ".",
      "*", "+", "-", "/", "=", "<>", "<", ">=", "'", "\"", ";", "?", "1", "0.5", "'x'",
      "shop.public.orders", "o_orderkey", "lake.tpch.lineitem", "l_quantity", "count(*)",
      "sum(", "VALUES", "INSERT", "INTO", "DROP", "TABLE", "WITH", "OVER", "PARTITION", "LIMIT",
      "OFFSET", "FETCH", "NEXT", "ROWS", "ONLY", "EXISTS", "BETWEEN", "LIKE", "ESCAPE", "||",
      "\u00e9", "--", "/*", "*/", "\\", "x", "y", "9999999999999999999999999"};

  private static DemoServerFixture fixture;

  @BeforeAll static void start() throws Exception {
    fixture = DemoServerFixture.get();
  }

  /** What a statement came to: "rows N", or "error <SQLSTATE>: <message>". */
  private static String run(Connection c, String sql) throws Exception {
    CompletableFuture<String> outcome = CompletableFuture.supplyAsync(() -> {
      try (Statement s = c.createStatement()) {
        if (s.execute(sql)) {
          try (ResultSet rs = s.getResultSet()) {
            int n = 0;
            while (rs.next()) {
              n++;
            }
            return "rows " + n;
          }
        }
        return "count " + s.getUpdateCount();
      } catch (SQLException e) {
        return "error " + e.getSQLState() + ": " + e.getMessage();
      } catch (RuntimeException e) {
        return "failure " + e;
      }
    });
    return outcome.get(120, TimeUnit.SECONDS);
  }

  /** Asserts that each statement gets an answer and the server still answers afterwards. */
  private static List<String> assertAnswered(List<String> statements) throws Exception {
    List<String> outcomes = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(fixture.server().jdbcUrl())) {
      for (String sql : statements) {
        String outcome = run(c, sql);
        String shown = sql.length() > 120 ? sql.substring(0, 120) + "..." : sql;
        assertThat(outcome).as(shown).matches("(?s)(rows|count|error) .*");
        if (outcome.startsWith("error")) {
          // An error says what went wrong, not just that something did.
          assertThat(outcome.length()).as(shown).isGreaterThan(20);
        }
        assertThat(run(c, "SELECT count(*) FROM shop.public.nation")).as("after " + shown)
            .isEqualTo("rows 1");
        outcomes.add(outcome);
      }
    }
    return outcomes;
  }

  @Test void randomTokenSoupGetsAnswers() throws Exception {
    Random random = new Random(20261129);
    List<String> statements = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      int length = 1 + random.nextInt(25);
      statements.add(IntStream.range(0, length).mapToObj(k -> TOKENS[random.nextInt(
          TOKENS.length)]).collect(Collectors.joining(random.nextBoolean() ? " " : "")));
    }
    List<String> outcomes = assertAnswered(statements);
    // Nearly all of them are errors; a syntax error (42601) names its line and column.
    assertThat(outcomes.stream().filter(o -> o.startsWith("error")).count())
        .isGreaterThan(100);
    assertThat(outcomes.stream().filter(o -> o.matches("(?s)error 42601: .*line \\d+, column"
        + " \\d+.*")).count()).isGreaterThan(50);
  }

  @Test void hugeLiteralsGetAnswers() throws Exception {
    String megabyte = "x".repeat(1 << 20);
    String digits = "9".repeat(10_000);
    List<String> outcomes = assertAnswered(List.of(
        "SELECT '" + megabyte + "' AS s",
        "SELECT char_length('" + megabyte + "') AS n",
        "SELECT " + digits + " AS n",
        "SELECT 1." + digits + " AS n",
        "SELECT count(*) FROM shop.public.orders WHERE o_comment = '" + megabyte + "'",
        "SELECT '" + "'".repeat(10_001)));
    assertThat(outcomes.get(1)).isEqualTo("rows 1");
    assertThat(outcomes.get(4)).isEqualTo("rows 1");
  }

  @Test void deepNestingGetsAnswers() throws Exception {
    List<String> statements = new ArrayList<>();
    for (int depth : new int[] {100, 1_000, 10_000}) {
      statements.add("SELECT " + "(".repeat(depth) + "1" + ")".repeat(depth) + " AS x");
      statements.add("SELECT " + IntStream.range(0, depth).mapToObj(i -> "1")
          .collect(Collectors.joining(" + ")) + " AS x");
      statements.add("SELECT count(*) FROM shop.public.nation WHERE "
          + IntStream.range(0, depth).mapToObj(i -> "n_nationkey <> " + (1000 + i))
              .collect(Collectors.joining(" AND ")));
    }
    statements.add("SELECT x FROM " + "(SELECT 1 AS x FROM ".repeat(200) + "shop.public.nation"
        + ") t".repeat(200));
    List<String> outcomes = assertAnswered(statements);
    // Moderate depths run; what is too deep for the planner fails with a message.
    assertThat(outcomes.get(0)).isEqualTo("rows 1");
    assertThat(outcomes.get(1)).isEqualTo("rows 1");
    assertThat(outcomes.get(2)).isEqualTo("rows 1");
  }

  @Test void tenThousandElementInListIsAnswered() throws Exception {
    String in = IntStream.rangeClosed(1, 10_000).map(i -> i * 4).mapToObj(Integer::toString)
        .collect(Collectors.joining(", "));
    String sql = "SELECT count(*) AS n, sum(o_totalprice) AS t FROM shop.public.orders"
        + " WHERE o_orderkey IN (" + in + ")";
    assertThat(fixture.queryMeridian(sql).differenceFrom(fixture.queryOracle(
        sql.replace("shop.public.orders", "orders")), false)).isNull();
  }
}
