package io.meridian.adapter;

import com.google.common.collect.ImmutableMap;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One catalog as the configuration declares it: its name, its backend type and the backend's
 * own settings. Accessors fail with a {@link CatalogConfigException} that names the catalog and
 * the field, never the value (which may be a credential).
 */
public final class CatalogSpec {
  private final String name;
  private final String type;
  private final ImmutableMap<String, String> properties;

  public CatalogSpec(String name, String type, Map<String, String> properties) {
    this.name = requireNonNull(name, "name");
    this.type = requireNonNull(type, "type").toLowerCase(Locale.ROOT);
    this.properties = ImmutableMap.copyOf(properties);
  }

  /** Returns the catalog's name, the first part of {@code catalog.schema.table}. */
  public String name() {
    return name;
  }

  /** Returns the backend type, lower case (for example {@code postgres}). */
  public String type() {
    return type;
  }

  /** Returns all settings, for diagnostics that must not print them (use {@link #keys()}). */
  public ImmutableMap<String, String> properties() {
    return properties;
  }

  /** Returns a required setting; throws naming the catalog and field when it is missing. */
  public String require(String field) {
    String value = properties.get(field);
    if (value == null || value.isBlank()) {
      throw new CatalogConfigException(name, field, "is required for type '" + type + "'");
    }
    return value;
  }

  /** Returns an optional setting. */
  public Optional<String> optional(String field) {
    String value = properties.get(field);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
  }

  /** Returns an optional integer setting, or the default. */
  public int intValue(String field, int defaultValue) {
    Optional<String> value = optional(field);
    if (value.isEmpty()) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(value.get().trim());
    } catch (NumberFormatException e) {
      throw new CatalogConfigException(name, field, "must be an integer");
    }
  }

  /** Returns the names of the settings present (never their values). */
  public java.util.Set<String> keys() {
    return properties.keySet();
  }

  @Override public String toString() {
    // Values are deliberately left out: they may hold passwords.
    return "CatalogSpec{name=" + name + ", type=" + type + ", keys=" + properties.keySet() + "}";
  }
}
