package dev.cairn.log.witnessing;

import dev.cairn.log.publishing.CheckpointEndorser.Endorsement;
import dev.cairn.merkle.Hash;
import dev.cairn.note.NoteException;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.SignedNote;
import dev.cairn.policy.Policy;
import dev.cairn.read.CappedBody;
import dev.cairn.witnessing.AddCheckpoint;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One witness submission URL and the policy witnesses behind it (one witness with an Ed25519 and
 * an ML-DSA-44 key is two policy lines with one URL): one add-checkpoint request per checkpoint,
 * at most {@value #MAX_TRIES} tries, each within the per-try timeout and the round's deadline.
 *
 * <p>A try's {@code old} size is the size the witness last cosigned ({@link CosignedSizes}),
 * 0 when unknown (the spec's way to learn it). The answers, in order:
 *
 * <ul>
 *   <li>200: each signature line by one of this URL's policy keys must verify over this exact
 *       checkpoint text; lines by other keys are ignored. With at least one valid cosignature
 *       the checkpoint's size is recorded.
 *   <li>409 with a {@code text/x.tlog.size} body: try again from that size. A size beyond this
 *       checkpoint, or the size just sent, ends the submission (the witness holds a checkpoint
 *       this log never published at that size: the second is a sign of a fork, logged as such).
 *       A size below the one the witness cosigned for this log before is logged too (it lost or
 *       rolled back its state), and caught up from.
 *   <li>409 with an empty body (witnesses before the size body): try again once from the size of
 *       the latest published checkpoint, which the witness most likely cosigned.
 *   <li>422: the witness refuses the consistency proof, or holds another checkpoint of this
 *       size: it contradicts what it cosigned before, a sign of a fork. Ends the submission.
 *   <li>429: wait for Retry-After (1 s if absent) if that and a short try fit before the
 *       deadline, then try again; otherwise give up.
 *   <li>5xx, timeouts, broken connections: try again. Other statuses (400, 403, 404) and a
 *       200 without a valid cosignature end the submission.
 * </ul>
 *
 * <p>A try, headers and body, ends by the earlier of its start plus the per-try timeout and the
 * round's deadline: the JDK's request timeout covers the headers only, so the body gets what is
 * left of that same time.
 *
 * <p>Submissions to one URL run one after the other, so two checkpoints never race for one
 * witness's state.
 */
final class WitnessEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(WitnessEndpoint.class);
  /** The most tries per checkpoint. */
  static final int MAX_TRIES = 3;
  /** The largest answer read; 16 cosignatures of ML-DSA-44 take about 55 KiB. */
  static final int MAX_ANSWER = 64 * 1024;
  private static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
  /** The least time worth a try after waiting for a Retry-After. */
  static final Duration MIN_TRY = Duration.ofMillis(100);

  /**
   * How one checkpoint's submission ended.
   *
   * @param cosignatures the valid cosignature lines
   * @param cosigned the policy names of the witnesses whose cosignature verified
   * @param failure why it ended without a cosignature (or with a bad one beside good ones)
   */
  record Outcome(List<NoteSignature> cosignatures, Set<String> cosigned,
      Optional<Failure> failure) {
    Outcome {
      cosignatures = List.copyOf(cosignatures);
      cosigned = Set.copyOf(cosigned);
    }
  }

  /** A failed submission: its kind and what happened, naming sizes and statuses. */
  record Failure(FailureKind kind, String detail) {
    @Override
    public String toString() {
      return kind.label() + ": " + detail;
    }
  }

  private final String url;
  private final URI addCheckpoint;
  private final Cosignatures cosignatures;
  private final String label;
  private final HttpClient http;
  private final Duration tryTimeout;
  private final CosignedSizes sizes;
  private final WitnessMetrics metrics;
  /** Guarded by {@code this}: the submission under way or last done. */
  private CompletableFuture<Outcome> tail = CompletableFuture.completedFuture(null);
  private volatile Outcome last;
  private volatile long cosignedSize = -1;

  WitnessEndpoint(String url, List<Policy.Witness> witnesses, HttpClient http,
      Duration tryTimeout, CosignedSizes sizes, WitnessMetrics metrics) {
    this.url = url;
    this.addCheckpoint = URI.create((url.endsWith("/") ? url.substring(0, url.length() - 1)
        : url) + "/add-checkpoint");
    this.cosignatures = new Cosignatures(witnesses);
    this.label = String.join(",", witnesses.stream().map(Policy.Witness::name).toList());
    this.http = http;
    this.tryTimeout = tryTimeout;
    this.sizes = sizes;
    this.metrics = metrics;
  }

  /** The policy names of the witnesses at this URL, comma-separated: the metrics label. */
  String label() {
    return label;
  }

  String url() {
    return url;
  }

  /** How the last submission ended, if there was one. */
  Optional<Outcome> last() {
    return Optional.ofNullable(last);
  }

  /** The size last cosigned, -1 if not known (for the metric). */
  long cosignedSize() {
    return cosignedSize;
  }

  /**
   * Submits the checkpoint once the previous submission to this URL ended, on {@code threads}.
   * Never fails: a failure is in the outcome.
   *
   * @param deadline {@link System#nanoTime()} by which every try must have ended
   */
  synchronized CompletableFuture<Outcome> submitAsync(Endorsement e, long deadline,
      Executor threads) {
    CompletableFuture<Outcome> next = tail.handle((o, t) -> null)
        .thenApplyAsync(ignored -> submitLogged(e, deadline), threads);
    tail = next;
    return next;
  }

  /** Completes when the submission under way (if any) has ended. */
  synchronized CompletableFuture<Void> settled() {
    return tail.handle((o, t) -> null);
  }

  private Outcome submitLogged(Endorsement e, long deadline) {
    Outcome o;
    try {
      o = submit(e, deadline);
    } catch (RuntimeException failure) {
      o = failed(FailureKind.CONNECT, "unexpected failure: " + failure);
      LOG.error("witness {} at {}: unexpected failure", label, url, failure);
    }
    report(e.checkpoint().size(), o);
    last = o;
    return o;
  }

  /** Logs changes only: a witness failing the same way every second writes one line. */
  private void report(long size, Outcome o) {
    Optional<Failure> before = Optional.ofNullable(last).flatMap(Outcome::failure);
    if (o.failure().isEmpty()) {
      if (before.isPresent()) {
        LOG.info("witness {} at {} cosigned again (size {})", label, url, size);
      }
      return;
    }
    Failure f = o.failure().get();
    if (before.isPresent() && before.get().kind() == f.kind()) {
      LOG.debug("witness {} at {} still failing at size {}: {}", label, url, size, f);
    } else if (f.kind().misbehaviour() || f.kind() == FailureKind.BEYOND_LOG) {
      LOG.error("witness {} at {} misbehaved on the checkpoint at size {}: {}", label, url,
          size, f);
    } else {
      LOG.warn("witness {} at {} gave no cosignature for the checkpoint at size {}: {}", label,
          url, size, f);
    }
  }

  private Outcome submit(Endorsement e, long deadline) {
    long size = e.checkpoint().size();
    long old = startingSize(size);
    long before = cosignedSize; // what it cosigned for this log, as far as the log knows
    byte[] note = e.signedNote();
    Failure lastFailure = null;
    boolean triedPublished = false;
    for (int attempt = 1; attempt <= MAX_TRIES; attempt++) {
      if (deadline - System.nanoTime() <= 0) {
        return failed(FailureKind.TIMEOUT, "no time left before the round's deadline"
            + (lastFailure == null ? "" : "; last try: " + lastFailure));
      }
      List<Hash> proof;
      try {
        proof = old == 0 || old == size ? List.of() : e.tree().consistencyProof(old, size);
      } catch (IOException | RuntimeException x) {
        return failed(FailureKind.PROOF, "couldn't build the consistency proof from size " + old
            + " to " + size + ": " + x.getMessage());
      }
      // Measured after the proof, which may have read tiles: headers and body end by then.
      long started = System.nanoTime();
      long end = started + Math.min(tryTimeout.toNanos(), deadline - started);
      if (end - started <= 0) {
        return failed(FailureKind.TIMEOUT, "no time left before the round's deadline"
            + (lastFailure == null ? "" : "; last try: " + lastFailure));
      }
      Duration timeout = Duration.ofNanos(end - started);
      HttpRequest request = HttpRequest.newBuilder(addCheckpoint).timeout(timeout)
          .header("Content-Type", "text/plain; charset=utf-8")
          .POST(HttpRequest.BodyPublishers.ofByteArray(
              new AddCheckpoint(old, proof, note).encode()))
          .build();
      HttpResponse<byte[]> r;
      try {
        r = http.send(request, info -> CappedBody.cutting(MAX_ANSWER,
            Duration.ofNanos(Math.max(1, end - System.nanoTime()))));
      } catch (HttpTimeoutException x) {
        lastFailure = tried(FailureKind.TIMEOUT, "no answer within " + timeout.toMillis()
            + " ms (try " + attempt + ")");
        continue;
      } catch (ConnectException x) {
        lastFailure = tried(FailureKind.CONNECT, "couldn't connect: " + message(x));
        continue;
      } catch (IOException x) {
        lastFailure = x.getCause() instanceof java.util.concurrent.TimeoutException
            ? tried(FailureKind.TIMEOUT, "no whole answer within " + timeout.toMillis()
                + " ms (try " + attempt + ")")
            : tried(FailureKind.CONNECT, "the exchange failed: " + message(x));
        continue;
      } catch (InterruptedException x) {
        Thread.currentThread().interrupt();
        return failed(FailureKind.TIMEOUT, "interrupted");
      }
      metrics.latency(label, System.nanoTime() - started);
      byte[] body = r.body();
      switch (r.statusCode()) {
        case 200 -> {
          return cosigned(e, body);
        }
        case 409 -> {
          OptionalLong told = AddCheckpoint.parseSizeBody(body);
          if (told.isPresent()) {
            long s = told.getAsLong();
            if (s > size) {
              return failed(FailureKind.BEYOND_LOG, "answered 409: it last cosigned size " + s
                  + ", beyond this checkpoint's size " + size + " (a view of this log the log"
                  + " never published, or another log under this origin)");
            }
            if (s == old) {
              return failed(FailureKind.REFUSED_CONSISTENCY, "answered 409 with the size sent, "
                  + old + ": it holds another checkpoint of that size");
            }
            if (s < before) {
              LOG.error("witness {} at {} answered 409 with size {}, below the size {} it"
                  + " cosigned for this log before: it lost or rolled back its state; catching"
                  + " it up from {}", label, url, s, before, s);
            }
            lastFailure = tried(FailureKind.CONFLICT, "answered 409: it last cosigned size " + s
                + ", not " + old);
            old = s;
          } else {
            OptionalLong published = e.previous().map(c -> OptionalLong.of(c.size()))
                .orElse(OptionalLong.empty());
            if (body.length > 0 || triedPublished || published.isEmpty()
                || published.getAsLong() == old) {
              return failed(FailureKind.CONFLICT, "answered 409 to old size " + old
                  + (body.length > 0 ? " with a body that is not a size" : " without its size")
                  + (triedPublished ? ", also from the last published size" : ""));
            }
            // A witness from before the size body: it most likely cosigned the last checkpoint.
            triedPublished = true;
            lastFailure = tried(FailureKind.CONFLICT, "answered 409 to old size " + old
                + " without its size; trying the last published size");
            old = published.getAsLong();
          }
        }
        case 429 -> {
          Duration wait = retryAfter(r).orElse(DEFAULT_RETRY_AFTER);
          if (attempt == MAX_TRIES
              || System.nanoTime() + wait.toNanos() + MIN_TRY.toNanos() >= deadline) {
            return failed(FailureKind.RATE_LIMITED, "answered 429 with Retry-After "
                + wait.toSeconds() + " s, beyond the deadline or the tries");
          }
          lastFailure = tried(FailureKind.RATE_LIMITED, "answered 429; waiting " + wait);
          try {
            Thread.sleep(wait); // on this submission's own virtual thread
          } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            return failed(FailureKind.RATE_LIMITED, "interrupted while waiting to retry");
          }
        }
        case 422 -> {
          return failed(FailureKind.REFUSED_CONSISTENCY, "answered 422, refusing this"
              + " checkpoint as inconsistent with what it cosigned (from size " + old + "): "
              + excerpt(body));
        }
        default -> {
          Failure f = tried(FailureKind.HTTP_STATUS, "answered " + r.statusCode() + ": "
              + excerpt(body));
          if (r.statusCode() < 500) {
            return new Outcome(List.of(), Set.of(), Optional.of(f));
          }
          lastFailure = f;
        }
      }
    }
    return new Outcome(List.of(), Set.of(), Optional.of(new Failure(lastFailure.kind(),
        "gave up after " + MAX_TRIES + " tries; the last: " + lastFailure.detail())));
  }

  /** The old size to start from: the last cosigned size known, else 0. */
  private long startingSize(long size) {
    OptionalLong known;
    try {
      known = sizes.get(url);
    } catch (IOException e) {
      LOG.warn("couldn't read the size witness {} last cosigned ({}); starting from 0", label,
          e.getMessage());
      known = OptionalLong.empty();
    }
    if (known.isPresent() && known.getAsLong() <= size) {
      cosignedSize = known.getAsLong();
      return known.getAsLong();
    }
    return 0;
  }

  /** A 200 answer: the valid cosignatures by this URL's policy keys over this checkpoint. */
  private Outcome cosigned(Endorsement e, byte[] body) {
    Cosignatures.Checked checked;
    try {
      checked = cosignatures.check(SignedNote.parse(e.signedNote()).text(), body);
    } catch (IllegalArgumentException | NoteException x) {
      return failed(FailureKind.BAD_RESPONSE, "answered 200 with something other than signature"
          + " lines (" + x.getMessage() + "): " + excerpt(body));
    }
    if (checked.valid().isEmpty()) {
      return failed(FailureKind.BAD_COSIGNATURE, checked.bad().isEmpty()
          ? "answered 200 without a cosignature by its policy key(s) " + cosignatures.keys()
              + " (" + checked.ignored() + " line(s) by other keys, ignored)"
          : "answered 200 with a cosignature by " + checked.bad() + " that does not verify"
              + " over this checkpoint");
    }
    Optional<Failure> partly = Optional.empty();
    if (!checked.bad().isEmpty()) {
      partly = Optional.of(tried(FailureKind.BAD_COSIGNATURE, "a cosignature by "
          + checked.bad() + " does not verify over this checkpoint"));
    }
    long size = e.checkpoint().size();
    try {
      sizes.put(url, size);
    } catch (IOException | RuntimeException x) {
      LOG.warn("couldn't record that witness {} cosigned size {} (the next request learns it"
          + " from a 409): {}", label, size, x.getMessage());
    }
    cosignedSize = size;
    return new Outcome(checked.valid(), checked.names(), partly);
  }

  /** Counts a failed try and describes it. */
  private Failure tried(FailureKind kind, String detail) {
    metrics.failed(label, kind);
    return new Failure(kind, detail);
  }

  private Outcome failed(FailureKind kind, String detail) {
    return new Outcome(List.of(), Set.of(), Optional.of(tried(kind, detail)));
  }

  private static Optional<Duration> retryAfter(HttpResponse<?> r) {
    return r.headers().firstValue("Retry-After").filter(v -> v.matches("[0-9]{1,6}"))
        .map(v -> Duration.ofSeconds(Long.parseLong(v)));
  }

  private static String message(Exception x) {
    return x.getMessage() != null ? x.getMessage() : x.getClass().getSimpleName();
  }

  /** The start of a body, on one line, for messages. */
  private static String excerpt(byte[] body) {
    String s = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8)
        .replaceAll("[\\p{Cntrl}]+", " ").strip();
    return s.isEmpty() ? "(empty body)" : "\"" + s + (body.length > 200 ? "…" : "") + "\"";
  }
}
