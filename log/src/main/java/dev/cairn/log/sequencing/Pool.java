package dev.cairn.log.sequencing;

import dev.cairn.log.BadInputException;
import dev.cairn.log.PushbackException;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.tile.Bundles;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Submissions waiting for a batch: bounded in entries and in bytes (a full pool pushes back;
 * bytes count until their batch is done, as it holds them until then), and an entry submitted
 * again while its first submission waits or is being sequenced joins that one instead of
 * taking a second place. Submitters never block; the sequencing thread takes batches.
 */
final class Pool {
  /**
   * A submission, the future its submitter holds, and the span of the request that submitted
   * it (invalid when untraced), which the span of its batch links to.
   */
  record Pending(byte[] entry, Hash leafHash, CompletableFuture<Sequencer.Added> result,
      SpanContext submitter) {}

  private final SequencerConfig config;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
  /** Entries pooled or being sequenced, so a concurrent resubmission joins the first one. */
  private final Map<Hash, Pending> inflight = new HashMap<>();
  /** Bytes of the entries pooled or being sequenced. */
  private long bytes;
  private boolean closed;

  Pool(SequencerConfig config) {
    this.config = config;
  }

  /** Entries waiting for a batch. */
  int depth() {
    lock.lock();
    try {
      return waiting.size();
    } finally {
      lock.unlock();
    }
  }

  /** Bytes of the entries waiting for a batch or being sequenced. */
  long bytes() {
    lock.lock();
    try {
      return bytes;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Pools {@code entries}, all of them or none.
   *
   * @throws BadInputException if an entry is empty or longer than 65,535 bytes
   * @throws PushbackException if the pool cannot take them all, or is closed
   */
  List<CompletableFuture<Sequencer.Added>> add(List<byte[]> entries) {
    List<Pending> fresh = new ArrayList<>(entries.size());
    long size = 0;
    Hasher hasher = Hasher.threadLocal();
    // The submitter's span, if it made one current: one thread-local read, nothing allocated.
    SpanContext submitter = Span.current().getSpanContext();
    for (int i = 0; i < entries.size(); i++) {
      byte[] e = entries.get(i);
      if (e.length == 0 || e.length > Bundles.MAX_ENTRY_SIZE) {
        throw new BadInputException("entry " + i + " is " + e.length
            + " bytes; entries must be 1 to " + Bundles.MAX_ENTRY_SIZE + " bytes");
      }
      fresh.add(new Pending(e, hasher.leaf(e), new CompletableFuture<>(), submitter));
      size += e.length;
    }
    List<CompletableFuture<Sequencer.Added>> results = new ArrayList<>(fresh.size());
    lock.lock();
    try {
      if (closed) {
        throw new PushbackException("the log is shutting down", Duration.ofSeconds(5));
      }
      if (waiting.size() + fresh.size() > config.poolLimit()) {
        throw new PushbackException("the sequencing pool is full (" + waiting.size() + " of "
            + config.poolLimit() + " entries waiting)", retryAfter());
      }
      if (bytes + size > config.poolBytes()) {
        throw new PushbackException("the sequencing pool is full (" + bytes + " of "
            + config.poolBytes() + " bytes held; " + size + " more asked for)", retryAfter());
      }
      boolean wasEmpty = waiting.isEmpty();
      for (Pending p : fresh) {
        Pending first = inflight.putIfAbsent(p.leafHash(), p);
        if (first == null) {
          waiting.add(p);
          bytes += p.entry().length;
          results.add(p.result());
        } else {
          results.add(first.result().thenApply(a -> new Sequencer.Added(a.index(), true)));
        }
      }
      if (wasEmpty || waiting.size() >= config.batchSize()) {
        arrived.signal();
      }
    } finally {
      lock.unlock();
    }
    return results;
  }

  /** How long a pushed-back client should wait: four intervals, at least a second. */
  Duration retryAfter() {
    Duration four = config.interval().multipliedBy(4);
    return four.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : four;
  }

  /**
   * Waits for the next batch: until entries arrive, then until {@code notBeforeNanos} (the
   * interval since the last batch began) unless a full batch is waiting. With a {@code probe}
   * period, returns an empty batch after that long idle, so the caller can probe storage (or
   * adopt what other nodes committed) without waiting for a writer. Returns null once closed
   * and empty.
   */
  List<Pending> take(long notBeforeNanos, Optional<Duration> probe) throws InterruptedException {
    lock.lock();
    try {
      boolean idle = false;
      while (waiting.isEmpty() && !closed && !idle) {
        if (probe.isEmpty()) {
          arrived.await();
        } else {
          idle = !arrived.await(probe.get().toNanos(), TimeUnit.NANOSECONDS)
              && waiting.isEmpty();
        }
      }
      long wait;
      while (!closed && waiting.size() < config.batchSize()
          && (wait = notBeforeNanos - System.nanoTime()) > 0) {
        arrived.awaitNanos(wait);
      }
      if (waiting.isEmpty()) {
        return closed ? null : List.of();
      }
      List<Pending> batch = new ArrayList<>(Math.min(waiting.size(), config.batchSize()));
      while (!waiting.isEmpty() && batch.size() < config.batchSize()) {
        batch.add(waiting.poll());
      }
      return batch;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Hands batches to {@code handle}, on the calling thread, until the pool is closed and empty:
   * a batch at most every interval (at once when full), and an empty one after {@code probe}
   * idle when it gives a period (see {@link #take}).
   */
  void drain(java.util.function.Supplier<Optional<Duration>> probe,
      java.util.function.Consumer<List<Pending>> handle) {
    long next = System.nanoTime();
    while (true) {
      List<Pending> batch;
      try {
        batch = take(next, probe.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (batch == null) {
        return;
      }
      next = System.nanoTime() + config.interval().toNanos();
      handle.accept(batch);
    }
  }

  /** The batch is done: its entries may be pooled afresh. */
  void done(List<Pending> batch) {
    lock.lock();
    try {
      for (Pending p : batch) {
        inflight.remove(p.leafHash(), p);
        bytes -= p.entry().length;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Takes no more submissions; what is pooled is still handed out. */
  void close() {
    lock.lock();
    try {
      closed = true;
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
