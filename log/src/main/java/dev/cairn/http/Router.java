package dev.cairn.http;

import dev.cairn.log.LogMetrics;
import dev.cairn.sequencer.PushbackException;
import java.util.NoSuchElementException;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches every request to its route, turns errors into one-line 4xx/5xx answers, and
 * records each request in the metrics. Runs on virtual threads (the handler is blocking).
 */
final class Router extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(Router.class);
  private static final Set<String> READ = Set.of("GET", "HEAD");
  private static final Set<String> WRITE = Set.of("POST");

  private final ReadRoutes reads;
  private final WriteRoutes writes;
  private final AuditRoutes audit;
  private final StatusRoutes status;
  private final LogMetrics metrics;

  Router(ReadRoutes reads, WriteRoutes writes, AuditRoutes audit, StatusRoutes status,
      LogMetrics metrics) {
    this.reads = reads;
    this.writes = writes;
    this.audit = audit;
    this.status = status;
    this.metrics = metrics;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Exchange x = new Exchange(request, response, callback);
    long started = System.nanoTime();
    String route = "other";
    try {
      String path = x.path();
      if (path.startsWith("/tile/")) {
        route = path.startsWith("/tile/entries/") ? "bundle" : "tile";
        allow(x, READ);
        reads.tile(x, path.substring(1));
        return true;
      }
      switch (path) {
        case "/checkpoint" -> {
          route = "checkpoint";
          allow(x, READ);
          reads.checkpoint(x);
        }
        case "/add" -> {
          route = "add";
          allow(x, WRITE);
          writes.add(x);
        }
        case "/add-batch" -> {
          route = "add-batch";
          allow(x, WRITE);
          writes.addBatch(x);
        }
        case "/proof/inclusion" -> {
          route = "proof-inclusion";
          allow(x, READ);
          audit.inclusion(x);
        }
        case "/proof/consistency" -> {
          route = "proof-consistency";
          allow(x, READ);
          audit.consistency(x);
        }
        case "/checkpoints" -> {
          route = "checkpoints";
          allow(x, READ);
          audit.history(x);
        }
        case "/healthz" -> {
          route = "healthz";
          allow(x, READ);
          status.healthz(x);
        }
        case "/readyz" -> {
          route = "readyz";
          allow(x, READ);
          status.readyz(x);
        }
        case "/metrics" -> {
          route = "metrics";
          allow(x, READ);
          status.metrics(x);
        }
        case "/" -> {
          route = "home";
          allow(x, READ);
          status.home(x);
        }
        default -> throw HttpError.notFound("no such resource: " + Exchange.abbreviate(path));
      }
    } catch (HttpError e) {
      x.error(e.status(), e.getMessage());
    } catch (PushbackException e) {
      long seconds = Math.max(1, (e.retryAfter().toMillis() + 999) / 1000);
      response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(seconds));
      x.error(503, e.getMessage());
    } catch (IllegalArgumentException e) {
      x.error(400, e.getMessage());
    } catch (NoSuchElementException e) {
      x.error(404, e.getMessage());
    } catch (Exception e) {
      LOG.error("{} {} failed", request.getMethod(), x.path(), e);
      x.error(500, "internal error: " + e.getClass().getSimpleName());
    } finally {
      metrics.request(route, x.status(), System.nanoTime() - started);
    }
    return true;
  }

  private static void allow(Exchange x, Set<String> methods) {
    if (!methods.contains(x.method())) {
      x.response.getHeaders().put(HttpHeader.ALLOW, String.join(", ", methods));
      throw new HttpError(405, x.method() + " is not allowed on " + x.path() + "; use "
          + String.join(" or ", methods));
    }
  }
}
