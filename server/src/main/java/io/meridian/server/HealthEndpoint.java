package io.meridian.server;

import io.meridian.adapter.ThreadScoped;
import io.meridian.planner.CatalogAccess;
import io.meridian.server.config.AccessRules;

import org.apache.calcite.avatica.remote.Service.RpcMetadataResponse;
import org.apache.calcite.avatica.server.AvaticaHandler;
import org.eclipse.jetty.server.Request;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.eclipse.jetty.server.handler.HandlerWrapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import static java.util.Objects.requireNonNull;

/**
 * Serves {@code GET /health} beside the Avatica endpoint: liveness (the server answers) and
 * readiness per catalog (whether its backend answered its last probe), as JSON. The status is
 * {@code UP} when every catalog is available, else {@code DEGRADED}; the HTTP status is 200
 * either way, since the server itself is serving. {@code GET /metrics} serves the
 * {@link PerformanceMonitor} in Prometheus' text format. Everything else goes to Avatica, with
 * the authenticated user (if any) as the request's {@link Caller}.
 */
final class HealthEndpoint extends HandlerWrapper implements AvaticaHandler {
  private final Supplier<Map<String, Boolean>> availability;
  private final PerformanceMonitor monitor;
  /** The access rules of the users file's users, or null: each may read and write all. */
  private final @Nullable AccessRules access;

  HealthEndpoint(AvaticaHandler avatica, Supplier<Map<String, Boolean>> availability,
      PerformanceMonitor monitor, @Nullable AccessRules access) {
    this.availability = requireNonNull(availability, "availability");
    this.monitor = requireNonNull(monitor, "monitor");
    this.access = access;
    setHandler(avatica);
  }

  @Override public void handle(String target, Request baseRequest, HttpServletRequest request,
      HttpServletResponse response) throws IOException, ServletException {
    if ("/health".equals(target) && "GET".equals(request.getMethod())) {
      Map<String, Boolean> catalogs = new TreeMap<>(availability.get());
      boolean allUp = !catalogs.containsValue(false);
      StringBuilder json = new StringBuilder("{\"status\":\"")
          .append(allUp ? "UP" : "DEGRADED").append("\",\"catalogs\":{");
      String separator = "";
      for (Map.Entry<String, Boolean> e : catalogs.entrySet()) {
        json.append(separator).append('"').append(e.getKey()).append("\":\"")
            .append(e.getValue() ? "available" : "unavailable").append('"');
        separator = ",";
      }
      json.append("}}");
      response.setStatus(HttpServletResponse.SC_OK);
      response.setContentType("application/json");
      response.getOutputStream().write(json.toString().getBytes(StandardCharsets.UTF_8));
      baseRequest.setHandled(true);
      return;
    }
    if ("/metrics".equals(target) && "GET".equals(request.getMethod())) {
      response.setStatus(HttpServletResponse.SC_OK);
      response.setContentType("text/plain; version=0.0.4; charset=utf-8");
      response.getOutputStream().write(
          monitor.prometheus(availability.get()).getBytes(StandardCharsets.UTF_8));
      baseRequest.setHandled(true);
      return;
    }
    java.security.Principal principal = request.getUserPrincipal();
    if (principal == null) {
      super.handle(target, baseRequest, request, response);
      return;
    }
    String user = principal.getName();
    Caller caller = new Caller(access == null ? new CatalogAccess(user, null, null)
        : access.forUser(user, request::isUserInRole));
    try (ThreadScoped.Scope scope = Caller.CURRENT.enter(caller)) {
      super.handle(target, baseRequest, request, response);
    }
  }

  @Override public void setServerRpcMetadata(RpcMetadataResponse metadata) {
    ((AvaticaHandler) getHandler()).setServerRpcMetadata(metadata);
  }
}
