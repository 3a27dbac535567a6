package dev.cairn.log.publishing;

import java.util.concurrent.CompletableFuture;

/**
 * The checkpoints a log serves: the latest published one, and a wait for one that covers a
 * size. The {@link Publisher} of a single log, or what a cluster node reads from the shared
 * coordinator.
 */
public interface Checkpoints {
  /** The latest published checkpoint. */
  Publisher.Published latest();

  /** Completes with the first published checkpoint of at least {@code size} entries. */
  CompletableFuture<Publisher.Published> awaitSize(long size);
}
