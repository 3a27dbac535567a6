package dev.cairn.log.testing;

/** How an injected storage failure behaves. */
public enum Fault {
  /** The call throws and its write does not happen. */
  LOSE,
  /** The write lands durably, then the call throws anyway (a lost acknowledgement). */
  PERSIST
}
