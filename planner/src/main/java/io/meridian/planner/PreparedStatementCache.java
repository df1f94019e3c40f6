package io.meridian.planner;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;

import org.apache.calcite.avatica.Meta;
import org.apache.calcite.jdbc.CalcitePrepare;
import org.apache.calcite.jdbc.CalciteSchema;
import org.checkerframework.checker.nullness.qual.Nullable;

import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Each connection's prepared queries, by statement text: a dashboard or an application that
 * sends the same query again is not parsed, validated and planned again (for a query a backend
 * answers in tens of milliseconds, planning was a fifth of its time). What is reused is exactly
 * what a JDBC {@code PreparedStatement} re-executes. A connection's entries are dropped
 * whenever its view of the catalogs is refreshed ({@link CatalogSnapshots}: after DDL, after
 * ten seconds, or when a name was not found), so a cached plan never outlives the tables it
 * was made for by more than that.
 */
final class PreparedStatementCache {
  /** Prepared queries a connection keeps. */
  static final int MAX_PER_CONNECTION = 256;

  private static final Map<CalciteSchema, Cache<Key, CalcitePrepare.CalciteSignature<?>>>
      BY_CONNECTION = new WeakHashMap<>();

  /**
   * {@code feedback}: the plan was made before row counts observed since changed estimates;
   * {@code coefficients}: the cost coefficients it was planned with (calibration replaces
   * them; compared by identity).
   */
  private record Key(String sql, List<String> defaultSchema, Type elementType,
      long maxRowCount, long feedback, Object coefficients) {
  }

  private PreparedStatementCache() {
  }

  private static Cache<Key, CalcitePrepare.CalciteSignature<?>> of(CalciteSchema root) {
    synchronized (BY_CONNECTION) {
      return BY_CONNECTION.computeIfAbsent(root,
          r -> CacheBuilder.newBuilder().maximumSize(MAX_PER_CONNECTION).build());
    }
  }

  private static Key key(CalcitePrepare.Context context, String sql, Type elementType,
      long maxRowCount) {
    SessionSettings settings = SessionSettings.of(context.getRootSchema());
    return new Key(sql, List.copyOf(context.getDefaultSchemaPath()), elementType, maxRowCount,
        settings.observed().generation(), settings.coefficients());
  }

  /** Returns the connection's prepared form of a query, or null. */
  @SuppressWarnings("unchecked")
  static <T> CalcitePrepare.@Nullable CalciteSignature<T> get(CalcitePrepare.Context context,
      String sql, Type elementType, long maxRowCount) {
    return (CalcitePrepare.CalciteSignature<T>) of(context.getRootSchema())
        .getIfPresent(key(context, sql, elementType, maxRowCount));
  }

  /** Keeps a prepared query, if it is a query (never DDL or a write). */
  static void put(CalcitePrepare.Context context, String sql, Type elementType,
      long maxRowCount, CalcitePrepare.CalciteSignature<?> signature) {
    if (signature.statementType == Meta.StatementType.SELECT) {
      of(context.getRootSchema()).put(key(context, sql, elementType, maxRowCount), signature);
    }
  }

  /** Forgets a connection's prepared queries. */
  static void clear(CalciteSchema root) {
    synchronized (BY_CONNECTION) {
      Cache<Key, CalcitePrepare.CalciteSignature<?>> cache = BY_CONNECTION.get(root);
      if (cache != null) {
        cache.invalidateAll();
      }
    }
  }
}
