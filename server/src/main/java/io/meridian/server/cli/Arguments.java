package io.meridian.server.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Parses {@code --name value} options and positional arguments of one command. */
final class Arguments {
  private final Map<String, String> options = new HashMap<>();
  private final List<String> positional = new ArrayList<>();
  private final Set<String> flags = new HashSet<>();
  private final boolean help;

  Arguments(List<String> args, Set<String> optionNames) {
    this(args, optionNames, Set.of());
  }

  /** {@code flagNames}: options that take no value ({@code --from-workload}). */
  Arguments(List<String> args, Set<String> optionNames, Set<String> flagNames) {
    boolean h = false;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--help") || a.equals("-h")) {
        h = true;
      } else if (a.startsWith("--")) {
        String name = a.substring(2);
        String value = null;
        int eq = name.indexOf('=');
        if (eq >= 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        }
        if (flagNames.contains(name) && value == null) {
          flags.add(name);
          continue;
        }
        if (!optionNames.contains(name)) {
          throw new UsageException("unknown option --" + name);
        }
        if (value == null) {
          if (i + 1 >= args.size()) {
            throw new UsageException("option --" + name + " needs a value");
          }
          value = args.get(++i);
        }
        options.put(name, value);
      } else {
        positional.add(a);
      }
    }
    this.help = h;
  }

  /** Whether the value-less option {@code --name} was given. */
  boolean flag(String name) {
    return flags.contains(name);
  }

  boolean help() {
    return help;
  }

  Optional<String> option(String name) {
    return Optional.ofNullable(options.get(name));
  }

  int intOption(String name, int defaultValue) {
    String v = options.get(name);
    if (v == null) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new UsageException("option --" + name + " must be an integer");
    }
  }

  double doubleOption(String name, double defaultValue) {
    String v = options.get(name);
    if (v == null) {
      return defaultValue;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new UsageException("option --" + name + " must be a number");
    }
  }

  List<String> positional() {
    return positional;
  }

  /** Wrong usage of the command line; printed with the command's help. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }
}
