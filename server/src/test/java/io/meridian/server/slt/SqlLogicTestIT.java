package io.meridian.server.slt;

import com.google.common.collect.ImmutableList;

import io.meridian.adapter.CatalogSpec;
import io.meridian.server.MeridianServer;
import io.meridian.server.config.MeridianConfig;

import net.hydromatic.sqllogictest.OptionsParser;
import net.hydromatic.sqllogictest.SltTestFile;
import net.hydromatic.sqllogictest.TestStatistics;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SQLite's sqllogictest corpus run through Meridian (Avatica driver, planner, DuckDB backend).
 * The pass count of every file is a ratchet: the test fails when a file passes fewer queries
 * than recorded in {@code slt/baseline.properties}, and reports when one passes more (then
 * raise the baseline). Results go to {@code target/slt-results.csv}.
 *
 * <p>CI runs {@code select1}-{@code select5} and the first file of each {@code random/}
 * folder; {@code -Dmeridian.slt.files=random/select/slt_good_1.test,...} runs others.
 */
class SqlLogicTestIT {
  private static final Logger LOG = LoggerFactory.getLogger(SqlLogicTestIT.class);

  static final List<String> DEFAULT_FILES = ImmutableList.of(
      "select1.test", "select2.test", "select3.test", "select4.test", "select5.test",
      "random/select/slt_good_0.test", "random/aggregates/slt_good_0.test",
      "random/groupby/slt_good_0.test", "random/expr/slt_good_0.test");

  private static MeridianServer server;
  private static Path work;

  @BeforeAll static void start() throws Exception {
    work = Path.of("target", "slt").toAbsolutePath();
    Files.createDirectories(work);
    Files.deleteIfExists(work.resolve("slt.duckdb"));
    Files.deleteIfExists(work.resolve("slt.duckdb.wal"));
    server = MeridianServer.start(new MeridianConfig("127.0.0.1", 0, "PROTOBUF",
        work.resolve("data"), ImmutableList.of(new CatalogSpec("slt", "duckdb",
            Map.of("path", work.resolve("slt.duckdb").toString())))));
  }

  @AfterAll static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test void passCountsDoNotDrop() throws Exception {
    String property = System.getProperty("meridian.slt.files", "");
    List<String> files = property.isBlank() ? DEFAULT_FILES : List.of(property.split(","));
    Properties baseline = new Properties();
    try (InputStream in = getClass().getResourceAsStream("/slt/baseline.properties")) {
      if (in != null) {
        baseline.load(in);
      }
    }
    Map<String, TestStatistics> results = new LinkedHashMap<>();
    List<String> dropped = new ArrayList<>();
    StringBuilder csv = new StringBuilder("file,passed,failed,ignored,total,pass_rate\n");
    for (String file : files) {
      TestStatistics stats = run(file.trim());
      results.put(file, stats);
      int passed = stats.getPassedTestCount();
      int total = passed + stats.getFailedTestCount();
      csv.append(String.format(java.util.Locale.ROOT, "%s,%d,%d,%d,%d,%.4f%n", file, passed,
          stats.getFailedTestCount(), stats.getIgnoredTestCount(), total,
          total == 0 ? 0.0 : (double) passed / total));
      LOG.info("sqllogictest {}: {} of {} passed ({} ignored by the corpus' own skipif)",
          file, passed, total, stats.getIgnoredTestCount());
      String recorded = baseline.getProperty(file);
      if (recorded != null) {
        int expected = Integer.parseInt(recorded.trim());
        if (passed < expected) {
          dropped.add(file + ": " + passed + " passed, baseline " + expected);
        } else if (passed > expected) {
          LOG.warn("sqllogictest {}: {} passed, more than the baseline {}; raise it", file,
              passed, expected);
        }
      }
    }
    Files.writeString(Path.of("target", "slt-results.csv"), csv);
    assertThat(dropped).as("files whose pass count dropped below the baseline").isEmpty();
    assertThat(results.values()).allSatisfy(s -> assertThat(s.getPassedTestCount()).isPositive());
  }

  private TestStatistics run(String file) throws Exception {
    ByteArrayOutputStream messages = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(messages, true, StandardCharsets.UTF_8);
    OptionsParser parser = new OptionsParser(false, out, out);
    OptionsParser.SuppliedOptions options = parser.parse("-e", "none", file);
    // The corpus is read from the runner's jar, as a class-path resource.
    SltTestFile test = new SltTestFile("test/" + file);
    test.parse(options);
    MeridianSltExecutor executor =
        new MeridianSltExecutor(options, server.jdbcUrl(), "slt", "main");
    TestStatistics stats = executor.execute(test, options);
    Path log = work.resolve(file.replace('/', '_') + ".log");
    try (PrintStream failures = new PrintStream(Files.newOutputStream(log), true,
        StandardCharsets.UTF_8)) {
      failures.print(messages.toString(StandardCharsets.UTF_8));
      stats.printStatistics(failures);
    }
    return stats;
  }

}
