package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.cli.settings.Setting;
import dev.cairn.cli.settings.SettingsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cairn serve}'s settings: precedence (defaults < file < environment < flags), validation,
 * the rules across settings, and the options and help generated from the declarations.
 */
class ServeSettingsTest {
  @TempDir Path dir;

  private Path config(String yaml) throws IOException {
    Path f = dir.resolve("cairn.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void defaultsStartALocalLog() {
    ServeSettings s = ServeSettings.resolve(Optional.empty(), Map.of(), Map.of());
    assertThat(s.data()).isEqualTo(Path.of("./cairn-data"));
    assertThat(s.host()).isEqualTo("127.0.0.1");
    assertThat(s.port()).isEqualTo(8080);
    assertThat(s.origin()).isEmpty();
    assertThat(s.logConfig().sequencing().interval()).isEqualTo(Duration.ofMillis(2));
    assertThat(s.logConfig().checkpointInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.logConfig().maxUnpublished()).isEqualTo(1L << 20);
  }

  @Test
  void theUnpublishedBacklogBoundIsASetting() {
    assertThat(ServeSettings.resolve(Optional.empty(),
        Map.of("CAIRN_MAX_UNPUBLISHED_ENTRIES", "5000"), Map.of()).logConfig().maxUnpublished())
        .isEqualTo(5000);
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(), Map.of(),
        Map.of("max_unpublished_entries", "0")).logConfig())
        .hasMessageContaining("max_unpublished_entries").hasMessageContaining("at least 1");
  }

  @Test
  void fileThenEnvironmentThenFlagsWin() throws IOException {
    Path f = config("""
        schema_version: 1
        data: /srv/log
        listen: 0.0.0.0:9000
        origin: example.com/log
        batch_size: 100
        pool_limit: 1000
        pool_bytes: 16MiB
        checkpoint_interval: 2s
        """);
    ServeSettings s = ServeSettings.resolve(Optional.of(f),
        Map.of("CAIRN_LISTEN", "127.0.0.1:9001", "CAIRN_BATCH_SIZE", "200", "HOME", "/root"),
        Map.of("batch_size", "300"));
    assertThat(s.data()).isEqualTo(Path.of("/srv/log"));
    assertThat(s.port()).isEqualTo(9001);
    assertThat(s.origin()).contains("example.com/log");
    assertThat(s.logConfig().sequencing().batchSize()).isEqualTo(300);
    assertThat(s.logConfig().sequencing().poolLimit()).isEqualTo(1000);
    assertThat(s.logConfig().sequencing().poolBytes()).isEqualTo(16L << 20);
    assertThat(s.logConfig().checkpointInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.describe().get("batch_size")).contains("flag --batch-size");
    assertThat(s.describe().get("listen")).contains("CAIRN_LISTEN");
    assertThat(s.describe().get("data")).contains(f.toString());
  }

  @Test
  void configFilesAreValidatedWithClearErrors() throws IOException {
    assertError(config("data: x\n"), "schema_version is missing");
    assertError(config("schema_version: 2\n"), "schema_version 2 is not supported");
    assertError(config("schema_version: 1\nlisten_on: x\n"), "unknown setting \"listen_on\"");
    assertError(config("schema_version: 1\ndata: [a, b]\n"), "data must be a single value");
    assertError(config("- a\n- b\n"), "expected a mapping");
    assertError(config("schema_version: 1\ndata: \"unterminated\n"), "couldn't read config");
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(dir.resolve("missing.yaml")),
        Map.of(), Map.of())).hasMessageContaining("couldn't read config");
  }

  @Test
  void badValuesNameTheKeyAndItsSource() throws IOException {
    Path f = config("schema_version: 1\nlisten: nonsense\nsequencing_interval: 5 minutes\n");
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(f), Map.of(), Map.of()))
        .hasMessageContaining("invalid listen \"nonsense\" from " + f)
        .hasMessageContaining("HOST:PORT");
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(f), Map.of(),
        Map.of("listen", "127.0.0.1:8080")))
        .hasMessageContaining("invalid sequencing_interval \"5 minutes\" from " + f)
        .hasMessageContaining("25ms, 1s or 2m");
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(),
        Map.of("CAIRN_POOL_LIMIT", "-1"), Map.of()))
        .hasMessageContaining("invalid pool_limit \"-1\" from environment variable"
            + " CAIRN_POOL_LIMIT");
    ServeSettings u = ServeSettings.resolve(Optional.empty(), Map.of(),
        Map.of("batch_size", "5000", "pool_limit", "4000"));
    assertThatThrownBy(u::logConfig).hasMessageContaining("pool limit (4000) must be at least"
        + " the batch size (5000)");
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(), Map.of(),
        Map.of("pool_bytes", "1KiB")).logConfig())
        .hasMessageContaining("pool bytes (1024) must be at least the largest entry (65535)");
    // A smaller pool cuts the default largest batch to it, and refuses a larger one given.
    assertThat(ServeSettings.resolve(Optional.empty(), Map.of(), Map.of("pool_bytes", "1MiB"))
        .httpConfig().maxBatchBytes()).isEqualTo(1 << 20);
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(), Map.of(),
        Map.of("pool_bytes", "1MiB", "max_batch_bytes", "2000000")).httpConfig())
        .hasMessageContaining("invalid max_batch_bytes \"2000000\"")
        .hasMessageContaining("must not exceed pool_bytes (1048576)");
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(), Map.of(),
        Map.of("listen", "127.0.0.1:70000"))).hasMessageContaining("HOST:PORT");
    ServeSettings w = ServeSettings.resolve(Optional.empty(), Map.of(),
        Map.of("checkpoint_interval", "1ms"));
    assertThatThrownBy(w::logConfig).hasMessageContaining("invalid checkpoint_interval \"1ms\""
        + " from flag --checkpoint-interval: checkpoint interval must be 10ms to 1h");
  }

  @Test
  void aClusterNeedsBothItsStoresAndALeaseOfASecondOrMore() {
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(), Map.of(),
        Map.of("postgres", "postgresql://db.example/cairn")).cluster())
        .hasMessageContaining("invalid postgres").hasMessageContaining("needs both");
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(),
        Map.of("CAIRN_OBJECTS", "s3://bucket"), Map.of()).cluster())
        .hasMessageContaining("invalid objects").hasMessageContaining("needs both");
    Map<String, String> both = Map.of("postgres", "postgresql://db.example/cairn",
        "objects", "s3://bucket");
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(), Map.of(),
        Map.of("postgres", "postgresql://db.example/cairn", "objects", "s3://bucket",
            "lease_ttl", "500ms")).cluster())
        .hasMessageContaining("invalid lease_ttl \"500ms\"").hasMessageContaining("at least 1s");
    ServeSettings ok = ServeSettings.resolve(Optional.empty(), Map.of(), both);
    assertThat(ok.cluster()).contains(Map.entry("postgresql://db.example/cairn", "s3://bucket"));
    assertThat(ok.logConfig().nodeId()).as("default: HOST:PORT").isEqualTo("127.0.0.1:8080");
    assertThat(ServeSettings.resolve(Optional.empty(), Map.of(), Map.of()).cluster()).isEmpty();
  }

  @Test
  void ipv6ListenAddresses() {
    ServeSettings s = ServeSettings.resolve(Optional.empty(), Map.of(),
        Map.of("listen", "[::1]:8443"));
    assertThat(s.host()).isEqualTo("::1");
    assertThat(s.port()).isEqualTo(8443);
  }

  private void assertError(Path f, String message) {
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(f), Map.of(), Map.of()))
        .isInstanceOf(SettingsException.class).hasMessageContaining(message);
  }

  @Test
  void httpLimitsAndTlsComeFromTheSameKeys() throws IOException {
    Path f = config("""
        schema_version: 1
        pool_limit: 1000
        idle_timeout: 5s
        max_connections: 64
        max_connections_per_address: 16
        max_header_bytes: 4096
        max_batch_bytes: 65536
        max_body_bytes_in_flight: 32MiB
        proof_wait: 2s
        tls_cert: /etc/cairn/cert.pem
        tls_key: /etc/cairn/key.pem
        """);
    dev.cairn.log.http.HttpConfig h = ServeSettings.resolve(Optional.of(f), Map.of(),
        Map.of("max_connections", "128")).httpConfig();
    assertThat(h.idleTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(h.maxConnections()).isEqualTo(128);
    assertThat(h.maxConnectionsPerAddress()).isEqualTo(16);
    assertThat(ServeSettings.resolve(Optional.empty(), Map.of(
        "CAIRN_MAX_CONNECTIONS_PER_ADDRESS", "0"), Map.of()).httpConfig()
        .maxConnectionsPerAddress()).as("0: no limit").isZero();
    assertThat(ServeSettings.resolve(Optional.empty(), Map.of(), Map.of()).httpConfig()
        .maxConnectionsPerAddress()).isEqualTo(1024);
    assertThat(h.maxHeaderBytes()).isEqualTo(4096);
    assertThat(h.maxBatchBytes()).isEqualTo(65536);
    assertThat(h.maxBodyBytesInFlight()).isEqualTo(32L << 20);
    assertThat(ServeSettings.resolve(Optional.empty(), Map.of(), Map.of()).httpConfig()
        .maxBodyBytesInFlight()).isEqualTo(64L << 20);
    assertThat(h.maxBatchEntries()).as("the default, cut to the pool").isEqualTo(1000);
    assertThat(h.proofWait()).isEqualTo(Duration.ofSeconds(2));
    assertThat(h.scheme()).isEqualTo("https");
    assertThat(h.tls().orElseThrow().certificate()).isEqualTo(Path.of("/etc/cairn/cert.pem"));

    assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(f), Map.of(),
        Map.of("max_batch_entries", "2000")).httpConfig())
        .hasMessageContaining("invalid max_batch_entries \"2000\" from flag --max-batch-entries")
        .hasMessageContaining("must not exceed pool_limit (1000)");
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(f), Map.of(),
        Map.of("max_body_bytes_in_flight", "60KiB")).httpConfig())
        .hasMessageContaining("invalid max_body_bytes_in_flight \"60KiB\" from flag"
            + " --max-body-bytes-in-flight")
        .hasMessageContaining("must be at least max_batch_bytes (65536)");
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(), Map.of(),
        Map.of("max_header_bytes", "100")).httpConfig())
        .hasMessageContaining("max header bytes must be 1024 to 1048576, got 100");
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(),
        Map.of("CAIRN_IDLE_TIMEOUT", "forever"), Map.of()).httpConfig())
        .hasMessageContaining("invalid idle_timeout \"forever\" from environment variable"
            + " CAIRN_IDLE_TIMEOUT");
  }

  @Test
  void settingsThatComeInGroupsNameTheMissingOne() {
    assertThatThrownBy(() -> flags(Map.of("pkcs11_pin_file", "/run/pin")).hsm())
        .hasMessage("invalid pkcs11_pin_file \"/run/pin\" from flag --pkcs11-pin-file: needs"
            + " pkcs11_library (--pkcs11-library), the token's PKCS#11 module, e.g."
            + " /usr/lib/softhsm/libsofthsm2.so");
    assertThatThrownBy(() -> flags(Map.of("pkcs11_library", "/lib/p11.so")).hsm())
        .hasMessageContaining("invalid pkcs11_library \"/lib/p11.so\"")
        .hasMessageContaining("needs pkcs11_token (--pkcs11-token)");
    assertThatThrownBy(() -> flags(Map.of("pkcs11_library", "/lib/p11.so", "pkcs11_token",
        "log")).hsm()).hasMessageContaining("needs pkcs11_pin_file (--pkcs11-pin-file)");
    assertThat(flags(Map.of("pkcs11_library", "/lib/p11.so", "pkcs11_token", "log",
        "pkcs11_pin_file", "/run/pin")).hsm()).hasValueSatisfying(h -> {
          assertThat(h.tokenLabel()).isEqualTo("log");
          assertThat(h.newLogKey()).isEmpty();
        });
    assertThatThrownBy(() -> flags(Map.of("tls_key", "/etc/key.pem")).httpConfig())
        .hasMessage("invalid tls_key \"/etc/key.pem\" from flag --tls-key: needs tls_cert"
            + " (--tls-cert), the certificate chain file");
  }

  @Test
  void theAuditLogIsBesideTheDataDirectoryUnlessSetWithItsLimits() {
    assertThat(flags(Map.of("data", "/srv/log")).auditLog())
        .isEqualTo(Path.of("/srv/log-audit/audit.jsonl"));
    assertThat(flags(Map.of("data", "/srv/log/")).auditLog())
        .isEqualTo(Path.of("/srv/log-audit/audit.jsonl"));
    assertThat(flags(Map.of("data", "/srv/log", "audit_log", "/var/log/cairn.jsonl")).auditLog())
        .isEqualTo(Path.of("/var/log/cairn.jsonl"));
    assertThat(flags(Map.of()).auditLimits()).isEqualTo(
        dev.cairn.log.auth.AuditLog.Limits.DEFAULTS);
    assertThat(flags(Map.of("audit_log_max_bytes", "1048576", "audit_log_files", "3",
        "audit_refusal_bytes_per_second", "2048")).auditLimits()).isEqualTo(
        new dev.cairn.log.auth.AuditLog.Limits(1 << 20, 3, 2048));
    assertThatThrownBy(() -> flags(Map.of("audit_log_files", "0")).auditLimits())
        .hasMessageContaining("invalid audit log settings")
        .hasMessageContaining("at least 1 rotated file kept (got 0)");
  }

  @Test
  void everySettingIsAnOptionWithItsHelpAndDefault() {
    CommandLine cl = new CommandLine(new ServeCommand());
    assertThat(cl.getCommandSpec().options()).extracting(o -> o.longestName())
        .containsExactlyInAnyOrderElementsOf(java.util.stream.Stream.concat(
            java.util.stream.Stream.of("--config"),
            ServeSettings.ALL.settings().stream().map(Setting::flag)).toList());
    assertThat(ServeCommand.class.getDeclaredFields())
        .noneMatch(f -> f.isAnnotationPresent(CommandLine.Option.class));
    KeyCommandsTest.Result help = KeyCommandsTest.cairn("help", "serve");
    assertThat(help.code()).isZero();
    String text = help.out().replaceAll("\\s+", " ");
    for (Setting<?> s : ServeSettings.ALL.settings()) {
      String value = s.type().flagAlone() ? "[=" + s.label() + "]" : "=" + s.label();
      String shown = s.flag() + value + " " + s.help();
      assertThat(text).contains(s.defaultText().isEmpty() ? shown
          : shown + " Default: " + s.defaultText());
    }
    assertThat(text).contains("--allow-file-keys[=true|false]", "--profile=dev|prod",
        "--pool-limit=N Most entries waiting. Default: 65536");
  }

  @Test
  void flagsParsedByPicocliWinOverTheEnvironment() {
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve).parseArgs("--allow-file-keys", "--data", "/flag", "--pool-limit=5");
    ServeSettings s = new ServeSettings(ServeSettings.ALL.resolve(serve.spec,
        Map.of("CAIRN_DATA", "/env", "CAIRN_ALLOW_FILE_KEYS", "false", "CAIRN_BATCH_SIZE", "5")));
    assertThat(s.allowFileKeys()).as("the flag alone means true").isTrue();
    assertThat(s.data()).isEqualTo(Path.of("/flag"));
    assertThat(s.logConfig().sequencing().poolLimit()).isEqualTo(5);
    assertThat(s.logConfig().sequencing().batchSize()).isEqualTo(5);
    assertThat(s.describe()).containsEntry("allow_file_keys", "true (flag --allow-file-keys)");
  }

  @Test
  void aBadSettingExitsWithTheUsageCodeAndOneLine() {
    KeyCommandsTest.Result r = KeyCommandsTest.cairn("serve", "--pool-limit", "x");
    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(r.err()).isEqualTo("cairn: invalid pool_limit \"x\" from flag --pool-limit:"
        + " expected a positive whole number" + System.lineSeparator());
  }

  private static ServeSettings flags(Map<String, String> flags) {
    return ServeSettings.resolve(Optional.empty(), Map.of(), flags);
  }

  private static String cosignerKey(String name) {
    return dev.cairn.note.SignerKey.generate(name, dev.cairn.note.SignatureType.COSIGNATURE_V1,
        new java.security.SecureRandom()).verifierKey().encode();
  }

  @Test
  void aWitnessPolicyIsRefusedAtStartNamingWhatIsWrong() throws IOException {
    String a = cosignerKey("a.example");
    String b = cosignerKey("b.example");
    Path noUrl = dir.resolve("no-url.policy");
    Files.writeString(noUrl, "witness A " + a + " http://127.0.0.1:9/a\nwitness B " + b
        + "\ngroup G any A B\nquorum G\n");
    assertThatThrownBy(() -> flags(Map.of("witness_policy", noUrl.toString())).witnesses())
        .isInstanceOf(SettingsException.class)
        .hasMessageContaining("invalid witness_policy")
        .hasMessageContaining("witness B has no URL");
    Path twoQuorums = dir.resolve("two.policy");
    Files.writeString(twoQuorums, "witness A " + a + " http://127.0.0.1:9/a\nquorum A\n"
        + "quorum none\n");
    assertThatThrownBy(() -> flags(Map.of("witness_policy", twoQuorums.toString())).witnesses())
        .hasMessageContaining("policy line 3: a policy has exactly one quorum line");
    Path badUrl = dir.resolve("bad-url.policy");
    Files.writeString(badUrl, "witness A " + a + " ftp://w.example/\nquorum A\n");
    assertThatThrownBy(() -> flags(Map.of("witness_policy", badUrl.toString())).witnesses())
        .hasMessageContaining("witness A has the URL \"ftp://w.example/\", not an http://");
    assertThatThrownBy(() -> flags(Map.of("witness_policy", dir.resolve("missing").toString()))
        .witnesses()).hasMessageContaining("couldn't read it");
    assertThatThrownBy(() -> flags(Map.of("witness_fail_open", "true")).witnesses())
        .hasMessageContaining("needs witness_policy (--witness-policy)");

    // Two keys of one witness share a URL: one submission URL, two policy names.
    Path good = dir.resolve("good.policy");
    Files.writeString(good, "witness A " + a + " http://127.0.0.1:9/w\nwitness A-pq " + b
        + " http://127.0.0.1:9/w\ngroup G all A A-pq\nquorum G\n");
    ServeSettings s = flags(Map.of("witness_policy", good.toString(), "witness_timeout", "2s",
        "data", dir.resolve("data").toString()));
    try (var q = s.witnesses().orElseThrow()) {
      assertThat(q.failOpen()).isFalse();
      // The publisher waits for three tries of every witness, and a Retry-After, and more.
      assertThat(q.endorseTimeout()).isGreaterThan(Duration.ofSeconds(7));
      assertThat(q.policy()).hasValueSatisfying(p -> assertThat(p.quorum()).isEqualTo("G"));
    }
    assertThat(flags(Map.of()).witnesses()).isEmpty();

    // A private authority for https witnesses: only with a policy, and a file of certificates.
    assertThatThrownBy(() -> flags(Map.of("witness_ca", good.toString())).witnesses())
        .hasMessageContaining("needs witness_policy (--witness-policy)");
    assertThatThrownBy(() -> flags(Map.of("witness_policy", good.toString(), "witness_ca",
        good.toString(), "data", dir.resolve("data").toString())).witnesses())
        .hasMessageContaining("witness_ca")
        .hasMessageContaining("is not a file of PEM certificates");
  }
}
