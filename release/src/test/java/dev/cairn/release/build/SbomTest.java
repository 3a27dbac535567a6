package dev.cairn.release.build;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.cyclonedx.Version;
import org.cyclonedx.exception.ParseException;
import org.cyclonedx.parsers.JsonParser;
import org.junit.jupiter.api.Test;

/**
 * The distribution's SBOM (cli/target/cairn-sbom.json): valid CycloneDX 1.6 by the standard's own
 * schema, and exactly what ships: one component per jar on cairn.jar's class path, with that
 * jar's SHA-256, a version and a purl.
 */
class SbomTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void isNoOlderThanTheJarItDescribes() throws IOException {
    assertThat(Files.getLastModifiedTime(Repository.sbom()))
        .as("cli/target/cairn-sbom.json is older than cairn.jar: the CycloneDX plugin skips its"
            + " goal in an offline build (mvn -o); build the cli module online")
        .isGreaterThanOrEqualTo(
            Files.getLastModifiedTime(Repository.cliTarget().resolve("cairn.jar")));
  }

  @Test
  void isValidCycloneDx16ByItsSchema() throws IOException {
    JsonNode sbom = JSON.readTree(Repository.sbom().toFile());
    assertThat(sbom.path("specVersion").asText()).isEqualTo("1.6");
    List<ParseException> problems = new JsonParser().validate(sbom, Version.VERSION_16);
    assertThat(problems).isEmpty();
  }

  @Test
  void theSchemaCheckRefusesABrokenSbom() throws IOException {
    ObjectNode sbom = (ObjectNode) JSON.readTree(Repository.sbom().toFile());
    ((ObjectNode) sbom.path("components").get(0)).remove("name");
    ((ObjectNode) sbom.path("components").get(1)).put("type", "spaceship");
    assertThat(new JsonParser().validate(sbom, Version.VERSION_16))
        .extracting(ParseException::getMessage)
        .anySatisfy(m -> assertThat(m).contains("name"))
        .anySatisfy(m -> assertThat(m).contains("components[1].type").contains("enumeration"));
  }

  @Test
  void describesTheCliAtThisVersion() throws IOException {
    JsonNode component = JSON.readTree(Repository.sbom().toFile()).path("metadata")
        .path("component");
    assertThat(component.path("type").asText()).isEqualTo("application");
    assertThat(component.path("name").asText()).isEqualTo("cairn-cli");
    assertThat(component.path("version").asText()).isEqualTo(Repository.version());
    assertThat(component.path("licenses").toString()).contains("Apache-2.0");
  }

  @Test
  void listsExactlyTheShippedJarsWithTheirHashes() throws IOException {
    Map<String, String> sha256ByJar = new HashMap<>();
    for (JsonNode c : JSON.readTree(Repository.sbom().toFile()).path("components")) {
      assertThat(c.path("purl").asText()).startsWith("pkg:maven/" + c.path("group").asText()
          + "/" + c.path("name").asText() + "@" + c.path("version").asText());
      for (JsonNode h : c.path("hashes")) {
        if (h.path("alg").asText().equals("SHA-256")) {
          sha256ByJar.put(c.path("name").asText() + "-" + c.path("version").asText() + ".jar",
              h.path("content").asText());
        }
      }
    }
    Map<String, String> shipped = new HashMap<>();
    for (String entry : classPath(Repository.cliTarget().resolve("cairn.jar"))) {
      Path jar = Repository.cliTarget().resolve(entry);
      shipped.put(jar.getFileName().toString(), sha256(jar));
    }
    assertThat(new TreeSet<>(sha256ByJar.keySet())).isEqualTo(new TreeSet<>(shipped.keySet()));
    assertThat(sha256ByJar).isEqualTo(shipped);
  }

  /** The jars cairn.jar's manifest puts on its class path, relative to it ("lib/x.jar"). */
  static List<String> classPath(Path jar) throws IOException {
    try (JarFile j = new JarFile(jar.toFile())) {
      String cp = j.getManifest().getMainAttributes().getValue("Class-Path");
      return Stream.of(cp.trim().split(" +")).toList();
    }
  }

  static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        d.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
