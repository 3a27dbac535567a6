package dev.cairn.release;

import dev.cairn.policy.Policy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What a release key vouches for: the text of a signed note (C2SP signed-note), line by line
 *
 * <pre>
 *   cairn release manifest v1
 *   version &lt;[0-9A-Za-z.+-]{1,64}&gt;
 *   commit &lt;40 lowercase hex digits&gt;
 *   artifact &lt;name&gt; &lt;size, decimal, no leading zeros&gt; sha256:&lt;64 lowercase hex&gt;
 *   ...                 (at least one; sorted by name, names unique)
 *   sbom &lt;name of one of the artifacts&gt;
 *   policy &lt;tlog-policy line&gt;
 *   ...                 (zero or more)
 * </pre>
 *
 * <p>Artifact names are {@code [A-Za-z0-9._+-]}, 1 to 255 characters, not "." or "..". The
 * {@code policy} lines, verbatim and in order, are a {@link Policy} (C2SP tlog-policy) naming at
 * least one log: the log the release is logged in, its witnesses and quorum, as the release key
 * vouches for them; no blank or comment lines. Parsing is strict and canonical: exactly this
 * order, no other lines, every line ending in a newline, at most {@value #MAX_SIZE} bytes, and
 * {@code parse(text).format()} is {@code text}.
 *
 * @param version the release's version
 * @param commit the commit it was built from, 40 lowercase hex digits
 * @param artifacts its files, sorted by name
 * @param sbom the name of the artifact that is its software bill of materials
 * @param policyLines the tlog-policy lines of the log it is logged in, possibly none
 */
public record ReleaseManifest(String version, String commit, List<Artifact> artifacts,
    String sbom, List<String> policyLines) {
  /** The first line. */
  public static final String HEADER = "cairn release manifest v1";

  /**
   * The largest manifest text accepted, in bytes: the signed manifest is one log entry, and a
   * log takes entries of at most 65,535 bytes.
   */
  public static final int MAX_SIZE = 60 * 1024;

  /**
   * Checks the fields and sorts the artifacts by name.
   *
   * @throws IllegalArgumentException saying which field is wrong
   */
  public ReleaseManifest {
    checkVersion(version);
    checkCommit(commit);
    artifacts = artifacts.stream().sorted(Comparator.comparing(Artifact::name)).toList();
    if (artifacts.isEmpty()) {
      throw new IllegalArgumentException("a manifest lists at least one artifact");
    }
    for (int i = 1; i < artifacts.size(); i++) {
      if (artifacts.get(i).name().equals(artifacts.get(i - 1).name())) {
        throw new IllegalArgumentException(
            "artifact " + artifacts.get(i).name() + " is listed twice");
      }
    }
    if (artifacts.stream().noneMatch(a -> a.name().equals(sbom))) {
      throw new IllegalArgumentException(
          "the sbom \"" + sbom + "\" is not one of the artifacts " + names(artifacts));
    }
    policyLines = List.copyOf(policyLines);
    for (String line : policyLines) {
      checkPolicyLine(line);
    }
    if (!policyLines.isEmpty()) {
      policy(policyLines);
    }
  }

  /**
   * Parses a manifest text.
   *
   * @throws IllegalArgumentException naming the line that is wrong and why
   */
  public static ReleaseManifest parse(String text) {
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_SIZE) {
      throw new IllegalArgumentException(
          "manifest is " + bytes + " bytes, more than the " + MAX_SIZE + " allowed");
    }
    if (!text.endsWith("\n")) {
      throw new IllegalArgumentException("manifest does not end with a newline");
    }
    String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
    Lines in = new Lines(lines);
    if (!in.next().equals(HEADER)) {
      throw in.error("must be \"" + HEADER + "\"");
    }
    String version = in.field("version", ReleaseManifest::checkVersion);
    String commit = in.field("commit", ReleaseManifest::checkCommit);
    List<Artifact> artifacts = new ArrayList<>();
    artifacts.add(in.field("artifact", ReleaseManifest::parseArtifact));
    while (in.hasNext() && in.peek().startsWith("artifact ")) {
      Artifact a = in.field("artifact", ReleaseManifest::parseArtifact);
      String previous = artifacts.getLast().name();
      if (a.name().compareTo(previous) <= 0) {
        throw in.error(a.name().equals(previous) ? "artifact " + a.name() + " is listed twice"
            : "artifact " + a.name() + " comes after " + previous + ": artifacts are sorted"
                + " by name");
      }
      artifacts.add(a);
    }
    String sbom = in.field("sbom", Artifact::checkName);
    if (artifacts.stream().noneMatch(a -> a.name().equals(sbom))) {
      throw in.error("the sbom \"" + sbom + "\" is not one of the artifacts");
    }
    int firstPolicyLine = in.number() + 1;
    List<String> policyLines = new ArrayList<>();
    while (in.hasNext()) {
      policyLines.add(in.field("policy", ReleaseManifest::checkPolicyLine));
    }
    if (!policyLines.isEmpty()) {
      try {
        policy(policyLines);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("manifest lines " + firstPolicyLine + "-"
            + in.number() + " (policy): " + e.getMessage());
      }
    }
    return new ReleaseManifest(version, commit, artifacts, sbom, policyLines);
  }

  /** The manifest text, ending in a newline. */
  public String format() {
    StringBuilder sb = new StringBuilder(HEADER).append('\n');
    sb.append("version ").append(version).append('\n');
    sb.append("commit ").append(commit).append('\n');
    for (Artifact a : artifacts) {
      sb.append(a.line()).append('\n');
    }
    sb.append("sbom ").append(sbom).append('\n');
    for (String p : policyLines) {
      sb.append("policy ").append(p).append('\n');
    }
    return sb.toString();
  }

  /** The policy the {@code policy} lines give, if there are any. */
  public Optional<Policy> policy() {
    return policyLines.isEmpty() ? Optional.empty() : Optional.of(policy(policyLines));
  }

  /** The artifact named {@code name}, if listed. */
  public Optional<Artifact> artifact(String name) {
    return artifacts.stream().filter(a -> a.name().equals(name)).findFirst();
  }

  private static Policy policy(List<String> lines) {
    Policy p = Policy.parse(String.join("\n", lines) + "\n");
    if (p.logs().isEmpty()) {
      throw new IllegalArgumentException("the policy names no log (no \"log <vkey>\" line)");
    }
    return p;
  }

  private static String checkVersion(String v) {
    if (!v.matches("[0-9A-Za-z.+-]{1,64}")) {
      throw new IllegalArgumentException(
          "version must be 1 to 64 of 0-9 A-Z a-z . + -, got \"" + cut(v) + "\"");
    }
    return v;
  }

  private static String checkCommit(String c) {
    if (!c.matches("[0-9a-f]{40}")) {
      throw new IllegalArgumentException(
          "commit must be 40 lowercase hex digits, got \"" + cut(c) + "\"");
    }
    return c;
  }

  private static String checkPolicyLine(String line) {
    if (line.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException("a policy line holds no control characters");
    }
    if (line.isEmpty() || line.startsWith("#") || line.startsWith(" ") || line.endsWith(" ")) {
      throw new IllegalArgumentException("a policy line is one tlog-policy line (log, witness,"
          + " group or quorum), without blank, comment, leading or trailing space");
    }
    return line;
  }

  private static Artifact parseArtifact(String rest) {
    String[] f = rest.split(" ", -1);
    if (f.length != 3 || !f[2].startsWith("sha256:")) {
      throw new IllegalArgumentException("expected \"artifact <name> <size> sha256:<hex>\"");
    }
    Artifact.checkName(f[0]);
    if (!f[1].matches("0|[1-9][0-9]{0,18}")) {
      throw new IllegalArgumentException(
          "size of " + f[0] + " is not a canonical decimal (no sign, no leading zeros)");
    }
    long size;
    try {
      size = Long.parseLong(f[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("size of " + f[0] + " is too large");
    }
    if (!f[2].matches("sha256:[0-9a-f]{64}")) {
      throw new IllegalArgumentException(
          "SHA-256 of " + f[0] + " must be sha256: and 64 lowercase hex digits");
    }
    return new Artifact(f[0], size, f[2].substring("sha256:".length()));
  }

  private static String names(List<Artifact> artifacts) {
    return String.join(", ", artifacts.stream().map(Artifact::name).toList());
  }

  private static String cut(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }

  /** The manifest's lines, numbered from 1 for messages. */
  private static final class Lines {
    private final String[] lines;
    private int next;

    Lines(String[] lines) {
      this.lines = lines;
    }

    boolean hasNext() {
      return next < lines.length;
    }

    String peek() {
      return lines[next];
    }

    /** The next line; the empty string past the end, so that the caller's error names it. */
    String next() {
      return next < lines.length ? lines[next++] : "";
    }

    /** The number of the line {@link #next} returned last. */
    int number() {
      return next;
    }

    /**
     * The next line's value after {@code keyword} and a space, checked by {@code check}, which
     * throws {@link IllegalArgumentException}.
     */
    <T> T field(String keyword, java.util.function.Function<String, T> check) {
      if (!hasNext()) {
        next++;
        throw error("missing: expected \"" + keyword + " ...\" after the last line");
      }
      String line = next();
      if (!line.startsWith(keyword + " ")) {
        throw error("expected \"" + keyword + " ...\", got \"" + cut(line) + "\"");
      }
      try {
        return check.apply(line.substring(keyword.length() + 1));
      } catch (IllegalArgumentException e) {
        throw error(e.getMessage());
      }
    }

    IllegalArgumentException error(String message) {
      return new IllegalArgumentException("manifest line " + next + ": " + message);
    }
  }
}
