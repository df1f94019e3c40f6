package io.meridian.adapter.jdbc;

import java.util.regex.Pattern;

/** Keeps credentials out of messages: strips passwords and user-info from JDBC URLs and text. */
public final class Credentials {
  private static final Pattern URL_PASSWORD =
      Pattern.compile("(?i)([?&;](?:password|pwd|secret|token|access_token)=)[^&;\\s]*");
  private static final Pattern URL_USERINFO = Pattern.compile("(//)[^/@\\s]+@");

  private Credentials() {
  }

  /** Returns the text with anything that looks like a password in a URL replaced by ***. */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    String s = URL_PASSWORD.matcher(text).replaceAll("$1***");
    return URL_USERINFO.matcher(s).replaceAll("$1***@");
  }

  /** Returns the message with every occurrence of the secret (if any) replaced by ***. */
  public static String redact(String text, String secret) {
    String s = redact(text);
    if (s != null && secret != null && secret.length() >= 3) {
      s = s.replace(secret, "***");
    }
    return s;
  }
}
