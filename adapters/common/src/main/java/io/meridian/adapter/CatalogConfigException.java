package io.meridian.adapter;

/**
 * A catalog's configuration is wrong. The message names the catalog and the field, so that the
 * user can find the line in the configuration file.
 */
public class CatalogConfigException extends RuntimeException {
  private final String catalog;
  private final String field;

  public CatalogConfigException(String catalog, String field, String problem) {
    super("catalog '" + catalog + "': field '" + field + "' " + problem);
    this.catalog = catalog;
    this.field = field;
  }

  /** Returns the name of the catalog whose configuration is wrong. */
  public String catalog() {
    return catalog;
  }

  /** Returns the name of the offending field. */
  public String field() {
    return field;
  }
}
