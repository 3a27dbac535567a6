package dev.cairn.log.health;

import dev.cairn.log.storage.StorageException;
import java.time.Instant;

/**
 * Why a part of the log cannot write now, as an operator needs to see it.
 *
 * @param component the failing part: {@code sequencer} (the commit of writes), {@code integrator}
 *     (tiles and bundles) or {@code publisher} (checkpoints and their history)
 * @param kind what kind of failure, which says what to do about it; a {@linkplain
 *     StorageException.Kind#fatal() fatal} kind stops the part until an operator acts
 * @param reason the latest failure on one line, e.g. {@code writing tiles failed: disk full:
 *     couldn't write tile/entries/001: No space left on device}, for operators (the server's
 *     log, authenticated routes): it names files
 * @param summary what failed and its kind without the detail, e.g. {@code writing tiles failed:
 *     disk full}, for anyone ({@code /readyz})
 * @param since when the first of this run of failures happened
 */
public record StorageFault(String component, StorageException.Kind kind, String reason,
    String summary, Instant since) {
  /** Whether the part stopped and waits for an operator. */
  public boolean fatal() {
    return kind.fatal();
  }
}
