package dev.cairn.release;

/**
 * A release bundle or file failed verification; {@link #step()} says at which step, the message
 * says exactly what, starting with the step ({@code "inclusion proof: ..."}) or, for a file, with
 * its name ({@code "cairn-1.0.0.tar.gz: SHA-256 differs ..."}).
 */
public final class ReleaseException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The verification steps, in the order they run. */
  public enum Step {
    /** The bundle is not a tlog-proof carrying a manifest. */
    BUNDLE("bundle"),
    /** The manifest is not a signed note holding a valid manifest text. */
    MANIFEST("manifest"),
    /** The release key did not sign the manifest, or its signature fails. */
    SIGNATURE("manifest signature"),
    /** The inclusion proof does not prove the manifest under the checkpoint. */
    INCLUSION("inclusion proof"),
    /** No policy, or the checkpoint does not satisfy it (log keys, witness quorum). */
    CHECKPOINT("checkpoint"),
    /** A file is not in the manifest, or its size or SHA-256 differs. */
    FILE("file");

    private final String label;

    Step(String label) {
      this.label = label;
    }

    /** How messages name this step. */
    public String label() {
      return label;
    }
  }

  private final Step step;

  private ReleaseException(Step step, String message) {
    super(message);
    this.step = step;
  }

  /** A failure at {@code step}, the message starting with the step's label. */
  static ReleaseException at(Step step, String detail) {
    return new ReleaseException(step, step.label() + ": " + detail);
  }

  /** A failure of the file {@code name}, the message starting with the name. */
  static ReleaseException file(String name, String detail) {
    return new ReleaseException(Step.FILE, name + ": " + detail);
  }

  /** The step that failed. */
  public Step step() {
    return step;
  }
}
