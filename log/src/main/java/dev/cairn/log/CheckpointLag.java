package dev.cairn.log;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * How long the oldest entry sequenced but not covered by the published checkpoint has waited:
 * the checkpoint freshness SLI ({@code cairn_checkpoint_lag_seconds}). Zero while the published
 * checkpoint covers every sequenced entry, however old it is (an idle log publishes nothing).
 *
 * <p>It keeps one mark per growth of the sequenced tree it sees — (size, when first seen) —
 * and drops the marks a publication covers; the oldest mark left is when the first uncovered
 * entry was sequenced. Growth is seen after every batch this process commits (exact) and at
 * every scrape (a cluster node's commits by other nodes, at the precision of the scrapes and
 * of the node's view of the committed size). Nothing is done per entry. Marks are bounded:
 * beyond {@link #MAX_MARKS}, pairs are merged into one with the older time and the larger size,
 * which can only make the lag read longer, never shorter. Entries sequenced before this process
 * started count from its start.
 */
final class CheckpointLag {
  static final int MAX_MARKS = 1024;

  private final LongSupplier sequenced;
  private final LongSupplier published;
  private final Clock clock;
  /** Guarded by this: (size, epoch millis first seen), sizes increasing. */
  private ArrayDeque<long[]> marks = new ArrayDeque<>();

  CheckpointLag(LongSupplier sequenced, LongSupplier published, Clock clock) {
    this.sequenced = sequenced;
    this.published = published;
    this.clock = clock;
    observe();
  }

  /** Notes the sequenced size now; called after a batch is committed. */
  synchronized void observe() {
    long size = sequenced.getAsLong();
    long[] last = marks.peekLast();
    long now = clock.millis();
    if (last != null && size < last[0]) {
      // The durable tree is smaller than seen (rebuilt after a failed commit): what was past it
      // is gone, but its wait is kept (the oldest time) for entries sequenced again.
      long since = now;
      while (!marks.isEmpty() && marks.peekLast()[0] > size) {
        since = marks.pollLast()[1];
      }
      last = marks.peekLast();
      if (last == null || last[0] < size) {
        marks.addLast(new long[] {size, since});
      }
      return;
    }
    long covered = published.getAsLong();
    prune(covered);
    if (size > covered && (last == null || size > last[0])) {
      marks.addLast(new long[] {size, now});
      if (marks.size() > MAX_MARKS) {
        thin();
      }
    }
  }

  /** Drops the marks a checkpoint of {@code covered} entries covers. */
  private void prune(long covered) {
    while (!marks.isEmpty() && marks.peekFirst()[0] <= covered) {
      marks.pollFirst();
    }
  }

  /** Halves the marks: each pair becomes the later size with the earlier time. */
  private void thin() {
    ArrayDeque<long[]> fewer = new ArrayDeque<>(MAX_MARKS);
    long[] held = null;
    for (long[] m : marks) {
      if (held == null) {
        held = m;
      } else {
        fewer.addLast(new long[] {m[0], held[1]});
        held = null;
      }
    }
    if (held != null) {
      fewer.addLast(held);
    }
    marks = fewer;
  }

  /** Seconds the oldest uncovered entry has waited; 0 if the checkpoint covers them all. */
  synchronized double seconds() {
    observe();
    prune(published.getAsLong());
    long[] oldest = marks.peekFirst();
    return oldest == null ? 0 : Math.max(0, clock.millis() - oldest[1]) / 1000.0;
  }
}
