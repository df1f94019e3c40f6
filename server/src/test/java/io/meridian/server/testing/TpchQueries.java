package io.meridian.server.testing;

import io.meridian.server.demo.DemoEnvironment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The 22 TPC-H queries from {@code ../shared/tpch/queries}, and their rewriting for a layout:
 * each unqualified table name becomes {@code catalog.schema.table}.
 */
public final class TpchQueries {
  private static final Pattern TABLE = Pattern.compile(
      "(?i)(?<=\\bfrom\\s{1,40}|,\\s{0,40}|\\bjoin\\s{1,40})"
          + "(customer|orders|lineitem|part|partsupp|supplier|nation|region)\\b");

  private TpchQueries() {
  }

  /** Returns the directory of the shared TPC-H material. */
  public static Path tpchDirectory() {
    String configured = System.getProperty("meridian.tpch.dir");
    if (configured != null) {
      return Path.of(configured);
    }
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolveSibling("shared").resolve("tpch");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("cannot find ../shared/tpch");
  }

  /** Returns query {@code n} (1..22) as written, without its final semicolon. */
  public static String query(int n) {
    Path file = tpchDirectory().resolve("queries")
        .resolve(String.format(Locale.ROOT, "q%02d.sql", n));
    try {
      return Files.readString(file).strip().replaceAll(";$", "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns query {@code n} with every table qualified as in the demo layout. */
  public static String forDemoLayout(int n) {
    return qualify(query(n), Map.of("shop", "shop.public", "analytics", "analytics.tpch",
        "lake", "lake.tpch"));
  }

  /** Qualifies table names: {@code schemaOfCatalog} maps a demo catalog to its prefix. */
  public static String qualify(String sql, Map<String, String> schemaOfCatalog) {
    Matcher m = TABLE.matcher(sql);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String table = m.group(1);
      String prefix = schemaOfCatalog.get(DemoEnvironment.LAYOUT.get(table));
      m.appendReplacement(out, Matcher.quoteReplacement(prefix + "." + table));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Qualifies each table name with its own prefix ({@code catalog.schema} per table). */
  public static String qualifyEach(String sql, Map<String, String> prefixOfTable) {
    Matcher m = TABLE.matcher(sql);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String prefix = prefixOfTable.get(m.group(1));
      if (prefix == null) {
        throw new IllegalArgumentException("no place for table " + m.group(1));
      }
      m.appendReplacement(out, Matcher.quoteReplacement(prefix + "." + m.group(1)));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Qualifies every table name with one prefix ({@code catalog.schema}). */
  public static String qualifyAll(String sql, String prefix) {
    Matcher m = TABLE.matcher(sql);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(prefix + "." + m.group(1)));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Returns whether the query's outermost statement ends with ORDER BY (then order matters). */
  public static boolean isOrdered(String sql) {
    String s = sql.toLowerCase(Locale.ROOT);
    int order = s.lastIndexOf("order by");
    return order >= 0 && s.indexOf(')', order) < 0;
  }
}
