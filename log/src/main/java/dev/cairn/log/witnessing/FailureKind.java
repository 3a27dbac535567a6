package dev.cairn.log.witnessing;

/** Why one try of an add-checkpoint request failed: the {@code kind} label of the metrics. */
public enum FailureKind {
  /** No answer within the per-try timeout (or no time left before the publisher's deadline). */
  TIMEOUT("timeout", false),
  /** The connection could not be made, or broke. */
  CONNECT("connect", false),
  /**
   * 409: the witness last cosigned another size than the request's {@code old} (answered with
   * a catch-up when its size is usable), or a 409 without a usable size.
   */
  CONFLICT("conflict", false),
  /** 409 with a size larger than this checkpoint: the witness cosigned what the log never did. */
  BEYOND_LOG("beyond_log", true),
  /** 429, and the Retry-After did not fit before the deadline or the tries ran out. */
  RATE_LIMITED("rate_limited", false),
  /**
   * 422, or 409 with the very size sent: the witness holds another checkpoint of that size or
   * refuses the consistency proof, i.e. this checkpoint contradicts what it cosigned. A sign of a
   * fork (or of a witness that lost its state), never of a witness merely behind.
   */
  REFUSED_CONSISTENCY("refused_consistency", true),
  /** Any other status: 400, 403, 404, 5xx. */
  HTTP_STATUS("http_status", false),
  /** 200 with a body that is not signature lines. */
  BAD_RESPONSE("bad_response", true),
  /**
   * 200 with signature lines none of which is a valid cosignature of this checkpoint by the
   * witness's policy key (a wrong key, another checkpoint, unknown keys only); or one bad line
   * beside a valid one.
   */
  BAD_COSIGNATURE("bad_cosignature", true),
  /** The log could not build the consistency proof the request needs. */
  PROOF("proof", false);

  private final String label;
  private final boolean misbehaviour;

  FailureKind(String label, boolean misbehaviour) {
    this.label = label;
    this.misbehaviour = misbehaviour;
  }

  /** The metric label. */
  public String label() {
    return label;
  }

  /**
   * Whether the witness answered against the protocol (rather than being down or behind): such
   * failures are logged at ERROR.
   */
  public boolean misbehaviour() {
    return misbehaviour;
  }
}
