package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.testing.TestCertificates;
import dev.cairn.note.SignatureType;
import dev.cairn.note.VerifierKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn witness serve}: first start, resume, the stored name, and the prod profile. */
class WitnessServeTest {
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void firstStartCreatesKeysAndASecondResumesWithThem() throws Exception {
    Path data = dir.resolve("wdata");
    Path logs = dir.resolve("logs");
    Files.writeString(logs, "# no logs yet\n");
    String first = runUntilHealthy("--data", data.toString(), "--logs", logs.toString());
    List<String> vkeys = Files.readAllLines(data.resolve("witness.vkey"));
    assertThat(vkeys).hasSize(2).allSatisfy(k -> assertThat(k).matches(
        "cairn-witness-[0-9a-f]{8}\\+[0-9a-f]{8}\\+.*"));
    String name = vkeys.get(0).substring(0, vkeys.get(0).indexOf('+'));
    assertThat(first).contains("witness " + name + " serving at http://127.0.0.1:")
        .contains("(new: keys created)").contains(vkeys.get(0)).contains(vkeys.get(1))
        .contains("cosigning 0 logs from " + logs);
    assertThat(vkeys.stream().map(k -> VerifierKey.parse(k).type())).containsExactly(
        SignatureType.COSIGNATURE_V1, SignatureType.MLDSA44_SUBTREE_V1);

    String second = runUntilHealthy("--data", data.toString(), "--name", name);
    assertThat(second).doesNotContain("new: keys created").contains(vkeys.get(0))
        .contains(vkeys.get(1));
    assertThat(Files.readAllLines(data.resolve("witness.vkey"))).isEqualTo(vkeys);

    Result other = cairn("witness", "serve", "--data", data.toString(), "--name",
        "other.example/w");
    assertThat(other.code()).isEqualTo(64);
    assertThat(other.err()).contains("named \"" + name + "\", not \"other.example/w\"");
  }

  @Test
  void prodRefusesFileKeysAndPlainHttpOffLoopback() throws Exception {
    Result r = cairn("witness", "serve", "--data", dir.resolve("p").toString(), "--profile",
        "prod", "--listen", "0.0.0.0:0");
    assertThat(r.code()).isEqualTo(64);
    assertThat(r.err()).contains("the prod profile refuses to start")
        .contains("--allow-file-keys").contains("listening on 0.0.0.0 without TLS");
    assertThat(dir.resolve("p")).doesNotExist();

    Path config = dir.resolve("witness.yaml");
    Files.writeString(config, "schema_version: 1\nprofile: prod\nallow_file_keys: true\n"
        + "listen: 0.0.0.0:0\n");
    Result fromFile = cairn("witness", "serve", "--config", config.toString(), "--data",
        dir.resolve("p").toString());
    assertThat(fromFile.code()).isEqualTo(64);
    assertThat(fromFile.err()).contains("without TLS").doesNotContain("--allow-file-keys");

    // Loopback with file keys allowed starts.
    String started = runUntilHealthy("--data", dir.resolve("p").toString(), "--profile",
        "prod", "--allow-file-keys");
    assertThat(started).contains("serving at http://127.0.0.1:");
  }

  @Test
  void prodServesHttpsOffLoopbackWithTheCertificate() throws Exception {
    TestCertificates ca = new TestCertificates();
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    ca.write(ca.issue(), cert, key);
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    HttpClient https = HttpClient.newBuilder().sslContext(ca.clientContext()).build();
    String out = ServingWitness.run(List.of("--profile", "prod", "--allow-file-keys", "--data",
        dir.resolve("t").toString(), "--listen", "0.0.0.0:" + port, "--tls-cert",
        cert.toString(), "--tls-key", key.toString()), served -> {
          HttpResponse<String> h = https.send(HttpRequest.newBuilder(URI.create(
              "https://127.0.0.1:" + served + "/healthz")).build(),
              HttpResponse.BodyHandlers.ofString());
          assertThat(h.statusCode()).isEqualTo(200);
        });
    assertThat(out).contains("serving at https://0.0.0.0:" + port);
  }

  @Test
  void settingsComeFromFileThenEnvironmentThenFlags() throws Exception {
    Path config = dir.resolve("w.yaml");
    Files.writeString(config, "schema_version: 1\nrate_limit_log: 3\nname: file.example/w\n");
    WitnessSettings s = new WitnessSettings(WitnessSettings.ALL.resolve(Optional.of(config),
        Map.of("CAIRN_RATE_LIMIT_LOG", "5"), Map.of("name", "flag.example/w")));
    assertThat(s.rateLimitPerLog()).isEqualTo(5);
    assertThat(s.name()).hasValue("flag.example/w");
    assertThat(s.data()).isEqualTo(Path.of("./cairn-witness-data"));
    assertThat(s.httpConfig().port()).isEqualTo(8081);
    Files.writeString(config, "rate_limit_log: 3\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> WitnessSettings.ALL.resolve(
        Optional.of(config), Map.of(), Map.of())).hasMessageContaining("schema_version");
  }

  @Test
  void aBadLogsFileIsRefusedAtStart() throws Exception {
    Path logs = dir.resolve("logs");
    Files.writeString(logs, "log nonsense\n");
    Result r = cairn("witness", "serve", "--data", dir.resolve("d").toString(), "--logs",
        logs.toString(), "--listen", "127.0.0.1:0");
    assertThat(r.code()).isEqualTo(64);
    assertThat(r.err()).contains("the logs file is not valid").contains("policy line 1");
  }

  /** Runs the command until /healthz answers, stops it, and returns what it printed. */
  private String runUntilHealthy(String... args) throws Exception {
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.addAll(List.of("--listen", "127.0.0.1:0"));
    return ServingWitness.run(all, port -> {
      HttpResponse<String> h = http.send(HttpRequest.newBuilder(URI.create(
          "http://127.0.0.1:" + port + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(h.statusCode()).isEqualTo(200);
    });
  }

  record Result(int code, String out, String err) {}

  static Result cairn(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }
}
