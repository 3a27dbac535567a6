package dev.cairn.witness;

import dev.cairn.log.http.BodyBudget;
import dev.cairn.log.http.Exchange;
import dev.cairn.log.http.LogContext;
import dev.cairn.log.http.HttpConfig;
import dev.cairn.log.http.HttpError;
import dev.cairn.log.http.LogServer;
import dev.cairn.log.http.RateLimit;
import dev.cairn.witnessing.AddCheckpoint;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The witness's HTTP API, on the log's HTTP stack ({@link LogServer}: connection limits, TLS
 * with certificate reloading):
 *
 * <ul>
 *   <li>{@code POST /add-checkpoint} — C2SP tlog-witness; see {@link Witness} for the checks;
 *   <li>{@code GET /<lowercase hex SHA-256(origin)>/checkpoint} — the latest cosigned
 *       checkpoint of that log, with the log's signatures and the witness's cosignatures;
 *   <li>{@code GET /evidence[?origin=<hex SHA-256(origin)>]} — the newest fork evidence kept (of
 *       one log), a JSON list;
 *   <li>{@code /healthz}, {@code /readyz}, {@code /metrics}.
 * </ul>
 *
 * <p>Every refusal is a status and one line naming what was wrong. Request bodies are read
 * without blocking, within a server-wide budget of bytes being read (503 with Retry-After
 * beyond); the checks, which sign and fsync, run on a virtual thread.
 */
public final class WitnessServer implements AutoCloseable {
  private static final Set<String> READ = Set.of("GET", "HEAD");
  private static final Pattern CHECKPOINT_PATH = Pattern.compile("/([0-9a-f]{64})/checkpoint");
  /** The most bytes of add-checkpoint bodies read at once: 256 bodies of the largest size. */
  static final long BODY_BUDGET = 256L * AddCheckpoint.MAX_BODY;

  private final Witness witness;
  private final WitnessMetrics metrics;
  private final ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
  private final BodyBudget bodies = new BodyBudget(BODY_BUDGET);
  private LogServer server;

  private final Optional<RateLimit> perAddress;

  private WitnessServer(Witness witness, WitnessMetrics metrics, Optional<RateLimit> perAddress) {
    this.witness = witness;
    this.metrics = metrics;
    this.perAddress = perAddress;
  }

  /** Serves {@code witness} as {@code config} says (its address, limits and TLS). */
  public static WitnessServer start(Witness witness, WitnessMetrics metrics, HttpConfig config)
      throws Exception {
    return start(witness, metrics, config, 0);
  }

  /**
   * Serves {@code witness} as {@code config} says, taking at most {@code perAddressPerSecond}
   * add-checkpoint requests a second from one client address (bursts of twice that; 0 for no
   * limit): checked before the body is read, so that requests nobody signed — which the
   * per-log limit does not count — cannot make the witness verify signatures without end.
   */
  public static WitnessServer start(Witness witness, WitnessMetrics metrics, HttpConfig config,
      double perAddressPerSecond) throws Exception {
    WitnessServer s = new WitnessServer(witness, metrics, perAddressPerSecond > 0
        ? Optional.of(RateLimit.perSecond(perAddressPerSecond)) : Optional.empty());
    s.server = LogServer.start(s.new Routes(), config);
    return s;
  }

  /** The port it listens on. */
  public int port() {
    return server.port();
  }

  /** Routing runs on Jetty's I/O threads; what blocks (signing, fsync, files) does not. */
  private final class Routes extends Handler.Abstract.NonBlocking {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      Exchange x = new Exchange(request, response, callback, metrics);
      try (LogContext c = x.logContext()) {
        serve(x);
      }
      return true;
    }
  }

  private void serve(Exchange x) {
    try {
      String path = x.path();
      switch (path) {
        case "/add-checkpoint" -> addCheckpoint(x);
        case "/evidence" -> {
          x.route("evidence", READ);
          String origin = x.param("origin");
          if (origin != null && !origin.matches("[0-9a-f]{64}")) {
            throw new HttpError(400, "origin must be the lowercase hex SHA-256 of a log's"
                + " origin");
          }
          blocking.execute(() -> {
            try (LogContext c = x.logContext()) {
              x.send(200, "application/json", "no-store",
                  witness.evidenceJson(java.util.Optional.ofNullable(origin)));
            } catch (Throwable t) {
              x.fail(t);
            }
          });
        }
        case "/healthz" -> {
          x.route("healthz", READ);
          x.text(200, "no-store", "ok\n");
        }
        case "/readyz" -> {
          x.route("readyz", READ);
          if (witness.failedOrigins().isEmpty()) {
            x.text(200, "no-store", "ready\n");
          } else {
            x.error(503, "not ready: the state of " + witness.failedOrigins().size()
                + " logs could not be stored; see the server's log");
          }
        }
        case "/metrics" -> {
          x.route("metrics", READ);
          x.send(200, metrics.contentType(), "no-store", metrics.scrape());
        }
        default -> {
          var m = CHECKPOINT_PATH.matcher(path);
          if (!m.matches()) {
            throw new HttpError(404, "no such resource: " + Exchange.abbreviate(path, 80)
                + " (checkpoints are at /<lowercase hex SHA-256 of the origin>/checkpoint)");
          }
          x.route("checkpoint", READ);
          byte[] note = witness.latest(m.group(1)).orElseThrow(() -> new HttpError(404,
              "this witness has cosigned no checkpoint of a log whose origin hashes to "
                  + m.group(1)));
          x.send(200, "text/plain; charset=utf-8", "no-store", note);
        }
      }
    } catch (Throwable t) {
      x.fail(t);
    }
  }

  private void addCheckpoint(Exchange x) {
    x.route("add-checkpoint", Set.of("POST"));
    if (perAddress.isPresent()) {
      String address = Request.getRemoteAddr(x.request);
      long wait = perAddress.get().take(address);
      if (wait > 0) {
        answer(x, new Outcome.Slow(java.time.Duration.ofNanos(wait)), "client address "
            + address);
        return;
      }
    }
    long declared = x.request.getLength();
    long reserve = declared >= 0 && declared <= AddCheckpoint.MAX_BODY ? declared
        : AddCheckpoint.MAX_BODY;
    if (!bodies.tryReserve(reserve)) {
      x.response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
      throw new HttpError(503, "too many request bodies are being read; try again");
    }
    // The reservation is held until the body is answered: bodies queued behind an origin's
    // lock (an fsync each) still count, so memory stays bounded by the budget.
    x.readBody(AddCheckpoint.MAX_BODY).whenComplete((body, failure) -> {
      if (failure != null) {
        bodies.release(reserve);
        x.fail(failure);
        return;
      }
      try {
        blocking.execute(() -> {
          try (LogContext c = x.logContext()) {
            answer(x, witness.add(body), "this log");
          } catch (Throwable t) {
            x.fail(t);
          } finally {
            bodies.release(reserve);
          }
        });
      } catch (RuntimeException rejected) {
        bodies.release(reserve);
        x.fail(rejected);
      }
    });
  }

  private static void answer(Exchange x, Outcome outcome, String limited) {
    switch (outcome) {
      case Outcome.Cosigned c -> x.send(200, "text/plain; charset=utf-8", "no-store", c.body());
      case Outcome.StaleOldSize s -> x.send(409, AddCheckpoint.SIZE_MEDIA_TYPE, "no-store",
          AddCheckpoint.sizeBody(s.size()));
      case Outcome.Slow s -> {
        long seconds = Math.max(1, (s.retryAfter().toMillis() + 999) / 1000);
        x.response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(seconds));
        x.error(429, "too many requests for " + limited + "; retry after " + seconds + " s");
      }
      case Outcome.Refused r -> {
        if (r.status() == 503) {
          x.response.getHeaders().put(HttpHeader.RETRY_AFTER, "60");
        }
        x.error(r.status(), r.reason());
      }
    }
  }

  /** Stops serving; the witness stays open. */
  @Override
  public void close() throws Exception {
    server.close();
    blocking.shutdown();
  }
}
