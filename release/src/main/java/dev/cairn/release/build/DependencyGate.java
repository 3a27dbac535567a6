package dev.cairn.release.build;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.maven.artifact.versioning.DefaultArtifactVersion;
import org.apache.maven.artifact.versioning.InvalidVersionSpecificationException;
import org.apache.maven.artifact.versioning.VersionRange;

/**
 * The dependency policy over the distribution's CycloneDX SBOM (the pins, ranges and SNAPSHOTs
 * of the poms are the Maven Enforcer's, in the root pom). A component of the distribution must
 * have a SHA-256, all its declared licences on the allow-list ({@code policy/licences.txt}; one
 * is enough for a component {@code policy/dual-licensed.txt} names as offered under a choice),
 * not be banned ({@code policy/banned.txt}), not be a version with a known
 * vulnerability ({@code policy/known-vulnerable.txt}), and not be a SNAPSHOT unless it is
 * Cairn's own.
 */
public final class DependencyGate {
  /** A rule a component broke. */
  public record Violation(String component, String rule, String detail) {
    @Override
    public String toString() {
      return component + ": " + rule + ": " + detail;
    }
  }

  private record Vulnerable(VersionRange range, String advisory, String what) {}

  private final Set<String> licences;
  private final Map<String, String> dual;
  private final Map<String, String> banned;
  private final Map<String, List<Vulnerable>> vulnerable;

  private DependencyGate(Set<String> licences, Map<String, String> dual,
      Map<String, String> banned, Map<String, List<Vulnerable>> vulnerable) {
    this.licences = licences;
    this.dual = dual;
    this.banned = banned;
    this.vulnerable = vulnerable;
  }

  /**
   * Reads the four policy files of a directory.
   *
   * @throws IllegalArgumentException naming the file and line that is not in its format
   */
  public static DependencyGate load(Path policy) throws IOException {
    Set<String> licences = new TreeSet<>(lines(policy.resolve("licences.txt")).values());
    Map<String, String> dual = artifacts(policy.resolve("dual-licensed.txt"));
    Map<String, String> banned = artifacts(policy.resolve("banned.txt"));
    Map<String, List<Vulnerable>> vulnerable = new TreeMap<>();
    Path file = policy.resolve("known-vulnerable.txt");
    for (Map.Entry<Integer, String> e : lines(file).entrySet()) {
      String[] f = e.getValue().split("\\s+", 4);
      if (f.length < 4 || !f[0].matches("[\\w.-]+:[\\w.-]+")
          || !f[2].matches("(CVE-\\d{4}-\\d{4,}|GHSA(-[23456789cfghjmpqrvwx]{4}){3})")) {
        throw bad(file, e.getKey(), "expected group:artifact, a version range, an advisory ID"
            + " (CVE-… or GHSA-…) and what it is");
      }
      VersionRange range;
      try {
        range = VersionRange.createFromVersionSpec(f[1]);
      } catch (InvalidVersionSpecificationException ex) {
        throw bad(file, e.getKey(), "\"" + f[1] + "\" is not a Maven version range");
      }
      if (!range.hasRestrictions()) {
        throw bad(file, e.getKey(), "\"" + f[1] + "\" is not a range: write [" + f[1] + "]");
      }
      vulnerable.computeIfAbsent(f[0], k -> new ArrayList<>())
          .add(new Vulnerable(range, f[2], f[3]));
    }
    return new DependencyGate(licences, dual, banned, vulnerable);
  }

  /** A file of {@code group:artifact} (artifact may be {@code *}) and why, a line each. */
  private static Map<String, String> artifacts(Path file) throws IOException {
    Map<String, String> artifacts = new TreeMap<>();
    for (Map.Entry<Integer, String> e : lines(file).entrySet()) {
      String[] f = e.getValue().split("\\s+", 2);
      if (f.length < 2 || !f[0].matches("[\\w.-]+:([\\w.-]+|\\*)")) {
        throw bad(file, e.getKey(), "expected group:artifact and why");
      }
      artifacts.put(f[0], f[1]);
    }
    return artifacts;
  }

  private static String lookup(Map<String, String> artifacts, String group, String name) {
    return artifacts.getOrDefault(group + ":" + name, artifacts.get(group + ":*"));
  }

  /** What the SBOM's components break, in their order; empty when the distribution passes. */
  public List<Violation> check(JsonNode sbom) {
    if (!"CycloneDX".equals(sbom.path("bomFormat").asText())) {
      throw new IllegalArgumentException("not a CycloneDX SBOM (bomFormat is \""
          + sbom.path("bomFormat").asText() + "\")");
    }
    List<Violation> violations = new ArrayList<>();
    for (JsonNode c : sbom.path("components")) {
      String group = c.path("group").asText();
      String name = c.path("name").asText();
      String version = c.path("version").asText();
      String id = group + ":" + name + ":" + version;
      boolean hashed = false;
      for (JsonNode h : c.path("hashes")) {
        hashed |= h.path("alg").asText().equals("SHA-256") && h.path("content").asText()
            .matches("[0-9a-f]{64}");
      }
      if (!hashed) {
        violations.add(new Violation(id, "hash", "no SHA-256 in the SBOM"));
      }
      List<String> declared = new ArrayList<>();
      for (JsonNode l : c.path("licenses")) {
        JsonNode licence = l.path("license");
        String text = licence.hasNonNull("id") ? licence.path("id").asText()
            : licence.hasNonNull("name") ? licence.path("name").asText()
            : l.path("expression").asText();
        declared.add(text);
      }
      List<String> off = declared.stream().filter(l -> !licences.contains(l)).toList();
      if (declared.isEmpty()) {
        violations.add(new Violation(id, "licence", "declares no licence"));
      } else if (off.size() == declared.size()) {
        violations.add(new Violation(id, "licence",
            "none of " + declared + " is on the allow-list (policy/licences.txt)"));
      } else if (!off.isEmpty() && lookup(dual, group, name) == null) {
        violations.add(new Violation(id, "licence", off + " of " + declared + " is not on the"
            + " allow-list, and policy/dual-licensed.txt does not say the licences are a choice"));
      }
      String why = lookup(banned, group, name);
      if (why != null) {
        violations.add(new Violation(id, "banned", why));
      }
      DefaultArtifactVersion v = new DefaultArtifactVersion(version);
      for (Vulnerable known : vulnerable.getOrDefault(group + ":" + name, List.of())) {
        if (known.range().containsVersion(v)) {
          violations.add(new Violation(id, "known-vulnerable",
              known.advisory() + " (" + known.range() + "): " + known.what()));
        }
      }
      if (version.endsWith("-SNAPSHOT") && !group.equals("dev.cairn")) {
        violations.add(new Violation(id, "snapshot", "only Cairn's own modules may be SNAPSHOTs"));
      }
    }
    return violations;
  }

  /** The lines of a policy file by number, without comments and blank lines. */
  private static Map<Integer, String> lines(Path file) throws IOException {
    Map<Integer, String> lines = new TreeMap<>();
    List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < all.size(); i++) {
      String line = all.get(i).strip();
      if (!line.isEmpty() && !line.startsWith("#")) {
        lines.put(i + 1, line);
      }
    }
    return lines;
  }

  private static IllegalArgumentException bad(Path file, int line, String what) {
    return new IllegalArgumentException(file.getFileName() + " line " + line + ": " + what);
  }
}
