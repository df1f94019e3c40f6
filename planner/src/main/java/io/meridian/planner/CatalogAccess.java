package io.meridian.planner;

import com.google.common.collect.ImmutableSet;

import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelVisitor;
import org.apache.calcite.rel.core.TableModify;
import org.apache.calcite.tools.Program;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.List;
import java.util.Locale;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * What one session may do with each catalog: read it (then the catalog is part of the
 * session's schema tree, its tables listed and queryable) or also write it (insert, update,
 * delete, {@code CREATE}/{@code DROP TABLE}, {@code CREATE INDEX}). A catalog the session may
 * not read is simply absent: a query naming it fails exactly as for a catalog that does not
 * exist, so a refusal never reveals what is hidden. A write to a catalog the session may only
 * read fails with {@link AccessDeniedException} (SQL state {@code 42501}).
 *
 * <p>The server derives each session's access from the authenticated user and the
 * configuration's access rules; connections opened in-process get {@link #ALL}.
 *
 * @param user the user the access belongs to, for messages (never a credential)
 * @param readable the catalogs the session sees (lower case), or null for every catalog
 * @param writable the catalogs the session may change (lower case; each also readable), or
 *     null for every catalog
 */
public record CatalogAccess(String user, @Nullable ImmutableSet<String> readable,
    @Nullable ImmutableSet<String> writable) {
  /** Every catalog, read and write: in-process connections and servers without access rules. */
  public static final CatalogAccess ALL = new CatalogAccess("anonymous", null, null);

  public CatalogAccess {
    requireNonNull(user, "user");
  }

  /** Returns access to read {@code readable} and write {@code writable}, by catalog name. */
  public static CatalogAccess of(String user, Set<String> readable, Set<String> writable) {
    ImmutableSet<String> write = lower(writable);
    return new CatalogAccess(user,
        ImmutableSet.<String>builder().addAll(lower(readable)).addAll(write).build(), write);
  }

  private static ImmutableSet<String> lower(Set<String> names) {
    return names.stream().map(n -> n.toLowerCase(Locale.ROOT))
        .collect(ImmutableSet.toImmutableSet());
  }

  /** Whether the session sees the catalog. */
  public boolean canRead(String catalog) {
    return readable == null || readable.contains(catalog.toLowerCase(Locale.ROOT));
  }

  /** Whether the session may change the catalog's tables. */
  public boolean canWrite(String catalog) {
    return writable == null || writable.contains(catalog.toLowerCase(Locale.ROOT));
  }

  /** Fails unless the session may change the catalog's tables. */
  public void checkWrite(String catalog) {
    if (!canWrite(catalog)) {
      // Only a catalog the user reads can be named in a write that gets this far; the
      // system catalog (CALIBRATE) is the exception, and its existence is no secret.
      throw new AccessDeniedException(canRead(catalog)
          ? "user '" + user + "' may read catalog '" + catalog + "' but not change it"
          : "user '" + user + "' may not change catalog '" + catalog + "'");
    }
  }

  /** Returns the access of the session whose root schema is {@code root}. */
  public static CatalogAccess of(CalciteSchema root) {
    return SessionSettings.of(root).access();
  }

  /**
   * A planning step that checks, before anything is optimized, that every table the statement
   * changes is in a catalog the session may write; it returns the plan unchanged.
   */
  Program writeCheck() {
    return (planner, rel, requiredOutputTraits, materializations, lattices) -> {
      if (writable != null) {
        new RelVisitor() {
          @Override public void visit(RelNode node, int ordinal, @Nullable RelNode parent) {
            if (node instanceof TableModify) {
              checkWrite(catalogOf(((TableModify) node).getTable()));
            }
            super.visit(node, ordinal, parent);
          }
        }.go(rel);
      }
      return rel;
    };
  }

  private static String catalogOf(RelOptTable table) {
    List<String> name = table.getQualifiedName();
    return name.get(0);
  }

  /** A statement tried to change a catalog its user may only read. SQL state {@code 42501}. */
  public static final class AccessDeniedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AccessDeniedException(String message) {
      super(message);
    }

    /** The SQL state of a refusal: insufficient privilege. */
    public String sqlState() {
      return "42501";
    }
  }
}
