package io.meridian.server.workload;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A statement's fingerprint: its text with comments dropped, literals replaced by {@code ?},
 * whitespace collapsed and unquoted text in lower case, so that the runs of one query shape with
 * different constants share a fingerprint (the hash of that text).
 */
final class Fingerprints {
  private static final Pattern COMMENTS = Pattern.compile("--[^\\n]*|/\\*(?s:.*?)\\*/");
  /** Quoted identifiers, string literals, numbers (not inside names), in one pass. */
  private static final Pattern TOKENS = Pattern.compile(
      "\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'|(?<![\\w.])-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?\\b");
  private static final Pattern IN_LIST = Pattern.compile("\\(\\s*\\?(?:\\s*,\\s*\\?)+\\s*\\)");

  private Fingerprints() {
  }

  static String normalize(String sql) {
    String text = COMMENTS.matcher(sql).replaceAll(" ");
    StringBuilder out = new StringBuilder();
    var m = TOKENS.matcher(text);
    int last = 0;
    while (m.find()) {
      out.append(text, last, m.start()).append(m.group().startsWith("\"") ? m.group() : "?");
      last = m.end();
    }
    out.append(text.substring(last));
    // Lower-case outside quoted identifiers (literals are gone already).
    StringBuilder lowered = new StringBuilder(out.length());
    boolean quoted = false;
    for (int i = 0; i < out.length(); i++) {
      char c = out.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      }
      lowered.append(quoted ? c : Character.toLowerCase(c));
    }
    String collapsed = lowered.toString().replaceAll("\\s+", " ").strip();
    // IN lists of any length are one shape.
    return IN_LIST.matcher(collapsed).replaceAll("(?)").replaceAll(";$", "");
  }

  static String of(String normalized) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256")
          .digest(normalized.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The statement's first keyword, e.g. {@code select}, {@code insert}, {@code create}. */
  static String kind(String normalized) {
    String s = normalized.stripLeading();
    while (s.startsWith("(")) {
      s = s.substring(1).stripLeading();
    }
    int end = 0;
    while (end < s.length() && Character.isLetter(s.charAt(end))) {
      end++;
    }
    String word = s.substring(0, end).toLowerCase(Locale.ROOT);
    return word.equals("with") ? "select" : word.isEmpty() ? "other" : word;
  }
}
