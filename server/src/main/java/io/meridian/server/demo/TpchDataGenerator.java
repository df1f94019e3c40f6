package io.meridian.server.demo;

import io.trino.tpch.TpchEntity;
import io.trino.tpch.TpchTable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes TPC-H-derived tables as pipe-separated text files with {@code io.trino.tpch}, the Java
 * port of dbgen, logging progress as it goes.
 */
public final class TpchDataGenerator {
  private static final Logger LOG = LoggerFactory.getLogger(TpchDataGenerator.class);

  private TpchDataGenerator() {
  }

  /**
   * Generates every table at the scale factor into {@code dir/<table>.tbl} and returns the row
   * count of each table.
   */
  public static Map<String, Long> generate(double scale, Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, Long> counts = new LinkedHashMap<>();
    for (TpchTable<?> table : TpchTable.getTables()) {
      counts.put(table.getTableName(), generate(table, scale, dir));
    }
    return counts;
  }

  private static long generate(TpchTable<?> table, double scale, Path dir) throws IOException {
    String name = table.getTableName();
    long expected = Math.max(1, TpchSchema.expectedRows(name, scale));
    long step = Math.max(expected / 4, 100_000);
    long rows = 0;
    long start = System.nanoTime();
    try (BufferedWriter out = Files.newBufferedWriter(dir.resolve(name + ".tbl"))) {
      for (TpchEntity entity : table.createGenerator(scale, 1, 1)) {
        String line = entity.toLine();
        // dbgen's format ends each line with the separator; loaders want it without.
        out.write(line, 0, line.endsWith("|") ? line.length() - 1 : line.length());
        out.write('\n');
        rows++;
        if (rows % step == 0) {
          LOG.info("  generating {}: {} of ~{} rows ({}%)", name, rows, expected,
              Math.min(99, rows * 100 / expected));
        }
      }
    }
    LOG.info("  generated {}: {} rows in {} ms", name, rows,
        (System.nanoTime() - start) / 1_000_000);
    return rows;
  }
}
