package io.meridian.planner.engine;

import com.google.common.collect.ImmutableList;

import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The processing engines of this installation: the JVM's, then each {@link ProcessingEngine}
 * registered through {@link ServiceLoader} on the class path, loaded once.
 */
public final class ProcessingEngines {
  private static final ImmutableList<ProcessingEngine> ALL = load();

  private ProcessingEngines() {
  }

  private static ImmutableList<ProcessingEngine> load() {
    List<ProcessingEngine> engines = new ArrayList<>();
    engines.add(new JvmEngine());
    Set<String> names = new HashSet<>();
    names.add(JvmEngine.NAME);
    for (ProcessingEngine engine : ServiceLoader.load(ProcessingEngine.class,
        ProcessingEngine.class.getClassLoader())) {
      if (!names.add(engine.name())) {
        throw new IllegalStateException("two processing engines are named '" + engine.name()
            + "': " + engine.getClass().getName() + " and another");
      }
      engines.add(engine);
    }
    return ImmutableList.copyOf(engines);
  }

  /** Returns every engine, the JVM's first. */
  public static ImmutableList<ProcessingEngine> all() {
    return ALL;
  }

  /** Returns the engine of that name, or null. */
  public static @Nullable ProcessingEngine named(String name) {
    return ALL.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
  }
}
