package dev.cairn.log;

/**
 * The log stopped taking writes on a fatal fault — its stored state contradicts itself, or
 * another process took over sequencing — and will not resume by itself: an operator must act
 * (docs/operations/recovery.md, "When the log stops"). HTTP answers 500 with the reason.
 */
public final class StoppedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The log stopped for {@code reason}. */
  public StoppedException(String reason) {
    super("the log stopped taking writes: " + reason + " (an operator must act; see the"
        + " runbook, \"When the log stops\")");
  }
}
