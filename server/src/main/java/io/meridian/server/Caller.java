package io.meridian.server;

import io.meridian.adapter.ThreadScoped;
import io.meridian.planner.CatalogAccess;

import static java.util.Objects.requireNonNull;

/**
 * The authenticated user of the HTTP request a thread is handling, and what that user may do
 * ({@link CatalogAccess}). Avatica handles a request on the thread that received it, so the
 * HTTP front ({@link HealthEndpoint}) makes the caller {@link #CURRENT} for the request and
 * {@link MeridianMeta} reads it: a connection belongs to the user who opened it, and sees what
 * that user may see. There is no caller on a server without authentication.
 */
record Caller(CatalogAccess access) {
  /** The caller of the request the thread handles; none without authentication. */
  static final ThreadScoped<Caller> CURRENT = new ThreadScoped<>();

  Caller {
    requireNonNull(access, "access");
  }

  /** The authenticated user's name. */
  String user() {
    return access.user();
  }
}
