package dev.cairn.log.witnessing;

import java.io.IOException;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The size of the latest checkpoint of this log each witness cosigned, by the witness's
 * submission URL: the {@code old} size of the next add-checkpoint request to it.
 *
 * <p>A size here is a hint, not a safety property: a witness checks every request against its
 * own record, and a stale or lost size costs one 409 round trip, whose body says the right size.
 * So a store need not be transactional with the checkpoint it follows; it MUST only keep what
 * {@link #put} returned from across restarts (durable before it returns), so that a restarted log
 * does not start every witness from zero. Only the process publishing the log (the lease holder)
 * writes; in a cluster the store is one row per (log, witness URL) in the coordination database,
 * and a node that takes over the lease reads what the previous one wrote. Thread-safe.
 */
public interface CosignedSizes {
  /** The size the witness at {@code url} last cosigned, if known. */
  OptionalLong get(String url) throws IOException;

  /** Records that the witness at {@code url} cosigned the checkpoint of {@code size}. */
  void put(String url, long size) throws IOException;

  /** Sizes kept in memory only: a restart starts from zero (tests). */
  static CosignedSizes inMemory() {
    Map<String, Long> sizes = new ConcurrentHashMap<>();
    return new CosignedSizes() {
      @Override
      public OptionalLong get(String url) {
        Long s = sizes.get(url);
        return s == null ? OptionalLong.empty() : OptionalLong.of(s);
      }

      @Override
      public void put(String url, long size) {
        sizes.put(url, size);
      }
    };
  }
}
