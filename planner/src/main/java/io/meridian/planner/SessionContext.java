package io.meridian.planner;

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;

import org.apache.calcite.DataContext;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.config.CalciteConnectionConfig;
import org.apache.calcite.jdbc.CalcitePrepare;
import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.tools.RelRunner;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A statement's preparation context with Meridian's session rules: the connection's default
 * schema ({@code schema} connection property or {@code Connection.setSchema}) may name a
 * catalog ({@code shop}) or a schema within one ({@code shop.public}), so that unqualified
 * table names resolve there.
 */
final class SessionContext implements CalcitePrepare.Context {
  private final CalcitePrepare.Context delegate;

  SessionContext(CalcitePrepare.Context delegate) {
    this.delegate = requireNonNull(delegate, "delegate");
  }

  @Override public List<String> getDefaultSchemaPath() {
    List<String> path = delegate.getDefaultSchemaPath();
    if (path.size() == 1 && path.get(0).contains(".")) {
      return ImmutableList.copyOf(Splitter.on('.').trimResults().split(path.get(0)));
    }
    return path;
  }

  @Override public JavaTypeFactory getTypeFactory() {
    return delegate.getTypeFactory();
  }

  /**
   * Returns the connection's own root schema, not the per-statement snapshot Calcite makes of
   * it: a snapshot lists every schema and table of each catalog it touches again (a metadata
   * round trip to the backend per name level, about half of a simple statement's planning
   * time). The connection's schema caches those lists; {@link CatalogSnapshots} keeps them
   * current.
   */
  @Override public CalciteSchema getRootSchema() {
    return delegate.getMutableRootSchema();
  }

  @Override public CalciteSchema getMutableRootSchema() {
    return delegate.getMutableRootSchema();
  }

  @Override public CalciteConnectionConfig config() {
    return delegate.config();
  }

  @Override public CalcitePrepare.SparkHandler spark() {
    return delegate.spark();
  }

  @Override public DataContext getDataContext() {
    return delegate.getDataContext();
  }

  @Override public @Nullable List<String> getObjectPath() {
    return delegate.getObjectPath();
  }

  @Override public RelRunner getRelRunner() {
    return delegate.getRelRunner();
  }
}
