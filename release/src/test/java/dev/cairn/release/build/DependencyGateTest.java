package dev.cairn.release.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dependency gate: the real distribution passes it, and each rule refuses a component that
 * breaks it, naming the component, the rule and why.
 */
class DependencyGateTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SHA = "ab".repeat(32);

  @Test
  void theDistributionsSbomPassesTheGate() throws IOException {
    JsonNode sbom = JSON.readTree(Repository.sbom().toFile());
    assertThat(sbom.path("components").size()).isGreaterThan(50);
    assertThat(DependencyGate.load(Repository.policy()).check(sbom)).isEmpty();
  }

  @Test
  void aComponentUnderALicenceOffTheListIsRefused() throws IOException {
    assertThat(check(component("org.example", "gpl", "1.0", SHA, "GPL-3.0-only")))
        .containsExactly(new DependencyGate.Violation("org.example:gpl:1.0", "licence",
            "none of [GPL-3.0-only] is on the allow-list (policy/licences.txt)"));
  }

  @Test
  void everyDeclaredLicenceMustBeListedUnlessTheComponentIsDualLicensed() throws IOException {
    assertThat(check(component("org.example", "both", "1.0", SHA, "Apache-2.0", "GPL-3.0-only")))
        .containsExactly(new DependencyGate.Violation("org.example:both:1.0", "licence",
            "[GPL-3.0-only] of [Apache-2.0, GPL-3.0-only] is not on the allow-list, and"
                + " policy/dual-licensed.txt does not say the licences are a choice"));
    assertThat(check(component("ch.qos.logback", "logback-core", "1.6.6", SHA, "EPL-2.0",
        "LGPL-2.1-only"))).isEmpty();
    assertThat(check(component("org.rocksdb", "rocksdbjni", "11.8.1", SHA, "Apache-2.0",
        "GNU General Public License, version 2"))).isEmpty();
  }

  @Test
  void aComponentWithoutALicenceOrAHashIsRefused() throws IOException {
    assertThat(check(component("org.example", "bare", "1.0", null)))
        .extracting(DependencyGate.Violation::rule)
        .containsExactly("hash", "licence");
  }

  @Test
  void aBannedLoggingBindingIsRefusedWhateverItsVersion() throws IOException {
    assertThat(check(component("org.slf4j", "slf4j-simple", "2.0.17", SHA, "MIT")))
        .containsExactly(new DependencyGate.Violation("org.slf4j:slf4j-simple:2.0.17", "banned",
            "a second SLF4J binding beside logback"));
  }

  @Test
  void aKnownVulnerableVersionIsRefusedWithItsAdvisoryAndTheFixedOneIsNot() throws IOException {
    assertThat(check(component("org.yaml", "snakeyaml", "1.33", SHA, "Apache-2.0")))
        .singleElement()
        .satisfies(v -> {
          assertThat(v.rule()).isEqualTo("known-vulnerable");
          assertThat(v.detail()).startsWith("CVE-2022-1471 ([0,2.0)): ");
        });
    assertThat(check(component("org.yaml", "snakeyaml", "2.0", SHA, "Apache-2.0"))).isEmpty();
    assertThat(check(component("com.nimbusds", "nimbus-jose-jwt", "9.37.1", SHA, "Apache-2.0")))
        .extracting(v -> v.detail().substring(0, 14))
        .containsExactly("CVE-2023-52428", "CVE-2025-53864");
    assertThat(check(component("com.nimbusds", "nimbus-jose-jwt", "10.0.2", SHA, "Apache-2.0")))
        .isEmpty();
  }

  @Test
  void aThirdPartySnapshotIsRefusedButCairnsOwnIsNot() throws IOException {
    assertThat(check(component("org.example", "lib", "1.0-SNAPSHOT", SHA, "MIT")))
        .extracting(DependencyGate.Violation::rule).containsExactly("snapshot");
    assertThat(check(component("dev.cairn", "cairn-core", "1.0-SNAPSHOT", SHA, "Apache-2.0")))
        .isEmpty();
  }

  @Test
  void policyFilesOutOfFormatAreRefusedNamingTheLine(@TempDir Path dir) throws IOException {
    Files.copy(Repository.policy().resolve("licences.txt"), dir.resolve("licences.txt"));
    Files.copy(Repository.policy().resolve("banned.txt"), dir.resolve("banned.txt"));
    Files.copy(Repository.policy().resolve("dual-licensed.txt"),
        dir.resolve("dual-licensed.txt"));
    Files.writeString(dir.resolve("known-vulnerable.txt"),
        "# comment\norg.yaml:snakeyaml 1.33 CVE-2022-1471 a bare version, not a range\n");
    assertThatThrownBy(() -> DependencyGate.load(dir))
        .hasMessage("known-vulnerable.txt line 2: \"1.33\" is not a range: write [1.33]");
    Files.writeString(dir.resolve("known-vulnerable.txt"),
        "org.yaml:snakeyaml [0,2.0) no-advisory-id bad\n");
    assertThatThrownBy(() -> DependencyGate.load(dir))
        .hasMessageStartingWith("known-vulnerable.txt line 1: expected group:artifact");
  }

  @Test
  void somethingElseThanCycloneDxIsRefused() {
    assertThatThrownBy(() -> DependencyGate.load(Repository.policy())
        .check(JSON.createObjectNode().put("bomFormat", "SPDX")))
        .hasMessage("not a CycloneDX SBOM (bomFormat is \"SPDX\")");
  }

  private static List<DependencyGate.Violation> check(JsonNode component) throws IOException {
    ObjectNode sbom = JSON.createObjectNode().put("bomFormat", "CycloneDX");
    sbom.putArray("components").add(component);
    return DependencyGate.load(Repository.policy()).check(sbom);
  }

  private static ObjectNode component(String group, String name, String version, String sha256,
      String... licences) {
    ObjectNode c = JSON.createObjectNode().put("group", group).put("name", name)
        .put("version", version);
    if (sha256 != null) {
      c.putArray("hashes").addObject().put("alg", "SHA-256").put("content", sha256);
    }
    ArrayNode l = c.putArray("licenses");
    for (String id : licences) {
      l.addObject().putObject("license").put("id", id);
    }
    return c;
  }
}
