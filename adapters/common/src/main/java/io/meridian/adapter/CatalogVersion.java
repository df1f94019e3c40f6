package io.meridian.adapter;

/**
 * A catalog whose tables can change behind Meridian's back (DDL, another writer's commit). Its
 * {@link #generation()} changes whenever they did, so that connections drop the tables they
 * cached; the planner asks for it before every statement, so it must be cheap.
 */
public interface CatalogVersion {
  /** Returns a number that differs from the last one returned whenever the catalog changed. */
  long generation();

  /**
   * Whether a connection may remember the tables of this catalog's schemas between statements
   * (true for catalogs whose tables only change by DDL). A catalog whose table names resolve to
   * more than the names it lists (snapshots, narrowed scans) says false: every lookup reaches it.
   */
  default boolean cachesTables() {
    return true;
  }
}
