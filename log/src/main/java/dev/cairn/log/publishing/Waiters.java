package dev.cairn.log.publishing;

import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * Callers waiting for a published checkpoint to cover a size, oldest first: a publication
 * answers them in that order, so the longest-waiting writer is answered first (a future's own
 * dependents would run newest first). Thread-safe.
 */
final class Waiters {
  private record Waiter(long size, CompletableFuture<Publisher.Published> published) {}

  private final ConcurrentLinkedQueue<Waiter> queue = new ConcurrentLinkedQueue<>();

  /**
   * Completes with the first published checkpoint of at least {@code size} entries, which
   * {@code latest} gives if it is already there. A caller that gives up may cancel the future
   * (or let it time out); it is dropped at the next {@link #dropAbandoned}.
   */
  CompletableFuture<Publisher.Published> await(long size,
      Supplier<Publisher.Published> latest) {
    Publisher.Published p = latest.get();
    if (p != null && p.checkpoint().size() >= size) {
      return CompletableFuture.completedFuture(p);
    }
    CompletableFuture<Publisher.Published> f = new CompletableFuture<>();
    queue.add(new Waiter(size, f));
    // A publication between the check above and the enqueue may have missed this waiter.
    p = latest.get();
    if (p != null && p.checkpoint().size() >= size) {
      f.complete(p);
    }
    return f;
  }

  /** Answers, in order, everyone {@code p} covers. */
  void published(Publisher.Published p) {
    long size = p.checkpoint().size();
    for (Iterator<Waiter> it = queue.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (w.size() <= size || w.published().isDone()) {
        it.remove();
        w.published().complete(p);
      }
    }
  }

  /** Forgets the waiters that timed out or were cancelled. */
  void dropAbandoned() {
    queue.removeIf(w -> w.published().isDone());
  }

  int size() {
    return queue.size();
  }
}
