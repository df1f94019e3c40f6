package io.meridian.server.config;

import com.google.common.collect.ImmutableMap;

import io.meridian.planner.CatalogAccess;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import static java.util.Objects.requireNonNull;

/**
 * Who may read and write which catalogs: section {@code access} of the configuration, by role
 * or user name (the roles are those of the users file), then by catalog, {@code read} or
 * {@code write}; {@code "*"} stands for every catalog, {@code meridian} is the system catalog
 * (the workload log, and {@code CALIBRATE}):
 *
 * <pre>
 * access:
 *   analyst: {shop: read, lake: read}
 *   etl:     {"*": write}
 *   carol:   {analytics: write}
 * </pre>
 *
 * <p>A user gets the union of what its name and its roles are given; a catalog nobody gives it
 * is hidden from it. Without an {@code access} section every authenticated user reads and
 * writes every catalog.
 *
 * @param grants by role or user name, by catalog name ({@code "*"}: all), whether writes are
 *     allowed too
 */
public record AccessRules(ImmutableMap<String, ImmutableMap<String, Boolean>> grants) {
  /** Stands for every catalog. */
  public static final String ANY_CATALOG = "*";

  public AccessRules {
    requireNonNull(grants, "grants");
  }

  /**
   * Returns what a user may do: the union of the grants to its name and to each role
   * {@code hasRole} accepts.
   */
  public CatalogAccess forUser(String user, Predicate<String> hasRole) {
    Set<String> read = new HashSet<>();
    Set<String> write = new HashSet<>();
    boolean readAll = false;
    boolean writeAll = false;
    for (Map.Entry<String, ImmutableMap<String, Boolean>> rule : grants.entrySet()) {
      if (!rule.getKey().equals(user) && !hasRole.test(rule.getKey())) {
        continue;
      }
      for (Map.Entry<String, Boolean> grant : rule.getValue().entrySet()) {
        boolean any = grant.getKey().equals(ANY_CATALOG);
        readAll |= any;
        writeAll |= any && grant.getValue();
        read.add(grant.getKey());
        if (grant.getValue()) {
          write.add(grant.getKey());
        }
      }
    }
    CatalogAccess named = CatalogAccess.of(user, read, write);
    return new CatalogAccess(user, readAll ? null : named.readable(),
        writeAll ? null : named.writable());
  }

  /** Parses the level of one grant: {@code read} or {@code write}. */
  static boolean writes(String level) {
    switch (level.trim().toLowerCase(Locale.ROOT)) {
    case "read":
      return false;
    case "write":
      return true;
    default:
      throw new IllegalArgumentException(level);
    }
  }
}
