package io.meridian.adapter.parquet;

import com.google.common.collect.ImmutableList;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Finds the tables of a Parquet catalog directory: {@code <path>/<schema>/<table>.parquet} is a
 * table, and so is a folder {@code <path>/<schema>/<table>/} that holds Parquet files (possibly
 * in Hive-style {@code key=value} partition folders).
 */
public final class ParquetLayout {
  /** One table: its schema, name, and the DuckDB glob that reads all of its files. */
  public record TableLocation(String schema, String table, Path location, boolean directory) {
    /** Returns the path pattern to hand to {@code read_parquet}. */
    public String glob() {
      return directory ? location.resolve("**").resolve("*.parquet").toString()
          : location.toString();
    }
  }

  private ParquetLayout() {
  }

  /** Lists the tables under the root directory, sorted by schema and table. */
  public static ImmutableList<TableLocation> scan(Path root) {
    ImmutableList.Builder<TableLocation> tables = ImmutableList.builder();
    try (Stream<Path> schemas = Files.list(root)) {
      for (Path schemaDir : schemas.filter(Files::isDirectory).sorted().toList()) {
        String schema = schemaDir.getFileName().toString();
        try (Stream<Path> entries = Files.list(schemaDir)) {
          for (Path entry : entries.sorted().toList()) {
            String name = entry.getFileName().toString();
            if (name.startsWith(".") || name.startsWith("_")) {
              continue; // hidden and in-progress files
            }
            if (isParquetFile(entry)) {
              tables.add(new TableLocation(schema,
                  name.substring(0, name.length() - ".parquet".length()), entry, false));
            } else if (Files.isDirectory(entry) && containsParquet(entry)) {
              tables.add(new TableLocation(schema, name, entry, true));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list Parquet catalog directory " + root, e);
    }
    return tables.build();
  }

  private static boolean containsParquet(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.anyMatch(ParquetLayout::isParquetFile);
    }
  }

  /** Whether a path is a Parquet file (what a table's glob reads; in-progress files end in .tmp). */
  static boolean isParquetFile(Path path) {
    return Files.isRegularFile(path)
        && path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".parquet");
  }

  /** Where a table lives under the root: its folder if it has one, else its single file. */
  static TableLocation locate(Path root, String schema, String table) {
    Path folder = root.resolve(schema).resolve(table);
    return Files.isDirectory(folder) ? new TableLocation(schema, table, folder, true)
        : new TableLocation(schema, table, root.resolve(schema).resolve(table + ".parquet"),
            false);
  }
}
