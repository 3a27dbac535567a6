package dev.cairn.witness;

import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifierSet;
import dev.cairn.policy.Policy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The logs a witness cosigns and the keys it trusts for each, from a tlog-policy text:
 *
 * <pre>  log &lt;vkey&gt; [&lt;url&gt;]</pre>
 *
 * <p>The whole text is parsed by {@link Policy#parse}, so its rules hold: each key is Ed25519,
 * ECDSA P-256 or ML-DSA-44 and named for its log's origin, no public key appears twice, lines
 * are numbered in errors. An origin may have several keys (a classical key, an ML-DSA-44 key, a
 * rotated key): a checkpoint signed by any one of them is accepted. {@code witness}, {@code
 * group} and {@code quorum} lines must be valid but are ignored (a witness does not check
 * cosignatures); a text without a quorum line is read as if it ended with {@code quorum none}.
 * Immutable.
 */
public final class KnownLogs {
  private static final Pattern QUORUM_LINE = Pattern.compile("(?m)^[ \t]*quorum([ \t]|$)");

  private final Map<String, List<VerifierKey>> keys;
  private final Map<String, VerifierSet> verifiers;

  private KnownLogs(Map<String, List<VerifierKey>> keys) {
    this.keys = Map.copyOf(keys);
    Map<String, VerifierSet> v = new LinkedHashMap<>();
    keys.forEach((origin, list) -> v.put(origin, VerifierSet.ofKeys(list)));
    this.verifiers = Map.copyOf(v);
  }

  /** No logs: every origin is unknown. */
  public static KnownLogs none() {
    return new KnownLogs(Map.of());
  }

  /** These log keys, grouped by their names (the origins). */
  public static KnownLogs of(List<VerifierKey> logKeys) {
    return parse(Policy.ofLogs(logKeys).format().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Parses a logs file.
   *
   * @throws IllegalArgumentException naming the line and what is wrong with it
   */
  public static KnownLogs parse(byte[] text) {
    if (text.length > Policy.MAX_SIZE) {
      throw new IllegalArgumentException("the logs file is larger than " + Policy.MAX_SIZE
          + " bytes");
    }
    String s = new String(text, StandardCharsets.UTF_8);
    byte[] full = text;
    if (!QUORUM_LINE.matcher(s).find()) {
      String sep = s.isEmpty() || s.endsWith("\n") ? "" : "\n";
      byte[] tail = (sep + "quorum none\n").getBytes(StandardCharsets.US_ASCII);
      full = java.util.Arrays.copyOf(text, text.length + tail.length);
      System.arraycopy(tail, 0, full, text.length, tail.length);
    }
    Policy policy = Policy.parse(full);
    Map<String, List<VerifierKey>> byOrigin = new LinkedHashMap<>();
    for (Policy.Log log : policy.logs()) {
      byOrigin.computeIfAbsent(log.key().name(), o -> new ArrayList<>()).add(log.key());
    }
    byOrigin.replaceAll((o, l) -> List.copyOf(l));
    return new KnownLogs(byOrigin);
  }

  /** The keys trusted for {@code origin}, if it is a known log. */
  public Optional<VerifierSet> verifiers(String origin) {
    return Optional.ofNullable(verifiers.get(origin));
  }

  /** The known origins with their keys. */
  public Map<String, List<VerifierKey>> keys() {
    return keys;
  }
}
