package dev.cairn.policy;

import dev.cairn.note.SignatureType;
import dev.cairn.note.VerifierKey;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A transparency log trust policy (C2SP tlog-policy). The text is line based; items are separated
 * by spaces or tabs; blank lines and lines starting with {@code #} are ignored:
 *
 * <pre>
 *   log &lt;vkey&gt; [&lt;url&gt;]
 *   witness &lt;name&gt; &lt;vkey&gt; [&lt;url&gt;]
 *   group &lt;name&gt; all|any|&lt;k&gt; &lt;name&gt;...
 *   quorum &lt;name&gt;|none
 * </pre>
 *
 * <p>Names refer only to earlier lines, so groups cannot be circular; each name is a member at
 * most once in the whole policy; there is exactly one quorum line; no public key appears twice.
 * Log keys are Ed25519 (0x01) or ML-DSA-44 (0x06) keys named for the log's origin; witness keys
 * are cosignature keys (0x04 or 0x06). Only tab, newline and bytes 0x20-0x7E and 0x80-0xFF may
 * appear, and the text must be UTF-8. Immutable.
 */
public final class Policy {
  /** The largest policy text accepted. */
  public static final int MAX_SIZE = 64 * 1024;

  /** The most logs, witnesses or groups accepted (the spec recommends supporting 32). */
  public static final int MAX_ITEMS = 256;

  /** The quorum name meaning no cosignatures are required. */
  public static final String NONE = "none";

  /**
   * A trusted log key.
   *
   * @param key the log's verifier key, named for its origin
   * @param url where to reach the log, if given
   */
  public record Log(VerifierKey key, Optional<String> url) {}

  /**
   * A witness.
   *
   * @param name the policy-local name
   * @param key its cosigning key
   * @param url its submission prefix, if given
   */
  public record Witness(String name, VerifierKey key, Optional<String> url) {}

  /**
   * A witness group, witnessing a checkpoint when at least {@code threshold} members do.
   *
   * @param name the policy-local name
   * @param threshold k, from 1 to the number of members
   * @param members names of earlier witnesses or groups
   * @param keyword how the threshold was written: "all", "any" or the number
   */
  public record Group(String name, int threshold, List<String> members, String keyword) {
    /** Copies the members. */
    public Group {
      members = List.copyOf(members);
    }
  }

  private final List<Log> logs;
  private final Map<String, Witness> witnesses;
  private final Map<String, Group> groups;
  private final String quorum;

  private Policy(List<Log> logs, Map<String, Witness> witnesses, Map<String, Group> groups,
      String quorum) {
    this.logs = List.copyOf(logs);
    this.witnesses = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(witnesses));
    this.groups = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(groups));
    this.quorum = quorum;
  }

  /** A policy trusting these log keys and requiring no cosignatures. */
  public static Policy ofLogs(List<VerifierKey> logKeys) {
    StringBuilder sb = new StringBuilder();
    for (VerifierKey k : logKeys) {
      sb.append("log ").append(k.encode()).append('\n');
    }
    return parse(sb.append("quorum none\n").toString());
  }

  /**
   * Parses a policy.
   *
   * @throws IllegalArgumentException naming the line and what is wrong with it
   */
  public static Policy parse(byte[] text) {
    if (text.length > MAX_SIZE) {
      throw new IllegalArgumentException("policy is larger than " + MAX_SIZE + " bytes");
    }
    for (byte b : text) {
      int c = b & 0xff;
      if (c < 0x20 && c != '\t' && c != '\n' || c == 0x7f) {
        throw new IllegalArgumentException(
            String.format("policy contains the forbidden byte 0x%02x", c));
      }
    }
    try {
      return parse(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(text)).toString());
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("policy is not valid UTF-8");
    }
  }

  /**
   * Parses a policy.
   *
   * @throws IllegalArgumentException naming the line and what is wrong with it
   */
  public static Policy parse(String text) {
    List<Log> logs = new ArrayList<>();
    Map<String, Witness> witnesses = new LinkedHashMap<>();
    Map<String, Group> groups = new LinkedHashMap<>();
    Set<String> usedAsMember = new HashSet<>();
    List<VerifierKey> keys = new ArrayList<>();
    String quorum = null;
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int lineNo = i + 1;
      String line = lines[i].replaceAll("^[ \t]+|[ \t]+$", "");
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      for (char c : line.toCharArray()) {
        if (c < 0x20 && c != '\t' || c == 0x7f) {
          throw error(lineNo, "forbidden control character");
        }
      }
      String[] f = line.split("[ \t]+");
      switch (f[0]) {
        case "log" -> {
          if (f.length < 2 || f.length > 3) {
            throw error(lineNo, "expected: log <vkey> [<url>]");
          }
          VerifierKey key = key(f[1], lineNo);
          if (key.type() != SignatureType.ED25519 && key.type() != SignatureType.ECDSA_P256
              && key.type() != SignatureType.MLDSA44_SUBTREE_V1) {
            throw error(lineNo,
                "a log key must be Ed25519, ECDSA P-256 or ML-DSA-44, not " + key.type());
          }
          checkNewKey(keys, key, lineNo);
          logs.add(new Log(key, url(f, 2)));
          checkCount(logs.size(), "logs", lineNo);
        }
        case "witness" -> {
          if (f.length < 3 || f.length > 4) {
            throw error(lineNo, "expected: witness <name> <vkey> [<url>]");
          }
          checkNewName(f[1], witnesses, groups, lineNo);
          VerifierKey key = key(f[2], lineNo);
          if (key.type() != SignatureType.COSIGNATURE_V1
              && key.type() != SignatureType.MLDSA44_SUBTREE_V1) {
            throw error(lineNo,
                "a witness key must be a cosignature key (0x04 or 0x06), not " + key.type());
          }
          checkNewKey(keys, key, lineNo);
          witnesses.put(f[1], new Witness(f[1], key, url(f, 3)));
          checkCount(witnesses.size(), "witnesses", lineNo);
        }
        case "group" -> {
          if (f.length < 4) {
            throw error(lineNo, "expected: group <name> all|any|<k> <name>...");
          }
          checkNewName(f[1], witnesses, groups, lineNo);
          List<String> members = List.of(f).subList(3, f.length);
          for (String m : members) {
            if (!witnesses.containsKey(m) && !groups.containsKey(m)) {
              throw error(lineNo, "group member \"" + m + "\" is not defined on an earlier line");
            }
            if (!usedAsMember.add(m)) {
              throw error(lineNo, "\"" + m + "\" is already a member of a group");
            }
          }
          int k = threshold(f[2], members.size(), lineNo);
          groups.put(f[1], new Group(f[1], k, members, f[2]));
          checkCount(groups.size(), "groups", lineNo);
        }
        case "quorum" -> {
          if (f.length != 2) {
            throw error(lineNo, "expected: quorum <name>");
          }
          if (quorum != null) {
            throw error(lineNo, "a policy has exactly one quorum line");
          }
          if (!f[1].equals(NONE) && !witnesses.containsKey(f[1]) && !groups.containsKey(f[1])) {
            throw error(lineNo, "quorum \"" + f[1] + "\" is not defined on an earlier line");
          }
          quorum = f[1];
        }
        default -> throw error(lineNo, "unknown keyword \"" + f[0] + "\"");
      }
    }
    if (quorum == null) {
      throw new IllegalArgumentException("policy has no quorum line");
    }
    return new Policy(logs, witnesses, groups, quorum);
  }

  private static VerifierKey key(String vkey, int lineNo) {
    try {
      return VerifierKey.parse(vkey);
    } catch (IllegalArgumentException e) {
      throw error(lineNo, e.getMessage());
    }
  }

  private static Optional<String> url(String[] f, int i) {
    return f.length > i ? Optional.of(f[i]) : Optional.empty();
  }

  private static void checkNewKey(List<VerifierKey> keys, VerifierKey key, int lineNo) {
    for (VerifierKey k : keys) {
      if (k.sameKeyAs(key)) {
        throw error(lineNo, "public key already listed as " + k.name());
      }
    }
    keys.add(key);
  }

  private static void checkNewName(
      String name, Map<String, Witness> w, Map<String, Group> g, int lineNo) {
    if (name.equals(NONE)) {
      throw error(lineNo, "\"none\" is reserved");
    }
    if (w.containsKey(name) || g.containsKey(name)) {
      throw error(lineNo, "name \"" + name + "\" is already defined");
    }
  }

  private static int threshold(String s, int n, int lineNo) {
    switch (s) {
      case "all":
        return n;
      case "any":
        return 1;
      default:
        if (s.matches("0+")) {
          throw error(lineNo, "threshold must be at least 1 (a group of k = 0 would be witnessed"
              + " by no one)");
        }
        if (!s.matches("[1-9][0-9]{0,3}")) {
          throw error(lineNo, "threshold must be all, any or a decimal k, got \"" + s + "\"");
        }
        int k = Integer.parseInt(s);
        if (k > n) {
          throw error(lineNo, "threshold " + k + " is more than the " + n + " members");
        }
        return k;
    }
  }

  private static void checkCount(int n, String what, int lineNo) {
    if (n > MAX_ITEMS) {
      throw error(lineNo, "more than " + MAX_ITEMS + " " + what);
    }
  }

  private static IllegalArgumentException error(int lineNo, String message) {
    return new IllegalArgumentException("policy line " + lineNo + ": " + message);
  }

  /** The trusted logs. */
  public List<Log> logs() {
    return logs;
  }

  /** The witnesses, by policy name, in definition order. */
  public Map<String, Witness> witnesses() {
    return witnesses;
  }

  /** The groups, by name, in definition order. */
  public Map<String, Group> groups() {
    return groups;
  }

  /** The quorum: a witness or group name, or {@value #NONE}. */
  public String quorum() {
    return quorum;
  }

  /**
   * Whether the witnesses named in {@code cosigned} (policy names of witnesses whose cosignature
   * verified) satisfy the quorum.
   */
  public boolean quorumMet(Set<String> cosigned) {
    return quorum.equals(NONE) || witnessed(quorum, cosigned);
  }

  private boolean witnessed(String name, Set<String> cosigned) {
    Group g = groups.get(name);
    if (g == null) {
      return cosigned.contains(name);
    }
    int n = 0;
    for (String m : g.members()) {
      if (witnessed(m, cosigned) && ++n >= g.threshold()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Why the witnesses named in {@code cosigned} fall short of the quorum, for a person: the
   * quorum and then each group under it that falls short, outermost first, as {@code quorum
   * "q" needs 3 of A, B, C, D and has 2}. Empty when the quorum is met.
   */
  public List<String> shortfall(Set<String> cosigned) {
    List<String> out = new ArrayList<>();
    if (!quorumMet(cosigned)) {
      shortfall(quorum, "quorum", cosigned, out);
    }
    return out;
  }

  private void shortfall(String name, String role, Set<String> cosigned, List<String> out) {
    Group g = groups.get(name);
    if (g == null) {
      out.add(role + " \"" + name + "\" needs witness " + name + "'s cosignature");
      return;
    }
    long has = g.members().stream().filter(m -> witnessed(m, cosigned)).count();
    out.add(role + " \"" + name + "\" needs " + g.threshold() + " of "
        + String.join(", ", g.members()) + " and has " + has);
    for (String m : g.members()) {
      if (groups.containsKey(m) && !witnessed(m, cosigned)) {
        shortfall(m, "group", cosigned, out);
      }
    }
  }

  /** The canonical text of this policy. */
  public String format() {
    StringBuilder sb = new StringBuilder();
    for (Log l : logs) {
      sb.append("log ").append(l.key().encode());
      l.url().ifPresent(u -> sb.append(' ').append(u));
      sb.append('\n');
    }
    for (Witness w : witnesses.values()) {
      sb.append("witness ").append(w.name()).append(' ').append(w.key().encode());
      w.url().ifPresent(u -> sb.append(' ').append(u));
      sb.append('\n');
    }
    for (Group g : groups.values()) {
      sb.append("group ").append(g.name()).append(' ').append(g.keyword());
      for (String m : g.members()) {
        sb.append(' ').append(m);
      }
      sb.append('\n');
    }
    return sb.append("quorum ").append(quorum).append('\n').toString();
  }
}
