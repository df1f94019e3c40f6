package io.meridian.adapter.delta.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes, with Spark and delta-spark, the Delta table with deletion vectors that the server's
 * {@code DeltaIT} reads through Meridian (Delta Kernel writes appends only). The table is
 * {@code target/delta-tables/spark/items}, partitioned by {@code grp}, deletion vectors on, in
 * four versions:
 *
 * <ol start="0">
 *   <li>{@value #ROWS} generated rows (see {@link #GENERATE});
 *   <li>{@code DELETE WHERE id % 7 = 0}: a deletion vector on every file;
 *   <li>{@code UPDATE SET label = 'updated' WHERE id % 11 = 0}: more deletion vectors plus new
 *       files holding the updated rows;
 *   <li>{@code DELETE WHERE grp = 1 AND id < 50000}: deletion vectors that grow.
 * </ol>
 *
 * <p>{@code DeltaIT} checks each version against DuckDB computing the same rows from
 * {@code range()}; this test checks that Spark really wrote deletion vectors, so the reader path
 * that applies them is what DeltaIT exercises. A marker file records a finished table, so a
 * second build does not start Spark again.
 */
class SparkDeltaTablesTest {
  private static final Logger LOG = LoggerFactory.getLogger(SparkDeltaTablesTest.class);

  /** Rows in version 0. */
  static final int ROWS = 100_000;

  /** Spark SQL generating version 0; DeltaIT generates the same rows in DuckDB. */
  static final String GENERATE = "SELECT id, CAST(id % 4 AS INT) AS grp,"
      + " CAST((id * 37) % 100000 AS DECIMAL(12,2)) AS amount, id / 8.0D AS price,"
      + " concat('item-', CAST(id AS STRING)) AS label,"
      + " date_add(DATE '2020-01-01', CAST(id % 365 AS INT)) AS day"
      + " FROM range(0, " + ROWS + ", 1, 4)";

  /** Bump when the table's definition changes, so stale tables are written again. */
  private static final String DEFINITION = "items v1 " + GENERATE;

  @Test void writeTableWithDeletionVectors() throws Exception {
    Path root = Path.of("target", "delta-tables").toAbsolutePath();
    Path table = root.resolve("spark").resolve("items");
    Path marker = root.resolve("COMPLETE");
    if (Files.isRegularFile(marker)
        && Files.readString(marker, StandardCharsets.UTF_8).equals(DEFINITION)) {
      LOG.info("Delta table {} already written; checking its log only", table);
    } else {
      Files.deleteIfExists(marker);
      deleteRecursively(root);
      write(table);
      Files.writeString(marker, DEFINITION, StandardCharsets.UTF_8);
    }
    String log = logOf(table);
    // Versions 1–3 carry deletion vectors (descriptors in the add actions, files beside data).
    assertThat(log).contains("\"deletionVector\":{\"storageType\"");
    try (Stream<Path> files = Files.walk(table)) {
      assertThat(files.filter(p -> p.getFileName().toString().startsWith("deletion_vector_")))
          .isNotEmpty();
    }
    assertThat(table.resolve("_delta_log").resolve("00000000000000000003.json")).exists();
    assertThat(table.resolve("_delta_log").resolve("00000000000000000004.json")).doesNotExist();
  }

  private static void write(Path table) {
    LOG.info("Writing Delta table {} with Spark (deletion vectors on)", table);
    SparkSession spark = SparkSession.builder()
        .master("local[2]")
        .appName("meridian-delta-tables")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog",
            "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate();
    try {
      String t = "delta.`" + table + "`";
      spark.sql("CREATE TABLE " + t + " USING DELTA PARTITIONED BY (grp)"
          + " TBLPROPERTIES ('delta.enableDeletionVectors' = 'true') AS " + GENERATE);
      LOG.info("Version 0 written; deleting, updating");
      spark.sql("DELETE FROM " + t + " WHERE id % 7 = 0");
      spark.sql("UPDATE " + t + " SET label = 'updated' WHERE id % 11 = 0");
      spark.sql("DELETE FROM " + t + " WHERE grp = 1 AND id < 50000");
      List<Row> counts = spark.sql("SELECT count(*) FROM " + t).collectAsList();
      assertThat(counts.get(0).getLong(0)).isEqualTo(expectedLatestCount());
      LOG.info("Delta table written: {} rows at version 3", counts.get(0).getLong(0));
    } finally {
      spark.stop();
    }
  }

  /** Rows left after the two deletes, counted in Java. */
  private static long expectedLatestCount() {
    long n = 0;
    for (long id = 0; id < ROWS; id++) {
      if (id % 7 != 0 && !(id % 4 == 1 && id < 50_000)) {
        n++;
      }
    }
    return n;
  }

  private static String logOf(Path table) throws IOException {
    StringBuilder log = new StringBuilder();
    try (Stream<Path> files = Files.list(table.resolve("_delta_log"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        log.append(Files.readString(f, StandardCharsets.UTF_8));
      }
    }
    return log.toString();
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
