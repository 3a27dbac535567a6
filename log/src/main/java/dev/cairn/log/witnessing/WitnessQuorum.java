package dev.cairn.log.witnessing;

import dev.cairn.log.LogMetrics;
import dev.cairn.log.publishing.CheckpointEndorser;
import dev.cairn.log.tracing.Tracing;
import dev.cairn.note.KeyNames;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Endorses each checkpoint with the cosignatures of a tlog-policy's witnesses: one
 * add-checkpoint request per witness URL, all in parallel ({@link WitnessEndpoint}), and the
 * checkpoint is published — its log signatures and every valid cosignature in one note — as soon
 * as the cosigning witnesses meet the policy's quorum. Witnesses still answering go on in the
 * background (their sizes are kept), but their cosignatures come too late for this checkpoint.
 *
 * <p>Fail-closed by default: without the quorum, the endorsement fails, nothing is published,
 * the previous checkpoint keeps being served and the publisher tries again with a newer
 * checkpoint at its next tick; entries stay acknowledged and durable, and pushback follows the
 * backlog as usual. Fail-open (unsafe) publishes with whatever cosignatures arrived, and counts
 * it: clients enforcing the policy then reject that checkpoint, and a log that forks its view
 * for some clients is no longer stopped by the witnesses.
 *
 * <p>A round lasts at most {@link #roundTime()}: {@value WitnessEndpoint#MAX_TRIES} tries of
 * the per-try timeout and a second for a witness's Retry-After. Every try ends by the round's
 * deadline, and the round is decided by itself a moment after it ({@link #DECISION_GRACE}) with
 * what arrived, whatever a witness is still doing: so readiness and the metrics always say what
 * the round decided, and fail-open publishes the cosignatures that came. The publisher's deadline
 * must be {@link #endorseTimeout()}, later still, so that it never cuts a round short.
 *
 * <p>A policy whose cosignatures and the log's own signatures could not fit in one signed note
 * ({@value SignedNote#MAX_SIGNATURES} signatures, {@value SignedNote#MAX_SIZE} bytes) is refused
 * when the quorum is created.
 */
public final class WitnessQuorum implements CheckpointEndorser, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WitnessQuorum.class);
  /** The default per-try timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration RETRY_ALLOWANCE = Duration.ofSeconds(1);
  /** After the round's deadline, until the round decides with what arrived. */
  static final Duration DECISION_GRACE = Duration.ofMillis(200);
  /** After the round's deadline, until the publisher gives up: more than the grace. */
  private static final Duration MARGIN = Duration.ofMillis(500);
  /** The log signatures a note must leave room for: Ed25519 and ML-DSA-44, twice in a rotation. */
  static final int LOG_SIGNATURES = 4;
  /** Room for a checkpoint's text: origin, size, root hash. */
  private static final int CHECKPOINT_TEXT = 512;

  private final Policy policy;
  private final Duration tryTimeout;
  private final boolean failOpen;
  private final List<WitnessEndpoint> endpoints;
  private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
      Thread.ofVirtual().name("cairn-witness-", 0).factory());
  private final HttpClient http;
  private final WitnessMetrics metrics;
  /** The latest round that decided, null before the first. */
  private volatile Decision decided;
  private volatile Tracing tracing = Tracing.off();

  /**
   * What the latest round decided: the checkpoint's size, whether the quorum was met, and why
   * nothing could be published despite it, if so.
   */
  private record Decision(long size, boolean quorumMet, Optional<String> unpublished) {}

  private WitnessQuorum(Policy policy, Duration tryTimeout, boolean failOpen,
      CosignedSizes sizes, Optional<SSLContext> tls) {
    this.policy = policy;
    this.tryTimeout = tryTimeout;
    this.failOpen = failOpen;
    HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(tryTimeout).executor(threads)
        .followRedirects(HttpClient.Redirect.NEVER);
    tls.ifPresent(b::sslContext);
    this.http = b.build();
    this.metrics = new WitnessMetrics(this::endpoints, this::quorumMet);
    Map<String, List<Policy.Witness>> byUrl = new LinkedHashMap<>();
    for (Policy.Witness w : policy.witnesses().values()) {
      byUrl.computeIfAbsent(w.url().orElseThrow(), u -> new ArrayList<>()).add(w);
    }
    List<WitnessEndpoint> list = new ArrayList<>();
    byUrl.forEach((url, ws) -> list.add(
        new WitnessEndpoint(url, ws, http, tryTimeout, sizes, metrics)));
    this.endpoints = List.copyOf(list);
  }

  /**
   * A quorum collecting cosignatures for {@code policy}.
   *
   * @param tryTimeout how long one add-checkpoint try may take
   * @param failOpen publish without the quorum (unsafe)
   * @param sizes where the size each witness last cosigned is kept
   * @throws IllegalArgumentException naming the witness without a submission URL, or whose URL
   *     is not an http(s) URL; or saying how many signatures or bytes the cosigned note could
   *     have, when that is more than a signed note may
   */
  public static WitnessQuorum create(Policy policy, Duration tryTimeout, boolean failOpen,
      CosignedSizes sizes) {
    return create(policy, tryTimeout, failOpen, sizes, Optional.empty());
  }

  /**
   * A quorum as {@link #create(Policy, Duration, boolean, CosignedSizes)} makes, whose https
   * witnesses are checked against {@code tls} (the authorities of a private CA) instead of the
   * JDK's trusted authorities.
   */
  public static WitnessQuorum create(Policy policy, Duration tryTimeout, boolean failOpen,
      CosignedSizes sizes, Optional<SSLContext> tls) {
    if (tryTimeout.isNegative() || tryTimeout.isZero()) {
      throw new IllegalArgumentException("the witness timeout must be positive, got "
          + tryTimeout);
    }
    for (Policy.Witness w : policy.witnesses().values()) {
      if (w.url().isEmpty()) {
        throw new IllegalArgumentException("witness " + w.name() + " has no URL: the log needs"
            + " each witness's submission prefix (witness <name> <vkey> <url>)");
      }
      String url = w.url().get();
      URI uri;
      try {
        uri = URI.create(url);
      } catch (IllegalArgumentException e) {
        uri = null;
      }
      if (uri == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
        throw new IllegalArgumentException("witness " + w.name() + " has the URL \"" + url
            + "\", not an http:// or https:// submission prefix");
      }
    }
    noteTooLarge(policy.witnesses().values().stream().map(Policy.Witness::key).toList(),
        LOG_SIGNATURES, LOG_SIGNATURES * signatureLine(KeyNames.MAX_NAME_LENGTH,
            SignatureType.MLDSA44_SUBTREE_V1)).ifPresent(problem -> {
              throw new IllegalArgumentException(problem);
            });
    return new WitnessQuorum(policy, tryTimeout, failOpen, sizes, tls);
  }

  /**
   * Why a note with the log's signatures ({@code logSignatures} lines of {@code logBytes} bytes
   * at most) and a cosignature by each of {@code witnessKeys} could exceed what a signed note
   * may have, if it could.
   */
  static Optional<String> noteTooLarge(List<VerifierKey> witnessKeys, int logSignatures,
      long logBytes) {
    int count = witnessKeys.size() + logSignatures;
    if (count > SignedNote.MAX_SIGNATURES) {
      return Optional.of("the witness policy has " + witnessKeys.size() + " witness keys: with "
          + logSignatures + " signatures by the log a checkpoint could carry " + count
          + " signatures, more than the " + SignedNote.MAX_SIGNATURES + " a signed note may");
    }
    long bytes = CHECKPOINT_TEXT + logBytes;
    for (VerifierKey k : witnessKeys) {
      bytes += signatureLine(k.name().getBytes(StandardCharsets.UTF_8).length, k.type());
    }
    if (bytes > SignedNote.MAX_SIZE) {
      return Optional.of("the witness policy's " + witnessKeys.size() + " witness keys could"
          + " make a cosigned checkpoint of " + bytes + " bytes (an ML-DSA-44 cosignature line"
          + " takes about 3.3 KB), more than the " + SignedNote.MAX_SIZE + " a signed note may");
    }
    return Optional.empty();
  }

  /** The most bytes of a signature line: "— name base64(key ID, signature)\n". */
  static int signatureLine(int nameBytes, SignatureType type) {
    return "\u2014 ".getBytes(StandardCharsets.UTF_8).length + nameBytes + 1
        + (4 + type.maxSignatureSize() + 2) / 3 * 4 + 1;
  }

  /**
   * What is wrong with the policy's {@code log} lines for this log, if any: each must name
   * {@code origin}, and one must be one of the log's {@code activeKeys}. No log line is fine.
   */
  public List<String> logProblems(String origin, List<VerifierKey> activeKeys) {
    List<String> problems = new ArrayList<>();
    for (Policy.Log l : policy.logs()) {
      if (!l.key().name().equals(origin)) {
        problems.add("the witness policy's log line " + l.key().encode() + " names \""
            + l.key().name() + "\", but this log's origin is \"" + origin + "\"");
      }
    }
    if (!policy.logs().isEmpty() && policy.logs().stream()
        .noneMatch(l -> activeKeys.stream().anyMatch(k -> k.sameKeyAs(l.key())
            && k.name().equals(l.key().name())))) {
      problems.add("none of the witness policy's log lines is one of this log's active keys ("
          + String.join(", ", activeKeys.stream().map(VerifierKey::encode).toList()) + ")");
    }
    noteTooLarge(policy.witnesses().values().stream().map(Policy.Witness::key).toList(),
        activeKeys.size(), activeKeys.stream().mapToLong(k -> signatureLine(
            k.name().getBytes(StandardCharsets.UTF_8).length, k.type())).sum())
        .ifPresent(problems::add);
    return problems;
  }

  /** How long one round may take: every try of every witness, and a Retry-After. */
  @Override
  public Duration roundTime() {
    return tryTimeout.multipliedBy(WitnessEndpoint.MAX_TRIES).plus(RETRY_ALLOWANCE);
  }

  /** The deadline the publisher must give an endorsement: a round and a margin. */
  public Duration endorseTimeout() {
    return roundTime().plus(MARGIN);
  }

  /** Whether checkpoints are published without the quorum. */
  public boolean failOpen() {
    return failOpen;
  }

  @Override
  public Optional<Policy> policy() {
    return Optional.of(policy);
  }

  @Override
  public void watch(LogMetrics logMetrics) {
    metrics.registerWith(logMetrics);
  }

  /** Traces each submission to a witness: a span under the publication's {@code witness}. */
  @Override
  public void trace(Tracing tracing) {
    this.tracing = tracing;
  }

  private List<WitnessEndpoint> endpoints() {
    return endpoints;
  }

  /** Whether the latest round met the quorum (and published with it); true before the first. */
  private boolean quorumMet() {
    Decision d = decided;
    return d == null || d.quorumMet();
  }

  @Override
  public CompletableFuture<byte[]> endorse(Endorsement e) {
    SignedNote signed = SignedNote.parse(e.signedNote());
    if (!policy.logs().isEmpty() && policy.logs().stream().noneMatch(l ->
        l.key().name().equals(e.checkpoint().origin()) && signed.signatures().stream()
            .anyMatch(s -> s.isBy(l.key().name(), l.key().keyId())))) {
      return CompletableFuture.failedFuture(new IOException("no key of the witness policy's"
          + " log lines signed this checkpoint: the policy is for another log or key"));
    }
    long deadline = System.nanoTime() + roundTime().toNanos();
    Round round = new Round(e, signed);
    if (endpoints.isEmpty()) {
      round.decide(false);
    }
    // Decided at its own deadline, before the publisher's, even if a witness is still at it.
    CompletableFuture.delayedExecutor(roundTime().plus(DECISION_GRACE).toNanos(),
        TimeUnit.NANOSECONDS, threads).execute(() -> round.decide(true));
    Context parent = Context.current();
    for (WitnessEndpoint w : endpoints) {
      Span span = tracing.enabled() ? tracing.tracer().spanBuilder("witness " + w.label())
          .setParent(parent).setSpanKind(SpanKind.CLIENT)
          .setAttribute("cairn.witness", w.label()).setAttribute("url.full", w.url())
          .setAttribute("cairn.checkpoint.size", e.checkpoint().size()).startSpan()
          : Span.getInvalid();
      w.submitAsync(e, deadline, threads).whenComplete((o, failure) -> {
        if (failure != null) { // a bug or a broken install (a linkage error): never hang
          LOG.error("witness {} at {}: the submission failed", w.label(), w.url(), failure);
          o = new WitnessEndpoint.Outcome(List.of(), Set.of(), Optional.of(
              new WitnessEndpoint.Failure(FailureKind.CONNECT, "the submission failed: "
                  + failure)));
        }
        if (span.isRecording()) {
          span.setAttribute("cairn.witness.cosigned", !o.cosigned().isEmpty());
          o.failure().ifPresent(f -> span.setStatus(StatusCode.ERROR, f.toString()));
          span.end();
        }
        round.add(w, o);
      });
    }
    return round.result;
  }

  /**
   * One checkpoint's collection: decided at the quorum, once every witness answered, or at the
   * round's deadline.
   */
  private final class Round {
    final CompletableFuture<byte[]> result = new CompletableFuture<>();
    final Endorsement endorsement;
    final SignedNote signed;
    /** Guarded by {@code this}. */
    final List<NoteSignature> cosignatures = new ArrayList<>();
    final Set<String> cosigned = new LinkedHashSet<>();
    final Map<WitnessEndpoint, WitnessEndpoint.Outcome> answered = new LinkedHashMap<>();
    boolean over;

    Round(Endorsement endorsement, SignedNote signed) {
      this.endorsement = endorsement;
      this.signed = signed;
    }

    void add(WitnessEndpoint w, WitnessEndpoint.Outcome o) {
      Runnable complete;
      synchronized (this) {
        answered.put(w, o);
        if (!over) {
          cosignatures.addAll(o.cosignatures());
          cosigned.addAll(o.cosigned());
        }
        complete = decision(false);
      }
      complete.run();
    }

    /** Decides if it is time ({@code atDeadline}: with what arrived). */
    void decide(boolean atDeadline) {
      Runnable complete;
      synchronized (this) {
        complete = decision(atDeadline);
      }
      complete.run();
    }

    /**
     * Decides under the lock, and returns how to complete the result: run after releasing it,
     * since the publisher's swap and fsync follow on the completing thread.
     */
    private Runnable decision(boolean atDeadline) {
      if (over) {
        return () -> {};
      }
      long size = endorsement.checkpoint().size();
      boolean met = policy.quorumMet(cosigned);
      if (!met && !atDeadline && answered.size() < endpoints.size()) {
        return () -> {};
      }
      over = true;
      boolean wasMet = quorumMet();
      String missing = missing();
      if (!met && !failOpen) {
        decided = new Decision(size, false, Optional.empty());
        if (wasMet) {
          LOG.warn("witness quorum {} not met at size {}: cosigned by {}; missing {}; holding"
              + " publication back until it is", policy.quorum(), size,
              cosigned.isEmpty() ? "none" : cosigned, missing);
        }
        IOException refused = new IOException("witness quorum " + policy.quorum()
            + " not met: cosigned by " + (cosigned.isEmpty() ? "none" : cosigned) + "; missing "
            + missing);
        return () -> result.completeExceptionally(refused);
      }
      byte[] note;
      try {
        note = note();
      } catch (RuntimeException x) {
        decided = new Decision(size, false, Optional.of(x.getMessage()));
        LOG.error("couldn't add the cosignatures of {} to the checkpoint at size {}: {};"
            + " publishing nothing", cosigned, size, x.toString());
        IOException refused = new IOException("couldn't add the witnesses' cosignatures to the"
            + " checkpoint: " + x.getMessage(), x);
        return () -> result.completeExceptionally(refused);
      }
      decided = new Decision(size, met, Optional.empty());
      if (met && !wasMet) {
        LOG.info("witness quorum {} met again at size {}, cosigned by {}", policy.quorum(),
            size, cosigned);
      } else if (!met) {
        metrics.publishedFailOpen();
        LOG.warn("publishing the checkpoint at size {} WITHOUT the witness quorum {}"
            + " (--witness-fail-open, unsafe): cosigned by {}; missing {}", size,
            policy.quorum(), cosigned.isEmpty() ? "none" : cosigned, missing);
      }
      return () -> result.complete(note);
    }

    private byte[] note() {
      return cosignatures.isEmpty() ? endorsement.signedNote()
          : signed.withSignatures(cosignatures).encode();
    }

    private String missing() {
      List<String> out = new ArrayList<>();
      answered.forEach((w, o) -> o.failure().filter(f -> o.cosigned().isEmpty())
          .ifPresent(f -> out.add(w.label() + " (" + f + ")")));
      for (WitnessEndpoint w : endpoints) {
        if (!answered.containsKey(w)) {
          out.add(w.label() + " (no answer by the round's deadline)");
        }
      }
      return out.isEmpty() ? "none" : String.join("; ", out);
    }
  }

  @Override
  public boolean reportsRefusals() {
    return true; // a missing quorum is on /readyz, in the metrics and logged, by witness
  }

  /**
   * Not ready while the latest round missed the quorum (fail-closed); ready with a word on the
   * unsafe mode and on each witness whose latest submission failed otherwise.
   */
  @Override
  public Readiness readiness() {
    List<String> failing = new ArrayList<>();
    for (WitnessEndpoint w : endpoints) {
      Optional<WitnessEndpoint.Outcome> last = w.last();
      last.filter(o -> o.cosigned().isEmpty()).flatMap(WitnessEndpoint.Outcome::failure)
          .ifPresent(f -> failing.add(w.label() + " (" + f.kind().label() + ")"));
    }
    Decision d = decided;
    String witnesses = failing.isEmpty() ? "" : "witnesses missing: "
        + String.join(", ", failing);
    if (d != null && d.unpublished().isPresent()) {
      return new Readiness(false, Optional.of("couldn't publish the checkpoint at size "
          + d.size() + " with its cosignatures (" + d.unpublished().get() + "); nothing newer"
          + " is published" + (witnesses.isEmpty() ? "" : "; " + witnesses)));
    }
    if (d != null && !d.quorumMet() && !failOpen) {
      return new Readiness(false, Optional.of("witness quorum " + policy.quorum() + " not met"
          + " at size " + d.size() + "; nothing newer is published until it is"
          + (witnesses.isEmpty() ? "" : "; " + witnesses)));
    }
    List<String> detail = new ArrayList<>();
    if (failOpen) {
      detail.add("witness fail-open (UNSAFE: checkpoints are published without the quorum)");
      if (d != null && !d.quorumMet()) {
        detail.add("quorum " + policy.quorum() + " not met at size " + d.size());
      }
    }
    if (!witnesses.isEmpty()) {
      detail.add(witnesses);
    }
    return new Readiness(true, detail.isEmpty() ? Optional.empty()
        : Optional.of(String.join("; ", detail)));
  }

  /** Completes once every submission under way has ended (tests). */
  CompletableFuture<Void> settled() {
    return CompletableFuture.allOf(endpoints.stream().map(WitnessEndpoint::settled)
        .toArray(CompletableFuture[]::new));
  }

  /**
   * Stops the HTTP client, then the witness threads it completes on; submissions under way are
   * abandoned.
   */
  @Override
  public void close() {
    http.shutdownNow();
    threads.shutdownNow();
  }
}
