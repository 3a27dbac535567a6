package dev.cairn.witness;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.http.Exchange;
import dev.cairn.log.http.RateLimit;
import dev.cairn.log.storage.embedded.DataDirLock;
import dev.cairn.merkle.Hasher;
import dev.cairn.merkle.ProofException;
import dev.cairn.merkle.ProofVerifier;
import dev.cairn.note.NoteException;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignedNote;
import dev.cairn.note.VerifiedNote;
import dev.cairn.note.VerifierSet;
import dev.cairn.witness.CosignedState.Cosigned;
import dev.cairn.witnessing.AddCheckpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers C2SP tlog-witness {@code add-checkpoint} requests. The checks, in order, each
 * answered by the first that fails:
 *
 * <ol>
 *   <li>the body is an add-checkpoint request ({@link AddCheckpoint#parse}) holding a signed
 *       note whose text is a checkpoint — else 400;
 *   <li>the origin is a log in the logs file — else 404;
 *   <li>a signature by a key of that log verifies, and none by a key of that log fails — else
 *       403;
 *   <li>the old size is at most the checkpoint's size — else 400;
 *   <li>the log has requests left in its rate limit — else 429 (counted only for requests the
 *       log signed, so that nobody else can use up a log's budget with forgeries);
 *   <li>under the origin's lock: the old size is the size last cosigned (0 if never) — else 409
 *       with that size;
 *   <li>a size-0 checkpoint has the empty tree's root; old size 0 comes with an empty proof; the
 *       same size as the last cosigned has the same root (and an empty proof); a larger one has a
 *       consistency proof from the last cosigned — else 422.
 * </ol>
 *
 * <p>Crash-safe ordering, all under the origin's lock: check against the stored state, verify
 * the proof, cosign, write the new state durably ({@link CosignedState#put}), and only then
 * answer. A cosignature is therefore never released unless the checkpoint it covers is durable
 * as the origin's state, and two requests from the same old size cannot both pass the 409 check.
 * A 422 for a checkpoint the log signed that contradicts the stored one is kept as evidence
 * ({@link Evidence}) before it is answered. If writing the state fails, the origin is answered
 * 503 until the witness restarts and reads what the disk holds.
 */
public final class Witness implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Witness.class);

  private final WitnessKeys keys;
  private final List<NoteSigner> signers;
  private final Supplier<KnownLogs> logs;
  private final CosignedState state;
  private final Evidence evidence;
  private final WitnessMetrics metrics;
  private final Clock clock;
  private final Optional<RateLimit> perLog;
  private final DataDirLock lock;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final Set<String> failed = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  private Witness(WitnessKeys keys, Supplier<KnownLogs> logs, CosignedState state,
      Evidence evidence, WitnessMetrics metrics, Clock clock, Optional<RateLimit> perLog,
      DataDirLock lock) {
    this.keys = keys;
    this.signers = keys.signers(clock);
    this.logs = logs;
    this.state = state;
    this.evidence = evidence;
    this.metrics = metrics;
    this.clock = clock;
    this.perLog = perLog;
    this.lock = lock;
    metrics.watchSizes(() -> state.all().entrySet().stream().collect(Collectors.toMap(
        Map.Entry::getKey, e -> e.getValue().checkpoint().size())));
  }

  /**
   * Opens the witness state in {@code dataDir}, which {@code lock} holds against other
   * processes (take it before {@link WitnessKeys#openOrCreate}, so that two first starts cannot
   * both create keys); closing the witness releases it.
   *
   * @param perLogPerSecond requests a second each log may make (bursts of twice that), 0 for
   *     no limit
   * @throws IOException if a stored record is damaged (named)
   */
  public static Witness open(DataDirLock lock, Path dataDir, WitnessKeys keys,
      Supplier<KnownLogs> logs, Clock clock, double perLogPerSecond, WitnessMetrics metrics)
      throws IOException {
    return new Witness(keys, logs, CosignedState.open(dataDir), Evidence.open(dataDir),
        metrics, clock, perLogPerSecond > 0 ? Optional.of(RateLimit.perSecond(perLogPerSecond))
            : Optional.empty(), lock);
  }

  /** The witness's keys. */
  public WitnessKeys keys() {
    return keys;
  }

  /** Checks an add-checkpoint request body and cosigns it, or says why not. */
  public Outcome add(byte[] body) {
    AddCheckpoint request;
    SignedNote note;
    Checkpoint checkpoint;
    try {
      request = AddCheckpoint.parse(body);
    } catch (IllegalArgumentException e) {
      return refused(400, "malformed add-checkpoint body: " + e.getMessage());
    }
    try {
      note = SignedNote.parse(request.note());
      checkpoint = Checkpoint.parse(note.text());
    } catch (NoteException | IllegalArgumentException e) {
      return refused(400, "malformed checkpoint: " + e.getMessage());
    }
    String origin = checkpoint.origin();
    Optional<VerifierSet> known = logs.get().verifiers(origin);
    if (known.isEmpty()) {
      return refused(404, "unknown log: this witness does not cosign origin \""
          + abbreviate(origin) + "\"");
    }
    VerifiedNote verified;
    try {
      verified = note.open(known.get());
    } catch (NoteException e) {
      return refused(403, e.kind() == NoteException.Kind.UNVERIFIED
          ? "no signature by a key this witness trusts for " + abbreviate(origin)
              + " verifies: " + e.getMessage()
          : "a signature by a key of " + abbreviate(origin) + " fails: " + e.getMessage());
    }
    if (request.oldSize() > checkpoint.size()) {
      return refused(400, "old size " + request.oldSize() + " is larger than the checkpoint"
          + " size " + checkpoint.size());
    }
    if (perLog.isPresent()) {
      long wait = perLog.get().take(origin);
      if (wait > 0) {
        return new Outcome.Slow(Duration.ofNanos(wait));
      }
    }
    ReentrantLock originLock = locks.computeIfAbsent(origin, o -> new ReentrantLock());
    originLock.lock();
    try {
      return addLocked(request, checkpoint, verified);
    } finally {
      originLock.unlock();
    }
  }

  private Outcome addLocked(AddCheckpoint request, Checkpoint checkpoint,
      VerifiedNote verified) {
    long started = System.nanoTime();
    String origin = checkpoint.origin();
    if (failed.contains(origin)) {
      return refused(503, "the witness could not store its state for " + abbreviate(origin)
          + " and cosigns it no more until restarted");
    }
    Optional<Cosigned> stored = state.latest(origin);
    long storedSize = stored.map(c -> c.checkpoint().size()).orElse(0L);
    if (request.oldSize() != storedSize) {
      return new Outcome.StaleOldSize(storedSize);
    }
    if (checkpoint.size() == 0 && !checkpoint.root().equals(Hasher.emptyRoot())) {
      return contradiction("bad-empty-root", "a checkpoint of size 0 must have the empty"
          + " tree's root (SHA-256 of nothing), got " + checkpoint.root().toBase64(), request,
          stored, origin);
    }
    if (request.oldSize() == 0 && !request.proof().isEmpty()) {
      return refused(422, "old size 0 needs an empty proof, got " + request.proof().size()
          + " lines");
    }
    if (stored.isPresent()) {
      Checkpoint last = stored.get().checkpoint();
      if (checkpoint.size() == last.size()) {
        if (!checkpoint.root().equals(last.root())) {
          return contradiction("same-size-other-root", "size " + last.size() + " was cosigned"
              + " with root " + last.root().toBase64() + ", this checkpoint has root "
              + checkpoint.root().toBase64(), request, stored, origin);
        }
        if (!request.proof().isEmpty()) {
          return refused(422, "the proof from size " + last.size() + " to itself is empty, got "
              + request.proof().size() + " lines");
        }
      } else if (last.size() > 0) {
        try {
          ProofVerifier.verifyConsistency(last.size(), checkpoint.size(), request.proof(),
              last.root(), checkpoint.root());
        } catch (ProofException e) {
          return contradiction("inconsistent-proof", "the consistency proof from size "
              + last.size() + " to " + checkpoint.size() + " fails: " + e.getMessage(),
              request, stored, origin);
        }
      }
    }
    return cosign(checkpoint, verified, started);
  }

  /**
   * Cosigns and stores the checkpoint; answers only once it is durable. The stored note is the
   * checkpoint with the log signatures that verified and the cosignatures.
   */
  private Outcome cosign(Checkpoint checkpoint, VerifiedNote verified, long started) {
    byte[] text = verified.text().getBytes(StandardCharsets.UTF_8);
    StringBuilder lines = new StringBuilder();
    for (NoteSigner s : signers) {
      lines.append(new NoteSignature(s.name(), s.keyId(), s.sign(text)).line()).append('\n');
    }
    StringBuilder record = new StringBuilder(verified.text()).append('\n');
    for (VerifiedNote.Verified v : verified.verified()) {
      record.append(v.signature().line()).append('\n');
    }
    record.append(lines);
    try {
      state.put(checkpoint, record.toString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      // The file may hold the old note or the new one: stop cosigning this log until a restart
      // reads which, rather than answer from a memory that may be behind the disk.
      failed.add(checkpoint.origin());
      LOG.error("couldn't store the cosigned checkpoint of {} (size {}); it is refused until"
          + " the witness restarts", checkpoint.origin(), checkpoint.size(), e);
      return refused(503, "the witness could not store its state for "
          + abbreviate(checkpoint.origin()));
    }
    metrics.cosigned(System.nanoTime() - started);
    return new Outcome.Cosigned(lines.toString());
  }

  /** A 422 for a checkpoint the log signed that contradicts what was cosigned: kept first. */
  private Outcome contradiction(String kind, String reason, AddCheckpoint request,
      Optional<Cosigned> stored, String origin) {
    try {
      if (evidence.keep(kind, reason, clock.instant(), request.oldSize(), request.proof(),
          stored.map(Cosigned::note), request.note(), origin)) {
        metrics.evidence(origin, kind);
        LOG.warn("possible fork of {}: {} (kept as evidence)", origin, reason);
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("couldn't keep evidence of a possible fork of {}: {}", origin, reason, e);
    }
    return refused(422, reason);
  }

  /** The latest cosigned note of the log whose origin hashes to {@code originHex}. */
  public Optional<byte[]> latest(String originHex) {
    return state.byHash(originHex).map(c -> c.note().clone());
  }

  /** The size last cosigned for {@code origin}, 0 if never. */
  public long size(String origin) {
    return state.latest(origin).map(c -> c.checkpoint().size()).orElse(0L);
  }

  /**
   * The newest evidence kept, as a JSON list: of every log, or of the one whose origin hashes to
   * {@code originHex}.
   */
  public byte[] evidenceJson(Optional<String> originHex) throws IOException {
    return evidence.json(originHex);
  }

  /** Origins whose state could not be stored, refused until a restart. */
  public Set<String> failedOrigins() {
    return Set.copyOf(failed);
  }

  private static Outcome refused(int status, String reason) {
    return new Outcome.Refused(status, reason);
  }

  private static String abbreviate(String origin) {
    return Exchange.abbreviate(origin, 80);
  }

  /** Releases the data directory; again does nothing. */
  @Override
  public void close() throws IOException {
    if (closed.compareAndSet(false, true)) {
      lock.close();
    }
  }
}
