package dev.cairn.log.sequencing;

import dev.cairn.log.health.ComponentHealth;
import dev.cairn.log.health.StorageFault;
import dev.cairn.log.storage.Lease;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes sequenced batches' bundles and tiles to the object store, behind the sequencer, on its
 * own thread, through {@link Lease#integrate}: objects durable, then the integrated head that
 * claims them. Batches accumulate while a write is in flight, so one write covers many; of a
 * partial tile only the widest version that accumulated is written. Small integrations are
 * spaced out ({@link SequencerConfig#integrationSpacing()}): each rewrites and syncs the same
 * right-hand partial tiles, which under a stream of small batches cost more than the batches'
 * full tiles.
 */
final class Integrator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Integrator.class);
  private static final long RETRY_MILLIS = 1000;
  /** How often an idle integrator lets the lease sync what is due. */
  private static final long IDLE_SYNC_MILLIS = 1000;
  /**
   * Entries waiting for their integration that start it without the spacing: four bundles'
   * worth, whose full tiles outweigh the partial ones (a batch of {@code /add-batch} load).
   */
  static final int EAGER_ENTRIES = 1024;

  private final ObjectStore objects;
  private final Lease lease;
  private final long spacingNanos;
  private final Sequencer.BatchObserver observer;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  /**
   * Objects waiting to be written, and the head they bring the object store to. Of a partial
   * tile, only the version of that head is kept: narrower ones a later batch superseded are
   * dropped (they would be garbage at once).
   */
  private Writes pending = new Writes();
  private TreeHead pendingHead;
  /** When the last integration took its objects (by this thread or another); under the lock. */
  private long lastStarted = System.nanoTime();
  /** The spans of the batches whose objects are pending, at most {@link Sequencer#MAX_LINKS}. */
  private List<SpanContext> pendingSpans = new ArrayList<>();
  private volatile Tracing tracing = Tracing.off();
  /** Held while objects are written, so two integrations never overlap. */
  private final ReentrantLock writing = new ReentrantLock();
  private boolean closed;

  private volatile TreeHead integrated;
  private final ComponentHealth health =
      new ComponentHealth("integrator", "writing tiles failed", LOG);
  private final Thread thread;

  Integrator(ObjectStore objects, Lease lease, TreeHead integrated, Duration spacing,
      Sequencer.BatchObserver observer) {
    this.objects = objects;
    this.lease = lease;
    this.spacingNanos = spacing.toNanos();
    this.observer = observer;
    this.integrated = integrated;
    this.thread = Thread.ofPlatform().name("cairn-integrator").daemon().unstarted(this::run);
  }

  /** Traces each integration: a span {@code integrate}, linked to the batches it writes. */
  void trace(Tracing tracing) {
    this.tracing = tracing;
  }

  void start() {
    thread.start();
  }

  /** The tree head whose bundles and tiles are all durable in the object store. */
  TreeHead integrated() {
    return integrated;
  }

  Optional<String> fault() {
    return health.fault().map(StorageFault::reason);
  }

  ComponentHealth health() {
    return health;
  }

  /** Bytes of the objects waiting to be written. */
  long backlogBytes() {
    lock.lock();
    try {
      return pending.bytes();
    } finally {
      lock.unlock();
    }
  }

  /** Queues a committed batch's objects, which bring the object store to {@code head}. */
  void handOff(Map<String, byte[]> writes, TreeHead head) {
    handOff(writes, head, SpanContext.getInvalid());
  }

  /** Queues a committed batch's objects, as its span {@code batch} (if valid) sequenced them. */
  void handOff(Map<String, byte[]> writes, TreeHead head, SpanContext batch) {
    lock.lock();
    try {
      pending.addAll(writes);
      pendingHead = head;
      if (batch.isValid() && pendingSpans.size() < Sequencer.MAX_LINKS) {
        pendingSpans.add(batch);
      }
      changed.signal();
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    while (true) {
      lock.lock();
      try {
        // Stopped on a fatal fault, nothing is retried: an operator must act.
        while ((pendingHead == null || health.stopped()) && !closed) {
          if (!changed.await(IDLE_SYNC_MILLIS, TimeUnit.MILLISECONDS) && pendingHead == null
              && !health.stopped()) {
            break; // idle: objects integrated a while ago may be due to be synced
          }
        }
        if (closed) {
          return; // whoever closes integrates what is left, on its own thread
        }
        if (pendingHead == null) {
          lock.unlock();
          try {
            syncDue();
          } finally {
            lock.lock();
          }
          continue;
        }
        long wait = lastStarted + spacingNanos - System.nanoTime();
        if (wait > 0 && pendingHead.size() - integrated.size() < EAGER_ENTRIES) {
          changed.awaitNanos(wait);
          continue; // look again: closed, integrated by a checkpoint, or more arrived
        }
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      if (!integrateNow()) {
        // Back off before retrying; new batches must not cut the wait short, or a lasting fault
        // (a full disk) turns into a busy loop of failing writes.
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS);
        lock.lock();
        try {
          long wait;
          while (!closed && (wait = until - System.nanoTime()) > 0) {
            changed.awaitNanos(wait);
          }
        } catch (InterruptedException e) {
          return;
        } finally {
          lock.unlock();
        }
      }
    }
  }

  /** Lets the lease sync the objects due, while idle; a failure is the integrator's fault. */
  private void syncDue() {
    if (!writing.tryLock()) {
      return; // an integration is under way, and syncs first
    }
    try {
      lease.syncDue(); // a success clears no fault: the next integration does
    } catch (IOException | RuntimeException e) {
      health.failed("syncing integrated tiles", e);
    } finally {
      writing.unlock();
    }
  }

  /**
   * Writes whatever is pending, on the calling thread, and returns whether the object store
   * then holds everything handed off so far.
   */
  boolean integrateNow() {
    if (health.stopped()) {
      return false; // nothing is retried after a fatal fault: an operator must act
    }
    writing.lock();
    try {
      Writes batch;
      TreeHead head;
      List<SpanContext> batchSpans;
      lock.lock();
      try {
        if (pendingHead == null) {
          return true;
        }
        lastStarted = System.nanoTime();
        batch = pending;
        head = pendingHead;
        batchSpans = pendingSpans.isEmpty() ? List.of() : pendingSpans;
        pending = new Writes();
        pendingHead = null;
        if (!batchSpans.isEmpty()) {
          pendingSpans = new ArrayList<>();
        }
      } finally {
        lock.unlock();
      }
      Span span = tracing.enabled() ? span(batch, head, batchSpans) : Span.getInvalid();
      long started = System.nanoTime();
      try {
        // The crash-safe order: objects durable, then the head that claims them.
        integrated = lease.integrate(integrated.size(), from -> {
          objects.createAll(batch.objects());
          return head;
        });
        long took = System.nanoTime() - started;
        health.recovered();
        span.end();
        observe(batch, took, true);
      } catch (IOException | RuntimeException e) {
        long took = System.nanoTime() - started;
        span.setStatus(StatusCode.ERROR, e.toString());
        span.end();
        health.failed("integrating up to size " + head.size(), e);
        lock.lock();
        try {
          // Put the batch back under anything newer, which supersedes its partial versions.
          Writes newer = pending;
          pending = batch;
          pending.addAll(newer);
          if (pendingHead == null) {
            pendingHead = head;
          }
          if (!batchSpans.isEmpty()) {
            batchSpans.addAll(pendingSpans);
            pendingSpans = batchSpans.size() <= Sequencer.MAX_LINKS ? batchSpans
                : new ArrayList<>(batchSpans.subList(0, Sequencer.MAX_LINKS));
          }
        } finally {
          lock.unlock();
        }
        observe(batch, took, false);
        return false;
      }
      return true;
    } finally {
      writing.unlock();
    }
  }

  /** Tells the observer of an integration of {@code batch} that took {@code nanos}. */
  private void observe(Writes batch, long nanos, boolean ok) {
    try {
      observer.integration(batch.size(), batch.bytes(), nanos, ok);
    } catch (RuntimeException e) {
      LOG.warn("integration observer failed: {}", e.toString());
    }
  }

  /**
   * The span of writing {@code batch}: a child of the current span (the publication's, when
   * the publisher integrates), linked to the batches whose objects it writes.
   */
  private Span span(Writes batch, TreeHead head, List<SpanContext> batchSpans) {
    SpanBuilder b = tracing.tracer().spanBuilder("integrate")
        .setAttribute("cairn.objects", batch.size())
        .setAttribute("cairn.objects.bytes", batch.bytes())
        .setAttribute("cairn.tree.size", head.size());
    batchSpans.forEach(b::addLink);
    return b.startSpan();
  }

  /** Integration held off; closing it lets integration go on. */
  interface Paused extends AutoCloseable {
    @Override
    void close();
  }

  /** Holds off integration (and the dropping of logged batches) until the result is closed. */
  Paused pause() {
    writing.lock();
    return writing::unlock;
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
