package dev.cairn.monitor.check;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.ProofException;
import dev.cairn.merkle.ProofVerifier;
import dev.cairn.monitor.config.MonitorConfig.LogTarget;
import dev.cairn.monitor.report.Evidence;
import dev.cairn.monitor.report.Finding;
import dev.cairn.monitor.report.LogResult;
import dev.cairn.monitor.report.Rule;
import dev.cairn.monitor.report.Severity;
import dev.cairn.note.NoteVerifier;
import dev.cairn.note.SignedNote;
import dev.cairn.note.VerifiedNote;
import dev.cairn.note.VerifierSet;
import dev.cairn.policy.Policy;
import dev.cairn.read.Divergence;
import dev.cairn.read.LogReader;
import dev.cairn.read.MalformedObjectException;
import dev.cairn.read.Replay;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerificationException;
import dev.cairn.verify.VerifiedCheckpoint;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One run's checks of one log, in order: read its checkpoint ({@code collector.unreachable});
 * its signatures ({@code checkpoint.signature}) and the witness quorum, with the cosignatures
 * the monitor requires on top ({@code checkpoint.quorum}); cosignature times ({@code
 * checkpoint.cosignature_time}, {@code witness.stale}); the checkpoint's age ({@code
 * log.freshness}); consistency with the checkpoint accepted before ({@code log.consistency});
 * a replay of every entry added since, which must lead to the signed root ({@code log.replay}),
 * matching each against the watch rules ({@code entry.watch_match}); and what each witness's
 * monitoring endpoint holds for the log ({@code log.split_view}).
 *
 * <p>The new checkpoint is accepted — the next run starts from it — only if no check that guards
 * the log's history failed ({@link #blocks}): a lagging witness or a stale log is reported but
 * does not hold back what was verified. Each finding's fingerprint names what stays the same
 * while the problem lasts (the accepted checkpoint a fork departs from, a witness's name), so a
 * problem alerts once however many runs see it.
 */
public final class LogAudit {
  /** How far in the future a cosignature may be dated (clocks differ). */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
  /** The most {@code entry.watch_match} findings of one rule in one run; more are counted. */
  static final int MAX_MATCHES = 100;

  /** Reads what a witness's monitoring endpoint holds for a log. */
  @FunctionalInterface
  public interface WitnessReader {
    /**
     * The latest checkpoint of {@code origin} the witness at {@code prefix} cosigned, or empty
     * if it has none (404).
     *
     * @throws IOException if it cannot be read, naming the URL and status or error
     */
    Optional<byte[]> latest(URI prefix, String origin) throws IOException;
  }

  /**
   * What the audit found.
   *
   * @param result what the log showed
   * @param findings what is wrong, in the order found
   * @param accepted the state to keep if the checkpoint is accepted
   * @param evaluated the rules whose checks ran to a conclusion: an open finding of another rule
   *     was not looked for, so this run cannot resolve it (a log that stopped at a bad signature
   *     has not shown that its fork is gone)
   */
  public record Outcome(LogResult result, List<Finding> findings, Optional<LogState> accepted,
      Set<Rule> evaluated) {
    /** Copies the rules. */
    public Outcome {
      evaluated = evaluated.isEmpty() ? Set.of() : Set.copyOf(evaluated);
    }

    /** An outcome that concluded nothing. */
    public Outcome(LogResult result, List<Finding> findings, Optional<LogState> accepted) {
      this(result, findings, accepted, Set.of());
    }
  }

  private final LogTarget target;
  private final LogReader reader;
  private final WitnessReader witnesses;
  private final Optional<LogState> previous;
  private final Instant now;
  private final String runId;
  private final List<Finding> findings = new ArrayList<>();
  private final Set<Rule> evaluated = EnumSet.noneOf(Rule.class);
  /** The log served a checkpoint smaller than the accepted one: never accepted. */
  private boolean rolledBack;
  private final String checkpointUrl;
  private long replayed;

  private LogAudit(LogTarget target, LogReader reader, WitnessReader witnesses,
      Optional<LogState> previous, Instant now, String runId) {
    this.target = target;
    this.reader = reader;
    this.witnesses = witnesses;
    this.previous = previous;
    this.now = now;
    this.runId = runId;
    this.checkpointUrl = target.url() + "checkpoint";
  }

  /**
   * Audits {@code target} as read by {@code reader}, against the state accepted before.
   *
   * @param now the run's time: every finding is stamped with it, and ages are counted to it
   */
  public static Outcome run(LogTarget target, LogReader reader, WitnessReader witnesses,
      Optional<LogState> previous, Instant now, String runId) {
    return new LogAudit(target, reader, witnesses, previous, now, runId).run();
  }

  /** Whether a finding of {@code rule} keeps the log's checkpoint from being accepted. */
  static boolean blocks(Finding f) {
    return switch (f.rule()) {
      case CHECKPOINT_SIGNATURE, CHECKPOINT_QUORUM, CHECKPOINT_COSIGNATURE_TIME,
          LOG_CONSISTENCY, LOG_SPLIT_VIEW, LOG_REPLAY -> true;
      // The log unreachable blocks (nothing was checked); a witness unreachable does not.
      case COLLECTOR_UNREACHABLE -> f.fingerprint().equals(
          Finding.fingerprint(Rule.COLLECTOR_UNREACHABLE, f.log(), "log"));
      default -> false;
    };
  }

  private Outcome run() {
    Optional<Long> previousSize = previous.map(LogState::size);
    byte[] raw;
    try {
      raw = reader.checkpoint();
    } catch (IOException e) {
      unreachable("log", "the log " + target.name() + " could not be read: " + e.getMessage(),
          e);
      return new Outcome(result("unreachable", null), findings, Optional.empty());
    }
    evaluated.add(Rule.COLLECTOR_UNREACHABLE);
    String note = new String(raw, StandardCharsets.UTF_8);
    VerifiedCheckpoint signed;
    try {
      signed = LogVerifier.ofLogKeys(target.policy().logs().stream().map(Policy.Log::key)
          .toList()).verifyCheckpoint(raw);
    } catch (VerificationException e) {
      // One problem while it lasts, whatever checkpoints the log signs meanwhile.
      add(Rule.CHECKPOINT_SIGNATURE, "log signature",
          "The checkpoint log " + target.name() + " served fails its signature check: "
              + e.getMessage() + ".",
          e.getMessage(), "a checkpoint signed by " + keyNames(),
          List.of(Evidence.note("checkpoint served by the log", note),
              Evidence.http("where", "GET " + checkpointUrl + " answered 200")));
      evaluated.add(Rule.CHECKPOINT_SIGNATURE);
      return new Outcome(result("findings", null), findings, Optional.empty(), evaluated);
    }
    evaluated.add(Rule.CHECKPOINT_SIGNATURE);
    Checkpoint cp = signed.checkpoint();
    Map<String, Long> cosigned = cosignatures(raw, cp, note);
    evaluated.addAll(List.of(Rule.CHECKPOINT_COSIGNATURE_TIME, Rule.WITNESS_STALE));
    quorum(raw, cp, note, cosigned);
    evaluated.add(Rule.CHECKPOINT_QUORUM);
    freshness(cp, note, cosigned);
    evaluated.add(Rule.LOG_FRESHNESS);
    boolean consistent = consistency(cp, note);
    if (consistent) {
      replay(cp, note);
    }
    boolean allWitnesses = true;
    for (Map.Entry<String, URI> w : target.witnesses().entrySet()) {
      allWitnesses &= splitView(w.getKey(), w.getValue(), cp, note);
    }
    if (allWitnesses) {
      evaluated.add(Rule.LOG_SPLIT_VIEW);
    }
    boolean accept = !rolledBack && findings.stream().noneMatch(LogAudit::blocks);
    if (!accept) {
      // The next run replays these entries again from the same accepted size: their matches
      // are told by the run that accepts them, so each is told once.
      findings.removeIf(f -> f.rule() == Rule.ENTRY_WATCH_MATCH);
    }
    Optional<LogState> state = Optional.empty();
    if (accept) {
      Instant since = previous.filter(p -> p.size() == cp.size()
          && p.root().equals(cp.root().toBase64())).map(LogState::seenSince).orElse(now);
      state = Optional.of(new LogState(note, cp.size(), cp.root().toBase64(), since, now,
          runId));
    }
    String status = findings.stream().anyMatch(f -> f.severity() != Severity.INFO)
        ? "findings" : "ok";
    return new Outcome(new LogResult(target.name(), target.url().toString(), status,
        Optional.of(cp.size()), Optional.of(cp.root().toBase64()), previousSize, replayed,
        accept), findings, state, evaluated);
  }

  private LogResult result(String status, Checkpoint cp) {
    return new LogResult(target.name(), target.url().toString(), status,
        Optional.ofNullable(cp).map(Checkpoint::size),
        Optional.ofNullable(cp).map(c -> c.root().toBase64()), previous.map(LogState::size), 0,
        false);
  }

  /**
   * The newest verified cosignature time of each policy witness that cosigned, in seconds;
   * reports cosignatures dated in the future, and witnesses with no cosignature or only stale
   * ones (a witness whose cosignature is dated in the future did cosign: it is not also stale).
   */
  private Map<String, Long> cosignatures(byte[] raw, Checkpoint cp, String note) {
    Map<String, Policy.Witness> byKey = new HashMap<>();
    List<NoteVerifier> verifiers = new ArrayList<>();
    for (Policy.Witness w : target.policy().witnesses().values()) {
      byKey.put(w.key().name() + "+" + w.key().keyId(), w);
      verifiers.add(w.key().verifier());
    }
    Map<String, Long> newest = new LinkedHashMap<>();
    Set<String> future = new HashSet<>();
    if (verifiers.isEmpty()) {
      return newest;
    }
    List<VerifiedNote.Verified> verified;
    try {
      verified = SignedNote.parse(raw).open(VerifierSet.of(verifiers)).verified();
    } catch (RuntimeException e) {
      // No witness cosigned (every policy witness is missing, below), or a cosignature is bad
      // (the quorum check reports it).
      verified = List.of();
    }
    for (VerifiedNote.Verified v : verified) {
      Policy.Witness w = byKey.get(v.signature().name() + "+" + v.signature().keyId());
      if (w == null || v.timestamp().isEmpty()) {
        continue;
      }
      long t = v.timestamp().getAsLong();
      Instant at = Instant.ofEpochSecond(t);
      if (at.isAfter(now.plus(CLOCK_SKEW))) {
        add(Rule.CHECKPOINT_COSIGNATURE_TIME, w.name(),
            "Witness " + w.name() + " cosigned log " + target.name() + "'s checkpoint of size "
                + cp.size() + " with a time " + Duration.between(now, at).toSeconds()
                + " s in the future (" + at + ").",
            "cosignature dated " + at, "a cosignature dated no later than " + now.plus(
                CLOCK_SKEW) + " (now plus " + CLOCK_SKEW.toMinutes() + " min of clock skew)",
            List.of(Evidence.note("checkpoint served by the log", note)));
        future.add(w.name());
        continue;
      }
      newest.merge(w.name(), t, Math::max);
    }
    for (Policy.Witness w : target.policy().witnesses().values()) {
      Long t = newest.get(w.name());
      if (t == null && future.contains(w.name())) {
        continue;
      }
      if (t == null) {
        add(Rule.WITNESS_STALE, w.name(),
            "Witness " + w.name() + " has not cosigned log " + target.name()
                + "'s latest checkpoint (size " + cp.size() + ").",
            "no cosignature from " + w.name(), "a cosignature from " + w.name()
                + " no older than " + target.maxCosignatureAge(),
            List.of(Evidence.note("checkpoint served by the log", note)));
      } else if (Instant.ofEpochSecond(t).isBefore(now.minus(target.maxCosignatureAge()))) {
        Instant at = Instant.ofEpochSecond(t);
        add(Rule.WITNESS_STALE, w.name(),
            "Witness " + w.name() + "'s newest cosignature on log " + target.name()
                + " is from " + at + ", " + age(Duration.between(at, now)) + " ago.",
            "newest cosignature " + at, "a cosignature no older than "
                + target.maxCosignatureAge(),
            List.of(Evidence.note("checkpoint served by the log", note)));
      }
    }
    return newest;
  }

  private void quorum(byte[] raw, Checkpoint cp, String note, Map<String, Long> cosigned) {
    if (target.policy().witnesses().isEmpty() && target.requiredCosignatures() == 0) {
      return;
    }
    try {
      LogVerifier.of(target.policy()).verifyCheckpoint(raw);
    } catch (VerificationException e) {
      Rule rule = e.reason() == VerificationException.Reason.QUORUM_NOT_MET
          ? Rule.CHECKPOINT_QUORUM : Rule.CHECKPOINT_SIGNATURE;
      add(rule, rule == Rule.CHECKPOINT_QUORUM ? "policy quorum" : "witness signature",
          "Log " + target.name() + "'s checkpoint of size " + cp.size()
              + " fails the witness policy: " + e.getMessage() + ".", e.getMessage(),
          "the quorum " + target.policy().quorum() + " of the policy",
          List.of(Evidence.note("checkpoint served by the log", note)));
      return;
    }
    if (cosigned.size() < target.requiredCosignatures()) {
      add(Rule.CHECKPOINT_QUORUM, "required cosignatures", "Log " + target.name()
              + "'s checkpoint of size " + cp.size() + " has " + cosigned.size() + " witness cosignatures; this monitor"
              + " requires " + target.requiredCosignatures() + ".",
          cosigned.size() + " cosignatures (" + String.join(", ", cosigned.keySet()) + ")",
          target.requiredCosignatures() + " cosignatures by policy witnesses",
          List.of(Evidence.note("checkpoint served by the log", note)));
    }
  }

  private void freshness(Checkpoint cp, String note, Map<String, Long> cosigned) {
    Instant dated;
    String how;
    Optional<Long> newest = cosigned.values().stream().max(Long::compare);
    if (newest.isPresent()) {
      dated = Instant.ofEpochSecond(newest.get());
      how = "its newest cosignature is from " + dated;
    } else {
      dated = previous.filter(p -> p.size() == cp.size()
          && p.root().equals(cp.root().toBase64())).map(LogState::seenSince).orElse(now);
      how = "the monitor first saw it at " + dated;
    }
    Duration age = Duration.between(dated, now);
    if (age.compareTo(target.maxCheckpointAge()) > 0) {
      add(Rule.LOG_FRESHNESS, "", "Log " + target.name() + "'s newest checkpoint (size "
              + cp.size() + ") is " + age(age) + " old, more than the "
              + age(target.maxCheckpointAge()) + " allowed.",
          "checkpoint " + age(age) + " old (" + how + ")",
          "a checkpoint no older than " + age(target.maxCheckpointAge()),
          List.of(Evidence.note("checkpoint served by the log", note)));
    }
  }

  /** Whether the new checkpoint extends the accepted one; reports it if not. */
  private boolean consistency(Checkpoint cp, String note) {
    if (previous.isEmpty()) {
      evaluated.add(Rule.LOG_CONSISTENCY);
      return true;
    }
    LogState p = previous.get();
    String subject = p.size() + ":" + p.root();
    List<Evidence> both = List.of(Evidence.note("checkpoint accepted by run " + p.runId(),
        p.note()), Evidence.note("checkpoint served now", note));
    if (cp.size() < p.size()) {
      evaluated.add(Rule.LOG_CONSISTENCY);
      rolledBack = true;
      if (isPrefix(cp, p)) {
        // An older checkpoint of the same history: a stale cache or mirror, not a fork.
        add(Rule.LOG_FRESHNESS, "older:" + p.size(), "Log " + target.name()
                + " served an older checkpoint (size " + cp.size() + ") than the one accepted"
                + " before (size " + p.size() + "); it is a prefix of the same history.",
            "a checkpoint of size " + cp.size(), "a checkpoint of size " + p.size() + " or more",
            both);
        return false;
      }
      add(Rule.LOG_CONSISTENCY, subject, "Log " + target.name() + " rolled back from size "
              + p.size() + " to " + cp.size() + ".", "a checkpoint of size " + cp.size(),
          "a checkpoint of size " + p.size() + " or more extending the accepted one", both);
      return false;
    }
    if (cp.size() == p.size()) {
      evaluated.add(Rule.LOG_CONSISTENCY);
      if (cp.root().toBase64().equals(p.root())) {
        return true;
      }
      add(Rule.LOG_CONSISTENCY, subject, "Log " + target.name()
              + " signed two different trees of size " + cp.size() + ".",
          "root " + cp.root().toBase64(), "root " + p.root() + " (accepted before)", both);
      return false;
    }
    List<Hash> proof;
    try {
      proof = reader.consistencyProof(p.size(), cp.size());
    } catch (NoSuchFileException | MalformedObjectException e) {
      evaluated.add(Rule.LOG_REPLAY);
      replayFinding(cp, note, "the tiles for a consistency proof from size " + p.size()
          + " cannot be read: " + e.getMessage());
      return false;
    } catch (IOException e) {
      unreachable("log", "the log " + target.name() + " could not be read: " + e.getMessage(),
          e);
      return false;
    }
    evaluated.add(Rule.LOG_CONSISTENCY);
    try {
      ProofVerifier.verifyConsistency(p.size(), cp.size(), proof, Hash.fromBase64(p.root()),
          cp.root());
    } catch (ProofException e) {
      List<Evidence> evidence = new ArrayList<>(both);
      evidence.add(new Evidence("proof", "consistency proof from size " + p.size() + " to "
          + cp.size() + " built from the log's tiles", proofLines(proof)));
      add(Rule.LOG_CONSISTENCY, subject, "Log " + target.name() + "'s checkpoint of size "
              + cp.size() + " does not extend the checkpoint of size " + p.size()
              + " accepted before: the log's history changed.",
          "no valid consistency proof: " + e.getMessage(),
          "the tree of size " + cp.size() + " to extend the accepted tree of size " + p.size(),
          evidence);
      return false;
    }
    return true;
  }

  /** Whether {@code older} is a prefix of the accepted tree, by a proof from the log's tiles. */
  private boolean isPrefix(Checkpoint older, LogState accepted) {
    if (older.size() == 0) {
      return older.root().equals(dev.cairn.merkle.Hasher.emptyRoot());
    }
    try {
      ProofVerifier.verifyConsistency(older.size(), accepted.size(),
          reader.consistencyProof(older.size(), accepted.size()), older.root(),
          Hash.fromBase64(accepted.root()));
      return true;
    } catch (IOException | ProofException e) {
      return false;
    }
  }

  private void replay(Checkpoint cp, String note) {
    long from = previous.map(LogState::size).orElse(0L);
    if (from == cp.size() && previous.isPresent()) {
      evaluated.add(Rule.LOG_REPLAY);
      return; // nothing new, and the same root was checked above
    }
    Map<Long, Hash> roots = new HashMap<>();
    previous.ifPresent(p -> roots.put(p.size(), Hash.fromBase64(p.root())));
    roots.put(cp.size(), cp.root());
    Watcher watcher = new Watcher(target, from, now);
    try {
      Replay.of(reader).checking(Replay.Checkpoints.of(roots)).observing(watcher).run(from,
          cp.size());
      replayed = cp.size() - from;
      evaluated.add(Rule.LOG_REPLAY);
    } catch (Divergence d) {
      evaluated.add(Rule.LOG_REPLAY);
      replayFinding(cp, note, d.getMessage());
    } catch (IOException e) {
      unreachable("log", "the log " + target.name() + "'s entries could not be read: "
          + e.getMessage(), e);
    }
    findings.addAll(watcher.findings());
  }

  private void replayFinding(Checkpoint cp, String note, String what) {
    long from = previous.map(LogState::size).orElse(0L);
    add(Rule.LOG_REPLAY, Long.toString(from), "Log " + target.name()
            + "'s tiles and entries do not lead to the root it signed at size " + cp.size()
            + ": " + what, what,
        "entries " + from + " to " + (cp.size() - 1) + " to hash to the tiles and the signed"
            + " root " + cp.root().toBase64(),
        List.of(Evidence.note("checkpoint served by the log", note),
            Evidence.text("first difference found by the replay", what)));
  }

  /**
   * Compares what witness {@code name} holds for the log with the log's checkpoint; false if
   * that could not be decided this run (the witness unreadable, or the tiles of its larger tree
   * not published yet).
   */
  private boolean splitView(String name, URI prefix, Checkpoint cp, String note) {
    byte[] raw;
    try {
      Optional<byte[]> held = witnesses.latest(prefix, cp.origin());
      if (held.isEmpty()) {
        return true;
      }
      raw = held.get();
    } catch (IOException e) {
      unreachable("witness:" + name, "witness " + name + "'s monitoring endpoint could not be"
          + " read for log " + target.name() + ": " + e.getMessage(), e);
      return false;
    }
    String theirs = new String(raw, StandardCharsets.UTF_8);
    Checkpoint w;
    try {
      w = LogVerifier.ofLogKeys(target.policy().logs().stream().map(Policy.Log::key).toList())
          .verifyCheckpoint(raw).checkpoint();
    } catch (VerificationException e) {
      return true; // not signed by the log: proves nothing about it
    }
    if (!w.origin().equals(cp.origin())) {
      return true;
    }
    // One problem while it lasts: the witness, and the accepted checkpoint the views part from
    // (a split view is never accepted), whatever the witness holds next.
    String subject = "witness:" + name + ":" + previous.map(p -> p.size() + ":" + p.root())
        .orElse("none");
    List<Evidence> both = List.of(Evidence.note("checkpoint served by the log", note),
        Evidence.note("checkpoint held by witness " + name, theirs));
    if (w.size() == cp.size()) {
      if (!w.root().equals(cp.root())) {
        add(Rule.LOG_SPLIT_VIEW, subject, "Log " + target.name()
                + " signed two different checkpoints of size " + cp.size()
                + ": one served to this monitor, another held by witness " + name + ".",
            "witness " + name + " holds root " + w.root().toBase64(),
            "root " + cp.root().toBase64() + ", as the log served", both);
      }
      return true;
    }
    long small = Math.min(w.size(), cp.size());
    long large = Math.max(w.size(), cp.size());
    Hash smallRoot = w.size() < cp.size() ? w.root() : cp.root();
    Hash largeRoot = w.size() < cp.size() ? cp.root() : w.root();
    List<Hash> proof;
    try {
      proof = reader.consistencyProof(small, large);
    } catch (IOException e) {
      return false; // the log has not published the tiles of the witness's larger tree yet
    }
    try {
      ProofVerifier.verifyConsistency(small, large, proof, smallRoot, largeRoot);
    } catch (ProofException e) {
      List<Evidence> evidence = new ArrayList<>(both);
      evidence.add(new Evidence("proof", "consistency proof from size " + small + " to " + large
          + " built from the log's tiles", proofLines(proof)));
      add(Rule.LOG_SPLIT_VIEW, subject, "Witness " + name + " holds a checkpoint of log "
              + target.name() + " (size " + w.size() + ") that is not consistent with the one"
              + " the log served to this monitor (size " + cp.size() + ").",
          "no consistency between size " + small + " and " + large + ": " + e.getMessage(),
          "one history: the smaller checkpoint a prefix of the larger", evidence);
    }
    return true;
  }

  private void unreachable(String subject, String summary, IOException e) {
    String where = subject.equals("log") ? target.url().toString() : subject;
    add(Rule.COLLECTOR_UNREACHABLE, subject, summary.endsWith(".") ? summary : summary + ".",
        e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(),
        "an answer from " + where,
        List.of(Evidence.http("request", e.getMessage() == null ? e.toString()
            : e.getMessage())));
  }

  private void add(Rule rule, String subject, String summary, String observed, String expected,
      List<Evidence> evidence) {
    findings.add(Finding.of(rule, target.name(), subject, summary, observed, expected, evidence,
        now));
  }

  private String keyNames() {
    return target.policy().logs().stream().map(l -> l.key().name() + "+"
        + String.format("%08x", l.key().keyId())).collect(Collectors.joining(", "));
  }

  static String proofLines(List<Hash> proof) {
    return proof.stream().map(Hash::toBase64).collect(Collectors.joining("\n"));
  }

  /** A duration as people write it: 90 s, 12 min, 3 h 5 min, 2 d 1 h. */
  static String age(Duration d) {
    long s = d.toSeconds();
    if (s < 120) {
      return s + " s";
    }
    if (s < 7200) {
      return s / 60 + " min";
    }
    if (s < 172800) {
      return s / 3600 + " h " + s % 3600 / 60 + " min";
    }
    return s / 86400 + " d " + s % 86400 / 3600 + " h";
  }
}
