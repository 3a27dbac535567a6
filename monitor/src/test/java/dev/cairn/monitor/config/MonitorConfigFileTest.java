package dev.cairn.monitor.config;

import static dev.cairn.monitor.config.ConfigFixtures.ENV;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.monitor.config.MonitorConfig.ChannelConfig;
import dev.cairn.monitor.config.MonitorConfig.LogTarget;
import dev.cairn.monitor.config.MonitorConfig.Smtp;
import dev.cairn.monitor.report.Severity;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitorConfigFileTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir
  Path dir;

  @Test
  void theDocumentedExampleLoadsInProd() throws Exception {
    MonitorConfigFile.Loaded loaded = MonitorConfigFile.loadWithWarnings(ConfigFixtures.EXAMPLE,
        ENV, true);
    MonitorConfig c = loaded.config();

    assertThat(loaded.warnings()).isEmpty();
    assertThat(c.stateDir()).isEqualTo(Path.of("/var/lib/cairn-monitor"));
    assertThat(c.listen()).isEqualTo("127.0.0.1:8081");
    assertThat(c.failOn()).isEqualTo(Severity.ERROR);
    assertThat(c.schedule().interval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.schedule().jitter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.retention().maxAge()).isEqualTo(Duration.ofDays(30));
    assertThat(c.retention().maxCount()).isEqualTo(1000);
    assertThat(c.otlpEndpoint()).contains(URI.create("http://127.0.0.1:4318/"));
    assertThat(c.auth().jwks()).contains("https://idp.example/jwks.json");
    assertThat(c.auth().issuer()).contains("https://idp.example/");
    assertThat(c.auth().audience()).contains("cairn-monitor");
    assertThat(c.delivery()).isEqualTo(new MonitorConfig.Delivery(8, Duration.ofSeconds(1),
        Duration.ofMinutes(5), 5, Duration.ofMinutes(1), Duration.ofSeconds(10)));
    assertThat(c.hash()).isEqualTo(sha256(Files.readAllBytes(ConfigFixtures.EXAMPLE)));

    LogTarget example = c.logs().get(0);
    assertThat(example.name()).isEqualTo("example");
    assertThat(example.url()).isEqualTo(URI.create("https://log.example/"));
    assertThat(example.policy().logs()).singleElement()
        .satisfies(l -> assertThat(l.key().encode()).isEqualTo(ConfigFixtures.LOG_KEY));
    assertThat(example.policy().quorum()).isEqualTo("none");
    assertThat(example.maxCheckpointAge()).isEqualTo(Duration.ofHours(1));
    assertThat(example.maxCosignatureAge()).isEqualTo(Duration.ofHours(1));
    assertThat(example.watch()).extracting(MonitorConfig.WatchRule::name)
        .containsExactly("our-releases", "signing-key", "exact");
    assertThat(example.watch().get(0).substring()).contains("pkg:maven/dev.cairn/");
    assertThat(example.watch().get(1).regex().orElseThrow().matcher("x key=0a1b2c3d y").find())
        .isTrue();
    assertThat(example.watch().get(2).sha256()).contains(
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");

    LogTarget other = c.logs().get(1);
    assertThat(other.url()).isEqualTo(URI.create("https://other.example/log/"));
    assertThat(other.policy().witnesses()).containsOnlyKeys("witness-a", "witness-b");
    assertThat(other.policy().quorum()).isEqualTo("both");
    assertThat(other.maxCosignatureAge()).isEqualTo(Duration.ofHours(2));
    assertThat(other.witnesses()).containsExactly(
        Map.entry("witness-a", URI.create("https://witness-a.example/")),
        Map.entry("witness-b", URI.create("https://witness-b.example/monitor/")));

    assertThat(c.channels()).extracting(ChannelConfig::name)
        .containsExactly("ops-hook", "slack", "mail");
    ChannelConfig hook = c.channels().get(0);
    assertThat(hook.url()).contains(URI.create("https://hooks.example/cairn"));
    assertThat(hook.hmacSecret()).hasValueSatisfying(b -> assertThat(b)
        .isEqualTo(ConfigFixtures.HOOK_SECRET.getBytes(StandardCharsets.UTF_8)));
    assertThat(hook.minSeverity()).isEqualTo(Severity.WARNING);
    assertThat(c.channels().get(1).url()).contains(URI.create(ConfigFixtures.SLACK_URL));
    assertThat(c.channels().get(1).minSeverity()).isEqualTo(Severity.INFO);
    Smtp smtp = c.channels().get(2).smtp().orElseThrow();
    assertThat(smtp).isEqualTo(new Smtp("smtp.example", 587, true, java.util.Optional.of(
        "monitor"), java.util.Optional.of(ConfigFixtures.SMTP_PASSWORD), "monitor@example.org",
        List.of("ops@example.org"), java.util.Optional.empty()));
  }

  @Test
  void omittedKeysTakeTheirDefaultsAndRelativePathsResolveAgainstTheFile() {
    Path file = ConfigFixtures.vectors().resolve("good/minimal.yaml");

    MonitorConfigFile.Loaded loaded = MonitorConfigFile.loadWithWarnings(file, Map.of(), false);
    MonitorConfig c = loaded.config();

    assertThat(c.stateDir()).isEqualTo(file.getParent().resolve("state"));
    assertThat(c.listen()).isEqualTo("127.0.0.1:8081");
    assertThat(c.failOn()).isEqualTo(Severity.ERROR);
    assertThat(c.schedule()).isEqualTo(new MonitorConfig.Schedule(Duration.ofMinutes(5),
        Duration.ofSeconds(30)));
    assertThat(c.retention()).isEqualTo(new MonitorConfig.Retention(Duration.ofDays(30), 1000));
    assertThat(c.delivery()).isEqualTo(new MonitorConfig.Delivery(8, Duration.ofSeconds(1),
        Duration.ofMinutes(5), 5, Duration.ofMinutes(1), Duration.ofSeconds(10)));
    assertThat(c.otlpEndpoint()).isEmpty();
    assertThat(c.auth().jwks()).isEmpty();
    assertThat(c.channels()).isEmpty();
    LogTarget log = c.logs().getFirst();
    assertThat(log.url()).isEqualTo(URI.create("https://log.example/"));
    assertThat(log.maxCosignatureAge()).isEqualTo(log.maxCheckpointAge());
    assertThat(log.requiredCosignatures()).isZero();
    assertThat(log.witnesses()).isEmpty();
    assertThat(log.watch()).isEmpty();
    assertThat(loaded.warnings()).singleElement().asString()
        .startsWith(file + ": auth: missing");
  }

  @Test
  void secretsFromFilesLoseOneTrailingNewline() {
    Path file = ConfigFixtures.vectors().resolve("good/secrets-from-files.yaml");
    Path root = ConfigFixtures.vectors();

    MonitorConfig c = MonitorConfigFile.load(file, Map.of(), true);

    assertThat(c.auth().jwks()).contains(root.resolve("jwks.json").toString());
    LogTarget log = c.logs().getFirst();
    assertThat(log.requiredCosignatures()).isEqualTo(2);
    assertThat(log.witnesses()).containsExactly(
        Map.entry("witness-b", URI.create("https://witness-b.example/prefix/")));
    assertThat(c.channels().get(0).url())
        .contains(URI.create("https://hooks.example/cairn?team=ops"));
    assertThat(new String(c.channels().get(0).hmacSecret().orElseThrow(),
        StandardCharsets.UTF_8)).isEqualTo("hook-secret-from-file");
    assertThat(c.channels().get(1).url()).contains(URI.create(
        "https://hooks.slack.example/services/T0/B0/slack-secret-from-file"));
    assertThat(c.channels().get(1).minSeverity()).isEqualTo(Severity.CRITICAL);
    Smtp smtp = c.channels().get(2).smtp().orElseThrow();
    assertThat(smtp.password()).contains("smtp-secret-from-file");
    assertThat(smtp.port()).isEqualTo(465);
    assertThat(smtp.startTls()).isFalse();
    assertThat(smtp.to()).containsExactly("ops@example.org", "oncall@example.org");
    assertThat(smtp.trustFile()).contains(root.resolve("smtp-ca.pem"));
  }

  @Test
  void onlyOneTrailingNewlineIsStripped() throws IOException {
    Files.writeString(dir.resolve("hook.key"), "two newlines\n\n");
    Path file = write(minimal() + "channels:\n  - { name: h, type: webhook,"
        + " url: https://h.example/, hmac_secret_file: hook.key }\n");

    MonitorConfig c = MonitorConfigFile.load(file, Map.of(), false);

    assertThat(c.channels().getFirst().hmacSecret()).hasValueSatisfying(b ->
        assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo("two newlines\n"));
  }

  @Test
  void aSecretFileOthersCanReadGivesAWarning() throws IOException {
    Path key = Files.writeString(dir.resolve("hook.key"), "k");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    Path file = write(minimal() + authYaml() + "channels:\n  - { name: h, type: webhook,"
        + " url: https://h.example/, hmac_secret_file: hook.key }\n");

    List<String> warnings = MonitorConfigFile.loadWithWarnings(file, Map.of(), true).warnings();

    assertThat(warnings).singleElement().asString().isEqualTo(file
        + ": channels[0].hmac_secret_file: " + key + " is readable by every user (chmod o-r)");
  }

  @Test
  void aSecretFileThatCannotBeReadIsRefusedNamingKeyAndPath() throws IOException {
    Path notAFile = Files.createDirectory(dir.resolve("hook.key"));
    Path file = write(minimal() + "channels:\n  - { name: h, type: webhook,"
        + " url: https://h.example/, hmac_secret_file: hook.key }\n");

    assertThatThrownBy(() -> MonitorConfigFile.load(file, Map.of(), false))
        .isInstanceOf(ConfigException.class)
        .hasMessage(file + ": channels[0].hmac_secret_file: couldn't read " + notAFile
            + ": IOException");
  }

  @Test
  void inlineSecretsAreRefusedInProdNamingTheKeyAndTheAlternatives() throws IOException {
    Map<String, String> cases = Map.of(
        "channels[0].hmac_secret", "  - { name: h, type: webhook, url: https://h.example/,"
            + " hmac_secret: inline-hmac-9a8b }\n",
        "channels[0].url", "  - { name: s, type: slack,"
            + " url: \"https://hooks.slack.example/inline-3c4d\" }\n",
        "channels[0].smtp.password", "  - { name: m, type: email, smtp: { host: smtp.example,"
            + " username: u, password: inline-pass-5e6f, from: m@example.org,"
            + " to: [o@example.org] } }\n");
    for (Map.Entry<String, String> e : cases.entrySet()) {
      String key = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
      Path file = write(minimal() + authYaml() + "channels:\n" + e.getValue());

      assertThatThrownBy(() -> MonitorConfigFile.load(file, Map.of(), true))
          .isInstanceOf(ConfigException.class)
          .hasMessage(file + ": " + e.getKey() + ": secrets must come from a file or the"
              + " environment: use " + key + "_file or " + key + "_env")
          .message().doesNotContain("inline-");
    }
  }

  @Test
  void inlineSecretsAreAcceptedWithAWarningOutsideProd() throws IOException {
    Path file = write(minimal() + authYaml() + "channels:\n"
        + "  - { name: h, type: webhook, url: https://h.example/, hmac_secret: inline-hmac }\n"
        + "  - { name: s, type: slack, url: \"https://hooks.slack.example/inline\" }\n");

    MonitorConfigFile.Loaded loaded = MonitorConfigFile.loadWithWarnings(file, Map.of(), false);

    assertThat(loaded.config().channels().get(0).hmacSecret()).hasValueSatisfying(b ->
        assertThat(b).isEqualTo("inline-hmac".getBytes(StandardCharsets.UTF_8)));
    assertThat(loaded.config().channels().get(1).url())
        .contains(URI.create("https://hooks.slack.example/inline"));
    assertThat(loaded.warnings()).containsExactly(
        file + ": channels[0].hmac_secret: secrets must come from a file or the environment:"
            + " use hmac_secret_file or hmac_secret_env (written in the file, accepted outside"
            + " prod)",
        file + ": channels[1].url: secrets must come from a file or the environment: use"
            + " url_file or url_env (written in the file, accepted outside prod)");
    assertThat(String.join("\n", loaded.warnings())).doesNotContain("inline-hmac")
        .doesNotContain("hooks.slack.example/inline");
  }

  @Test
  void prodRequiresAuth() throws IOException {
    Path file = write(minimal());

    assertThatThrownBy(() -> MonitorConfigFile.load(file, Map.of(), true))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(file + ": auth: missing: prod needs auth");
    assertThat(MonitorConfigFile.load(file, Map.of(), false).auth().jwks()).isEmpty();
  }

  @Test
  void authNeedsAllThreeKeys() throws IOException {
    Path file = write(minimal() + "auth: { jwks: https://idp.example/jwks, issuer: x }\n");

    assertThatThrownBy(() -> MonitorConfigFile.load(file, Map.of(), true))
        .isInstanceOf(ConfigException.class)
        .hasMessage(file + ": auth: \"audience\" is missing");
  }

  @Test
  void theRedactedJsonHasTheDefaultsAndNoSecret() throws IOException {
    Files.writeString(dir.resolve("smtp.pass"), "smtp-secret-from-file-77aa\n");
    Path file = write(minimal() + authYaml() + "channels:\n"
        + "  - { name: h, type: webhook, url: https://h.example/, hmac_secret: inline-hmac-5d }\n"
        + "  - { name: s, type: slack, url_env: CAIRN_SLACK_URL }\n"
        + "  - { name: m, type: email, smtp: { host: smtp.example, username: u,"
        + " password_file: smtp.pass, from: m@example.org, to: [o@example.org] } }\n");

    MonitorConfig c = MonitorConfigFile.load(file, ENV, false);
    JsonNode json = new ObjectMapper().readTree(c.redacted());

    for (String secret : List.of("inline-hmac-5d", ConfigFixtures.SLACK_URL, "slack-secret-env",
        "smtp-secret-from-file-77aa")) {
      assertThat(c.redacted()).doesNotContain(secret);
      assertThat(c.toString()).doesNotContain(secret);
    }
    assertThat(json.at("/channels/0/hmac_secret").asText()).isEqualTo("<redacted>");
    assertThat(json.at("/channels/0/url").asText()).isEqualTo("https://h.example/");
    assertThat(json.at("/channels/1/url").asText()).isEqualTo("<redacted>");
    assertThat(json.at("/channels/2/smtp/password").asText()).isEqualTo("<redacted>");
    assertThat(json.at("/channels/2/smtp/port").asInt()).isEqualTo(587);
    assertThat(json.at("/schema_version").asInt()).isEqualTo(1);
    assertThat(json.at("/sha256").asText()).isEqualTo(c.hash());
    assertThat(json.at("/delivery/attempts").asInt()).isEqualTo(8);
    assertThat(json.at("/delivery/max_delay").asText()).isEqualTo("5m");
    assertThat(json.at("/schedule/jitter").asText()).isEqualTo("30s");
    assertThat(json.at("/retention/max_age").asText()).isEqualTo("30d");
    assertThat(json.at("/logs/0/max_cosignature_age").asText()).isEqualTo("1h");
    assertThat(json.at("/logs/0/policy/0").asText()).isEqualTo("log " + ConfigFixtures.LOG_KEY);
    assertThat(json.at("/listen").asText()).isEqualTo("127.0.0.1:8081");
  }

  @Test
  void theHashIsTheSha256OfTheBytesAndChangesWithAnyByte() throws IOException {
    byte[] bytes = Files.readAllBytes(ConfigFixtures.EXAMPLE);
    Path copy = Files.write(dir.resolve("monitor.yaml"), bytes);
    Files.copy(ConfigFixtures.EXAMPLE.resolveSibling("example.policy"),
        dir.resolve("example.policy"));
    String before = MonitorConfigFile.load(copy, ENV, false).hash();

    int comment = new String(bytes, StandardCharsets.UTF_8).indexOf("every key");
    bytes[comment] = 'E';
    Files.write(copy, bytes);
    String after = MonitorConfigFile.load(copy, ENV, false).hash();

    assertThat(before).isEqualTo(sha256(Files.readAllBytes(ConfigFixtures.EXAMPLE)))
        .matches("[0-9a-f]{64}");
    assertThat(after).isEqualTo(sha256(bytes)).isNotEqualTo(before);
  }

  @Test
  void aFileLargerThanOneMebibyteIsRefused() throws IOException {
    String yaml = minimal();
    Path file = write(yaml + "#".repeat(MonitorConfigFile.MAX_SIZE - yaml.length()) + "\n");

    assertThatThrownBy(() -> MonitorConfigFile.load(file, Map.of(), false))
        .isInstanceOf(ConfigException.class)
        .hasMessage(file + ": larger than 1048576 bytes (1 MiB)");
    Files.writeString(file, yaml + "#".repeat(MonitorConfigFile.MAX_SIZE - yaml.length() - 1)
        + "\n");
    assertThat(MonitorConfigFile.load(file, Map.of(), false).logs()).hasSize(1);
  }

  @Test
  void aMissingFileIsRefusedNamingIt() {
    Path file = dir.resolve("absent.yaml");

    assertThatThrownBy(() -> MonitorConfigFile.load(file, Map.of(), false))
        .isInstanceOf(ConfigException.class)
        .hasMessage(file + ": does not exist");
  }

  @Test
  void freshlyGeneratedKeysAndPoliciesLoad() throws IOException {
    String logKey = SignerKey.generate("fresh.example/log", SignatureType.ED25519, RANDOM)
        .verifierKey().encode();
    String mlDsaKey = SignerKey.generate("fresh.example/log", SignatureType.MLDSA44_SUBTREE_V1,
        RANDOM).verifierKey().encode();
    String witnessKey = SignerKey.generate("w.example", SignatureType.COSIGNATURE_V1, RANDOM)
        .verifierKey().encode();
    Files.writeString(dir.resolve("fresh.policy"), "log " + logKey + "\nwitness w " + witnessKey
        + "\nquorum w\n");
    Path file = write("schema_version: 1\nstate_dir: s\nlogs:\n"
        + "  - { name: a, url: \"https://a.example/\", keys: [\"" + logKey + "\", \"" + mlDsaKey
        + "\"], max_checkpoint_age: 1h }\n"
        + "  - { name: b, url: \"https://a.example/\", policy_file: fresh.policy,"
        + " max_checkpoint_age: 1h, witnesses: { w: \"https://w.example/\" } }\n");

    MonitorConfig c = MonitorConfigFile.load(file, Map.of(), false);

    assertThat(c.logs().get(0).policy().logs()).extracting(l -> l.key().encode())
        .containsExactly(logKey, mlDsaKey);
    assertThat(c.logs().get(1).policy().witnesses().get("w").key().encode())
        .isEqualTo(witnessKey);
    assertThat(c.logs().get(1).policy().quorumMet(Set.of("w"))).isTrue();
  }

  private Path write(String yaml) throws IOException {
    return Files.writeString(Files.createTempFile(dir, "monitor", ".yaml"), yaml);
  }

  private static String minimal() {
    return "schema_version: 1\nstate_dir: state\nlogs:\n  - name: example\n"
        + "    url: https://log.example/\n    keys: [\"" + ConfigFixtures.LOG_KEY + "\"]\n"
        + "    max_checkpoint_age: 1h\n";
  }

  private static String authYaml() {
    return "auth: { jwks: https://idp.example/jwks, issuer: https://idp.example/,"
        + " audience: cairn-monitor }\n";
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
