package dev.cairn.log.sequencing;

import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.SequenceLog;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.storage.TreeStateStore;
import java.io.IOException;
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
 * own thread. The order: objects durable → integrated tree head saved → sequence log batches up
 * to it dropped. Batches accumulate while a write is in flight, so one write covers many; a
 * path written twice keeps only its latest (widest) version.
 */
final class Integrator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Integrator.class);
  private static final long RETRY_MILLIS = 1000;

  private final ObjectStore objects;
  private final TreeStateStore integratedState;
  private final SequenceLog log;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  /** Objects waiting to be written, and the head they bring the object store to. */
  private Map<String, byte[]> pending = new LinkedHashMap<>();
  private TreeHead pendingHead;
  /** Held while objects are written, so two integrations never overlap. */
  private final ReentrantLock writing = new ReentrantLock();
  private boolean closed;

  private volatile TreeHead integrated;
  private final ComponentHealth health =
      new ComponentHealth("integrator", "writing tiles failed", LOG);
  private boolean dropFailing;
  private final Thread thread;

  Integrator(ObjectStore objects, TreeStateStore integratedState, SequenceLog log,
      TreeHead integrated) {
    this.objects = objects;
    this.integratedState = integratedState;
    this.log = log;
    this.integrated = integrated;
    this.thread = Thread.ofPlatform().name("cairn-integrator").daemon().unstarted(this::run);
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

  /** Objects waiting to be written. */
  int backlog() {
    lock.lock();
    try {
      return pending.size();
    } finally {
      lock.unlock();
    }
  }

  /** Queues a committed batch's objects, which bring the object store to {@code head}. */
  void handOff(Map<String, byte[]> writes, TreeHead head) {
    lock.lock();
    try {
      pending.putAll(writes);
      pendingHead = head;
      changed.signal();
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    while (true) {
      lock.lock();
      try {
        while (pendingHead == null && !closed) {
          changed.awaitUninterruptibly();
        }
        if (pendingHead == null) {
          return;
        }
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

  /**
   * Writes whatever is pending, on the calling thread, and returns whether the object store
   * then holds everything handed off so far.
   */
  boolean integrateNow() {
    writing.lock();
    try {
      Map<String, byte[]> batch;
      TreeHead head;
      lock.lock();
      try {
        if (pendingHead == null) {
          return true;
        }
        batch = pending;
        head = pendingHead;
        pending = new LinkedHashMap<>();
        pendingHead = null;
      } finally {
        lock.unlock();
      }
      try {
        // The crash-safe order: objects durable, then the head that claims them, then the
        // sequence log may forget the batches they hold.
        objects.putAll(batch);
        integratedState.save(head);
        integrated = head;
        health.recovered();
      } catch (IOException | RuntimeException e) {
        health.failed("integrating up to size " + head.size(), e);
        lock.lock();
        try {
          // Put the batch back under anything newer: newer versions of a path are wider.
          for (Map.Entry<String, byte[]> w : batch.entrySet()) {
            pending.putIfAbsent(w.getKey(), w.getValue());
          }
          if (pendingHead == null) {
            pendingHead = head;
          }
        } finally {
          lock.unlock();
        }
        return false;
      }
      dropThrough(head.size());
      return true;
    } finally {
      writing.unlock();
    }
  }

  /**
   * Lets the sequence log drop what the object store now holds. A failure costs only disk space
   * (the batches are dropped at the next integration) and is logged when it starts and ends.
   */
  private void dropThrough(long size) {
    try {
      log.dropThrough(size);
      if (dropFailing) {
        dropFailing = false;
        LOG.info("dropping integrated sequence log segments works again");
      }
    } catch (IOException | RuntimeException e) {
      if (!dropFailing) {
        dropFailing = true;
        LOG.warn("couldn't drop sequence log segments through size {} (kept until the next"
            + " integration): {}", size, e.toString());
      }
    }
  }

  /** Holds off integration (and the dropping of logged batches) until the result is closed. */
  AutoCloseable pause() {
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
