package dev.cairn.monitor.alert;

import java.io.IOException;

/** Somewhere alerts go. Implementations are thread-safe. */
public interface Channel {
  /** The configured name. */
  String name();

  /**
   * Delivers {@code alert} once, within the channel's timeout.
   *
   * @throws IOException if it was not accepted (a refusal, a timeout, no connection): the
   *     message names the status or error
   */
  void deliver(Alert alert) throws IOException;
}
