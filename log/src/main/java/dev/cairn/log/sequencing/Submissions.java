package dev.cairn.log.sequencing;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a log takes submissions: each future completes with the entry's index once that index
 * is durable (committed), or fails with {@link dev.cairn.log.PushbackException} or {@link
 * dev.cairn.log.StoppedException}. The {@link Sequencer} of a single log, or a cluster node's
 * committer.
 */
public interface Submissions {
  /**
   * Submits entries together: all of them are pooled, or none (pushback) if they do not fit.
   *
   * @throws dev.cairn.log.PushbackException if they cannot be taken now
   * @throws dev.cairn.log.BadInputException if an entry is empty or longer than 65,535 bytes
   */
  List<CompletableFuture<Sequencer.Added>> addAll(List<byte[]> entries);

  /** Submits one entry, as {@link #addAll} does. */
  default CompletableFuture<Sequencer.Added> add(byte[] entry) {
    return addAll(List.of(entry)).get(0);
  }
}
