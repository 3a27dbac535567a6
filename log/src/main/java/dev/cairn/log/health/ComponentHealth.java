package dev.cairn.log.health;

import dev.cairn.log.storage.StorageException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * Whether one part of the log can write: a failed attempt sets its {@link StorageFault}, the
 * next success clears it. Readiness and metrics follow every attempt; the log follows only the
 * changes — ERROR when a fault begins or turns into another kind, INFO when it clears — so a disk
 * that stays full under load writes two lines, not one per batch or request. Repeated failures
 * go to DEBUG.
 *
 * <p>A disk at the edge of full fails some writes and takes others (a smaller batch fits), so a
 * fault can come and go many times a second. A fault that comes back within {@link #SETTLE} of
 * clearing is logged only once it has lasted {@link #SETTLE}, and its end only if its start was
 * logged: the log shows the lasting faults, and says when one kept coming back.
 *
 * <p>A fault of a {@linkplain StorageException.Kind#fatal() fatal} kind — the log's own state
 * contradicts itself, or another process took over — is not cleared by a later success: the
 * part stops and readiness says so until an operator has acted and restarted the log (see
 * docs/operations/recovery.md, "When the log stops").
 *
 * <p>Thread-safe: several threads attempt the same work (the integrator's own thread, and the
 * sequencer and publisher before they rely on it).
 */
public final class ComponentHealth {
  /** How long a fault that came back soon after clearing must last before it is logged. */
  static final Duration SETTLE = Duration.ofSeconds(1);
  private static final Duration RECENT = Duration.ofMinutes(1);

  private final String component;
  private final String failurePrefix;
  private final Logger log;
  private final Clock clock;
  private StorageFault fault;
  private long failures;
  private boolean logged;
  /** When the last fault cleared, and how many faults began within a minute of the previous. */
  private Instant lastCleared = Instant.MIN;
  private int relapses;
  private final Map<StorageException.Kind, Long> started =
      new EnumMap<>(StorageException.Kind.class);

  /**
   * The health of {@code component}; its faults' reasons start with {@code failurePrefix} (such
   * as "writing tiles failed") and go to {@code log}.
   */
  public ComponentHealth(String component, String failurePrefix, Logger log) {
    this(component, failurePrefix, log, Clock.systemUTC());
  }

  ComponentHealth(String component, String failurePrefix, Logger log, Clock clock) {
    this.component = component;
    this.failurePrefix = failurePrefix;
    this.log = log;
    this.clock = clock;
  }

  /** The part of the log this is about: the {@code component} label in metrics. */
  public String component() {
    return component;
  }

  /** The current fault, if the last attempt failed (or a fatal one ever did). */
  public synchronized Optional<StorageFault> fault() {
    return Optional.ofNullable(fault);
  }

  /** Whether the part stopped on a fatal fault. */
  public synchronized boolean stopped() {
    return fault != null && fault.fatal();
  }

  /** How many faults of {@code kind} began since start (a run of failures counts once). */
  public synchronized long faultsStarted(StorageException.Kind kind) {
    return started.getOrDefault(kind, 0L);
  }

  /**
   * Records a failed attempt to do {@code what} and returns the fault it leaves, whose reason
   * names the kind (for all but {@link StorageException.Kind#OTHER}) and the failure.
   */
  public synchronized StorageFault failed(String what, Throwable failure) {
    Instant now = clock.instant();
    if (fault != null && fault.fatal()) {
      log.debug("{} stopped; a further failure while {}: {}", component, what,
          failure.toString());
      return fault;
    }
    StorageException.Kind kind = StorageException.kindOf(failure);
    String detail = oneLine(failure.getMessage() != null ? failure.getMessage()
        : failure.toString());
    String summary = failurePrefix
        + (kind == StorageException.Kind.OTHER ? "" : ": " + kind.description());
    String reason = summary + ": " + detail;
    failures++;
    if (kind.fatal()) {
      started.merge(kind, 1L, Long::sum);
      fault = new StorageFault(component, kind, reason, summary, now);
      logged = true;
      log.error("{} STOPPED ({}) while {}: {}; it stays stopped until an operator acts and"
          + " restarts the log (docs/operations/recovery.md, \"When the log stops\")",
          component, kind.description(), what, detail);
      return fault;
    }
    if (fault == null) {
      started.merge(kind, 1L, Long::sum);
      boolean relapse = now.isBefore(lastCleared.plus(RECENT));
      relapses = relapse ? relapses + 1 : 0;
      fault = new StorageFault(component, kind, reason, summary, now);
      logged = !relapse;
      if (logged) {
        log.error("{} fault began ({}) while {}: {}; retrying until it clears", component,
            kind.description(), what, detail);
      }
    } else if (fault.kind() != kind) {
      started.merge(kind, 1L, Long::sum);
      StorageFault previous = fault;
      fault = new StorageFault(component, kind, reason, summary, now);
      logged = true;
      log.error("{} fault is now {} (was {}) while {}: {}", component, kind.description(),
          previous.kind().description(), what, detail);
    } else {
      fault = new StorageFault(component, kind, reason, summary, fault.since());
      if (!logged && !now.isBefore(fault.since().plus(SETTLE))) {
        logged = true;
        log.error("{} fault began ({}) while {}: {}; it came and went {} times in the last"
            + " minute; retrying until it clears", component, kind.description(), what,
            detail, relapses);
      } else {
        log.debug("{} still failing ({} failed attempts) while {}: {}", component, failures,
            what, detail);
      }
    }
    return fault;
  }

  /** Records a successful attempt, clearing the fault if there was one and it is not fatal. */
  public synchronized void recovered() {
    if (fault == null || fault.fatal()) {
      return;
    }
    Instant now = clock.instant();
    Duration lasted = Duration.between(fault.since(), now);
    if (logged) {
      log.info("{} recovered from {} after {} failed attempts over {} s", component,
          fault.kind().description(), failures, lasted.toMillis() / 1000.0);
    } else {
      log.debug("{} recovered from {} again after {} failed attempts", component,
          fault.kind().description(), failures);
    }
    fault = null;
    failures = 0;
    lastCleared = now;
  }

  private static String oneLine(String s) {
    String line = s.replaceAll("[\\r\\n]+", " ").strip();
    return line.length() > 400 ? line.substring(0, 400) + "..." : line;
  }
}
