package dev.cairn.log.http;

import dev.cairn.log.auth.Role;
import dev.cairn.log.LogMetrics;
import dev.cairn.log.tracing.Tracing;
import java.util.Set;
import java.util.concurrent.Executor;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Dispatches every request to its route. Routing and the non-blocking routes (the checkpoint,
 * cached tiles, writes, status) run inline on Jetty's I/O threads; routes that block on storage
 * (uncached tiles, proofs, history) run on a virtual thread. Writes never block a thread at all:
 * they answer when their sequencing future completes.
 */
final class Router extends Handler.Abstract.NonBlocking {
  private static final Set<String> READ = Set.of("GET", "HEAD");
  private static final Set<String> WRITE = Set.of("POST");

  /** A route's work. */
  @FunctionalInterface
  interface Route {
    void serve(Exchange x) throws Exception;
  }

  private final ReadRoutes reads;
  private final WriteRoutes writes;
  private final AuditRoutes audit;
  private final StatusRoutes status;
  private final LogMetrics metrics;
  private final Executor blocking;
  private final AdminRoutes admin;
  private final WriteGuard guard;
  private final Tracing tracing;
  private final java.util.Optional<UiRoutes> ui;

  Router(ReadRoutes reads, WriteRoutes writes, AuditRoutes audit, StatusRoutes status,
      AdminRoutes admin, LogMetrics metrics, Executor blocking, WriteGuard guard,
      Tracing tracing, java.util.Optional<UiRoutes> ui) {
    this.ui = ui;
    this.guard = guard;
    this.tracing = tracing;
    this.admin = admin;
    this.reads = reads;
    this.writes = writes;
    this.audit = audit;
    this.status = status;
    this.metrics = metrics;
    this.blocking = blocking;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Exchange x = new Exchange(request, response, callback, metrics, tracing);
    try (LogContext c = x.logContext()) {
      dispatch(x);
    }
    return true;
  }

  private void dispatch(Exchange x) {
    try {
      String path = x.path();
      if (path.startsWith("/tile/")) {
        route(x, path.startsWith("/tile/entries/") ? "bundle" : "tile", READ);
        reads.tile(x, path.substring(1), blocking);
        return;
      }
      if (path.equals("/ui") || path.startsWith("/ui/")) {
        explorer(x, path);
        return;
      }
      switch (path) {
        case "/checkpoint" -> inline(x, "checkpoint", READ, reads::checkpoint);
        case "/add" -> write(x, "add", writes::add);
        case "/add-batch" -> write(x, "add-batch", writes::addBatch);
        case "/proof/inclusion" -> onVirtualThread(x, "proof-inclusion", READ, audit::inclusion);
        case "/proof/consistency" ->
            onVirtualThread(x, "proof-consistency", READ, audit::consistency);
        case "/checkpoints" -> onVirtualThread(x, "checkpoints", READ, audit::history);
        case "/healthz" -> inline(x, "healthz", READ, status::healthz);
        case "/readyz" -> inline(x, "readyz", READ, status::readyz);
        case "/policy" -> inline(x, "policy", READ, status::policy);
        case "/metrics" -> inline(x, "metrics", READ, status::metrics);
        case "/" -> inline(x, "home", READ, status::home);
        case "/admin/keys" -> onVirtualThread(x, "admin-keys", READ, admin::keys);
        case "/admin/keys/rotate" -> onVirtualThread(x, "admin-rotate", WRITE, admin::rotate);
        case "/admin/keys/retire" -> onVirtualThread(x, "admin-retire", WRITE, admin::retire);
        case "/admin/config" -> onVirtualThread(x, "admin-config", READ, admin::config);
        case "/admin/health" -> onVirtualThread(x, "admin-health", READ, admin::health);
        default -> throw HttpError.notFound("no such resource: " + Exchange.abbreviate(path));
      }
    } catch (Throwable t) {
      x.fail(t);
    }
  }

  /** The explorer's files and its CSP reports, all answers hardened; 404 when it is off. */
  private void explorer(Exchange x, String path) throws Exception {
    UiRoutes.harden(x);
    if (ui.isEmpty()) {
      x.route("ui");
      throw HttpError.notFound("the explorer is turned off on this log (--ui=false)");
    }
    if (path.equals(UiRoutes.REPORT_PATH)) {
      route(x, "ui-csp-report", WRITE);
      ui.get().report(x);
    } else {
      inline(x, "ui", READ, ui.get()::asset);
    }
  }

  /**
   * A write, checked by the guard first: inline unless it authenticates, then on a virtual
   * thread, since checking a token may have to fetch the JWKS.
   */
  private void write(Exchange x, String name, Route r) throws Exception {
    Route checked = ex -> {
      guard.check(ex, Role.SUBMITTER);
      r.serve(ex);
    };
    if (guard.authenticates()) {
      onVirtualThread(x, name, WRITE, checked);
    } else {
      inline(x, name, WRITE, guard.enabled() ? checked : r);
    }
  }

  private static void inline(Exchange x, String name, Set<String> methods, Route r)
      throws Exception {
    route(x, name, methods);
    r.serve(x);
  }

  private void onVirtualThread(Exchange x, String name, Set<String> methods, Route r) {
    route(x, name, methods);
    blocking.execute(() -> {
      try (LogContext c = x.logContext()) {
        r.serve(x);
      } catch (Throwable t) {
        x.fail(t);
      }
    });
  }

  private static void route(Exchange x, String name, Set<String> methods) {
    x.route(name, methods);
  }
}
