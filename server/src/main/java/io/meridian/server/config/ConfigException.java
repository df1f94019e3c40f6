package io.meridian.server.config;

/** The configuration is wrong; the message names the file, and the catalog and field. */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
