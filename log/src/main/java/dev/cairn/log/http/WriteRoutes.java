package dev.cairn.log.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.log.LogMetrics;
import dev.cairn.log.LogProofs;
import dev.cairn.log.PushbackException;
import dev.cairn.log.publishing.Checkpoints;
import dev.cairn.log.publishing.Publisher;
import dev.cairn.log.sequencing.Sequencer;
import dev.cairn.log.sequencing.Submissions;
import dev.cairn.tile.Bundles;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code POST /add} and {@code POST /add-batch}. The answer comes once the entry is durably
 * sequenced (its index is final); with {@code Accept: application/json}, {@code /add} waits
 * further for a published checkpoint that covers it and answers with its inclusion proof.
 *
 * <p>Nothing here blocks a thread: the body is read asynchronously, the sequencer hands back a
 * future, and the answer is written from Jetty's pool when it completes.
 */
final class WriteRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Submissions sequencer;
  private final Checkpoints publisher;
  private final LogProofs proofs;
  private final LogMetrics metrics;
  private final HttpConfig config;
  private final Executor responses;
  private final Executor blocking;
  private final BodyBudget bodies;

  WriteRoutes(Submissions sequencer, Checkpoints publisher, LogProofs proofs, LogMetrics metrics,
      HttpConfig config, Executor responses, Executor blocking, BodyBudget bodies) {
    this.sequencer = sequencer;
    this.publisher = publisher;
    this.proofs = proofs;
    this.metrics = metrics;
    this.config = config;
    this.responses = responses;
    this.blocking = blocking;
    this.bodies = bodies;
  }

  void add(Exchange x) {
    long started = System.nanoTime();
    body(x, Bundles.MAX_ENTRY_SIZE).thenAccept(entry -> {
      if (entry.length == 0) {
        throw HttpError.badRequest("empty entry: the request body is the entry, 1 to "
            + Bundles.MAX_ENTRY_SIZE + " bytes");
      }
      // The sequencer completes every future it hands out, with an index or with pushback.
      CompletableFuture<Sequencer.Added> added = !x.span().isRecording() ? sequencer.add(entry)
          : traced(x, "await sequencing", () -> sequencer.add(entry), f -> f);
      if (!x.accepts("application/json")) {
        added.whenCompleteAsync((a, failure) -> {
          if (failure != null) {
            x.fail(failure);
          } else {
            x.text(200, "no-store", a.index() + "\n");
            metrics.added("add", "sequenced", System.nanoTime() - started);
          }
        }, responses);
        return;
      }
      added.thenCompose(a -> traced(x, "await checkpoint", () -> publisher
              .awaitSize(a.index() + 1)
              .orTimeout(config.proofWait().toMillis(), TimeUnit.MILLISECONDS), f -> f)
              .thenApplyAsync(p -> proofAnswer(a, p), blocking))
          .whenComplete((body, failure) -> {
            if (failure != null) {
              x.fail(failure);
            } else {
              x.send(200, "application/json", "no-store", body);
              metrics.added("add", "proof", System.nanoTime() - started);
            }
          });
    }).exceptionally(failure -> {
      x.fail(failure);
      return null;
    });
  }

  private byte[] proofAnswer(Sequencer.Added a, Publisher.Published p) {
    try {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("index", a.index());
      body.put("duplicate", a.duplicate());
      body.put("proof", new String(proofs.inclusion(a.index(), p), StandardCharsets.UTF_8));
      return JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void addBatch(Exchange x) {
    long started = System.nanoTime();
    body(x, config.maxBatchBytes()).thenAccept(body -> {
      List<byte[]> entries;
      try {
        entries = Bundles.decodeAtMost(body, config.maxBatchEntries());
      } catch (IllegalArgumentException e) {
        throw HttpError.badRequest("malformed batch (expected uint16-length-prefixed entries,"
            + " at most " + config.maxBatchEntries() + "): " + e.getMessage());
      }
      if (entries.isEmpty()) {
        throw HttpError.badRequest("empty batch");
      }
      List<CompletableFuture<Sequencer.Added>> futures = !x.span().isRecording()
          ? sequencer.addAll(entries) : traced(x, "await sequencing",
              () -> sequencer.addAll(entries),
              fs -> CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)));
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
          .whenCompleteAsync((ignored, failure) -> {
            if (failure != null) {
              x.fail(failure);
              return;
            }
            List<Sequencer.Added> results = futures.stream().map(CompletableFuture::join)
                .toList();
            if (x.accepts("application/json")) {
              Map<String, Object> json = new LinkedHashMap<>();
              json.put("indices", results.stream().map(Sequencer.Added::index).toList());
              json.put("duplicates", results.stream().map(Sequencer.Added::duplicate).toList());
              try {
                x.send(200, "application/json", "no-store", JSON.writeValueAsBytes(json));
              } catch (IOException e) {
                x.fail(e);
              }
            } else {
              StringBuilder sb = new StringBuilder(results.size() * 8);
              for (Sequencer.Added a : results) {
                sb.append(a.index()).append('\n');
              }
              x.text(200, "no-store", sb.toString());
            }
            metrics.added("add-batch", "sequenced", System.nanoTime() - started);
          }, responses);
    }).exceptionally(failure -> {
      x.fail(failure);
      return null;
    });
  }

  /**
   * Starts {@code work}, for a traced request with the request's span current (so that the
   * batch that sequences its entries links to it), and then shows how long the request waits,
   * until {@code done} of what it started completes, in a span {@code name} under the request's.
   * The hot paths check first, so that an untraced request does not even build the lambdas.
   */
  private static <T> T traced(Exchange x, String name, Supplier<T> work,
      Function<T, CompletableFuture<?>> done) {
    if (!x.span().isRecording()) {
      return work.get();
    }
    Span waiting = x.childSpan(name);
    T result;
    try (Scope scope = x.span().makeCurrent()) {
      result = work.get();
    } catch (RuntimeException e) {
      waiting.setStatus(StatusCode.ERROR, e.toString());
      waiting.end();
      throw e;
    }
    done.apply(result).whenComplete((r, failure) -> {
      if (failure != null) {
        waiting.setStatus(StatusCode.ERROR, failure.toString());
      }
      waiting.end();
    });
    return result;
  }

  /**
   * Reads the request body, failing with 413 beyond {@code max} bytes, and with pushback,
   * without reading it, if it does not fit in the budget of bodies being read.
   */
  private CompletableFuture<byte[]> body(Exchange x, int max) {
    long declared = x.request.getLength();
    if (declared > max) {
      return x.readBody(max); // refused at once, counting nothing
    }
    long counted = declared >= 0 ? declared : max;
    if (!bodies.tryReserve(counted)) {
      // 503 with Retry-After, not 429: the budget is shared by every client, so running out of
      // it is the server's overload — pushback, like a full pool — not this client asking too
      // often. The body is not read: the refusal drops it (Exchange.send).
      return CompletableFuture.failedFuture(new PushbackException("request bodies being read"
          + " take the " + bodies.limit() + " bytes the log holds for them; try again",
          Duration.ofSeconds(1)));
    }
    CompletableFuture<byte[]> read;
    try {
      read = x.readBody(max);
    } catch (RuntimeException | Error e) {
      bodies.release(counted);
      throw e;
    }
    return read.whenComplete((b, failure) -> bodies.release(counted));
  }
}
