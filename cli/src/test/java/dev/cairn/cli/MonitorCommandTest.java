package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn monitor run}: exit codes, and what a person reads when the config is wrong. */
class MonitorCommandTest {
  private static final String VKEY = SignerKey.fromSeed("example.com/log", SignatureType.ED25519,
      new byte[32]).verifierKey().encode();

  @TempDir Path dir;

  private record Result(int code, String out, String err) {}

  private Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  private Path config(String extra, String log) throws IOException {
    Path f = dir.resolve("monitor.yaml");
    Files.writeString(f, "schema_version: 1\nstate_dir: state\n" + extra + "logs:\n" + log);
    return f;
  }

  private static String log(String url) {
    return "  - name: example\n    url: " + url + "\n    keys: [\"" + VKEY + "\"]\n"
        + "    max_checkpoint_age: 1h\n";
  }

  @Test
  void anUnknownKeyIsAUsageErrorNamingItAndItsNearestKnownKey() throws IOException {
    Path f = config("fail_onn: error\n", log("https://log.example/"));
    Result r = run("monitor", "run", "--config", f.toString());
    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(r.err()).contains(f.toString(), "fail_onn", "fail_on");
    assertThat(dir.resolve("state")).doesNotExist();
  }

  @Test
  void theProdProfileRefusesAMonitorWithoutAuthentication() throws IOException {
    Path f = config("", log("https://log.example/"));
    Result r = run("monitor", "run", "--profile", "prod", "--config", f.toString());
    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(r.err()).contains("auth");
  }

  @Test
  void aBadRunIdIsRefusedBeforeAnythingRuns() throws IOException {
    Path f = config("", log("https://log.example/"));
    Result r = run("monitor", "run", "--config", f.toString(), "--run-id", "../etc");
    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(r.err()).contains("--run-id", "../etc");
    assertThat(dir.resolve("state")).doesNotExist();
  }

  @Test
  void anUnreachableLogIsAnErrorFindingAndExitsOne() throws IOException {
    Path f = config("", log("http://127.0.0.1:1/"));
    Result r = run("monitor", "run", "--config", f.toString(), "--run-id", "r1");
    assertThat(r.code()).as(r.err()).isEqualTo(MonitorCommand.FINDINGS);
    assertThat(r.out()).contains("[error] collector.unreachable example");
    byte[] written = Files.readAllBytes(dir.resolve("state/reports/r1.json"));
    JsonNode report = new ObjectMapper().readTree(written);
    assertThat(report.get("logs").get(0).get("status").asText()).isEqualTo("unreachable");
    assertThat(report.get("findings").get(0).get("rule").asText())
        .isEqualTo("collector.unreachable");

    Result again = run("monitor", "run", "--config", f.toString(), "--run-id", "r1");
    assertThat(again.code()).isEqualTo(MonitorCommand.FINDINGS);
    assertThat(Files.readAllBytes(dir.resolve("state/reports/r1.json")))
        .as("a rerun leaves its report as it was").isEqualTo(written);
  }
}
