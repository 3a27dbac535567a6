package dev.cairn.interop;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.monitor.report.Report;
import dev.cairn.monitor.report.ReportJson;
import dev.cairn.monitor.testing.RogueLogProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor drill, all real processes on loopback: a real {@code cairn serve} log, {@link
 * dev.cairn.monitor.testing.RogueLog}s each in a JVM of their own, and {@code cairn monitor run}
 * or {@code cairn monitor serve} each in its own JVM, alerting a webhook (HMAC checked), Slack
 * and e-mail ({@link AlertChannels}) served by this JVM.
 *
 * <ol>
 *   <li>healthy logs: a clean report and no alert; a watch rule's match alerts once per channel,
 *       once;
 *   <li>each misbehaviour of a rogue log: exactly its findings, with evidence, the exit status
 *       {@code fail_on} says, one alert per channel and finding, nothing more on a rerun of the
 *       run ID (whose report stays byte for byte the same), one "resolved" alert after a repair;
 *   <li>{@code kill -9} of {@code monitor run} during a run and during alert delivery: no torn
 *       report, and after a rerun every alert arrives, once by alert ID;
 *   <li>{@code monitor serve} as a process: its API, metrics and audit log, and SIGTERM.
 * </ol>
 */
class MonitorDrillTest {
  private static final Path BUILD =
      Path.of(System.getProperty("cairn.interop.buildDirectory", "target")).toAbsolutePath();
  private static final Path OUTPUTS = BUILD.resolve("drill-logs").resolve("monitor");
  private static final Duration DEADLINE = MonitorProcess.DEADLINE;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WATCHED = "pkg:maven/dev.cairn/drill@";

  @TempDir static Path shared;
  @TempDir Path tmp;

  private static ServerProcess cairn;
  private static LogClient cairnClient;
  private static List<String> cairnKeys;
  private static AlertChannels channels;
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private static final java.util.concurrent.atomic.AtomicInteger launched =
      new java.util.concurrent.atomic.AtomicInteger();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    channels = new AlertChannels(shared);
    Path data = shared.resolve("cairn");
    cairn = ServerProcess.start(data, OUTPUTS.resolve("cairn-serve.log"), List.of(
        "--origin", "cairn.example/monitor-drill", "--sequencing-interval", "10ms",
        "--checkpoint-interval", "100ms"));
    cairnClient = new LogClient(cairn.base());
    cairnKeys = Files.readAllLines(data.resolve("log.vkey"), UTF_8).stream()
        .filter(l -> !l.isBlank()).toList();
  }

  @AfterAll
  static void stop() throws Exception {
    if (cairnClient != null) {
      cairnClient.close();
    }
    if (cairn != null) {
      cairn.close();
    }
    if (channels != null) {
      channels.close();
    }
  }

  @BeforeEach
  void clearChannels() throws Exception {
    channels.clear();
  }

  @org.junit.jupiter.api.AfterEach
  void closeProcesses() throws Exception {
    for (AutoCloseable c : closing.reversed()) {
      c.close();
    }
  }

  // ---- 1. Healthy ---------------------------------------------------------------------------

  @Test
  void healthyLogsGiveACleanReportAndNoAlertAndAWatchMatchAlertsOncePerChannel()
      throws Exception {
    for (int i = 0; i < 5; i++) {
      cairnClient.addAndAwaitCheckpoint(("drill healthy entry " + i).getBytes(UTF_8));
    }
    Rogue rogue = rogue("healthy", 1, 40);
    Path config = config("healthy", "", List.of(cairnLog(true), rogue.yaml()));

    Run first = run(config, "healthy-1");
    assertThat(first.exit()).as(first.output()).isZero();
    assertThat(first.logs()).containsEntry("cairn", "ok").containsEntry("healthy", "ok");
    assertThat(first.tree().get("logs")).allSatisfy(l ->
        assertThat(l.get("accepted").asBoolean()).isTrue());
    assertThat(first.report().findings()).isEmpty();
    assertThat(first.report().resolved()).isEmpty();
    assertThat(channels.told()).as("alerts after a healthy run").isEmpty();

    cairnClient.addAndAwaitCheckpoint("drill: an unrelated entry".getBytes(UTF_8));
    long watched = cairnClient.addAndAwaitCheckpoint(("drill: released " + WATCHED + "1.0")
        .getBytes(UTF_8));
    cairnClient.addAndAwaitCheckpoint("drill: another unrelated entry".getBytes(UTF_8));

    Run second = run(config, "healthy-2");
    assertThat(second.exit()).as("info is below fail_on: " + second.output()).isZero();
    assertThat(second.rules()).containsExactly("entry.watch_match");
    JsonNode match = second.tree().get("findings").get(0);
    assertThat(match.get("log").asText()).isEqualTo("cairn");
    assertThat(match.get("summary").asText()).contains("Entry " + watched + " ")
        .contains("watch rule release");
    assertThat(match.get("evidence").get(0).get("content").asText())
        .isEqualTo("drill: released " + WATCHED + "1.0");
    assertOnePerChannel(channels.told(), second, "opened");

    channels.clear();
    Run third = run(config, "healthy-3");
    assertThat(third.exit()).as(third.output()).isZero();
    assertThat(third.report().findings()).isEmpty();
    assertThat(channels.told()).as("alerts after a run with nothing new").isEmpty();
  }

  // ---- 2. Misbehaviour ----------------------------------------------------------------------

  @Test
  void badSignature() throws Exception {
    Misbehaviour m = drill("bad-sig", 2, false, List.of("bad-signature"),
        List.of("checkpoint.signature"), 1);
    JsonNode f = m.found().tree().get("findings").get(0);
    assertThat(evidence(f, "note")).containsExactly(m.servedThen());
    assertThat(evidence(f, "http")).containsExactly("GET " + m.rogue().url()
        + "checkpoint answered 200");

    // Rerunning the old run ID after the finding resolved changes nothing: it neither opens the
    // finding again nor tells anyone, and the next run has nothing to resolve.
    channels.clear();
    Run old = run(m.config(), "bad-sig-found");
    assertThat(old.exit()).as(old.output()).isEqualTo(1);
    assertThat(old.json()).isEqualTo(m.found().json());
    assertThat(channels.told()).as("alerts from rerunning an old run").isEmpty();
    Run next = run(m.config(), "bad-sig-next");
    assertThat(next.exit()).as(next.output()).isZero();
    assertThat(next.report().findings()).isEmpty();
    assertThat(next.report().resolved()).as("resolved again").isEmpty();
    assertThat(channels.told()).as("alerts from the run after").isEmpty();
  }

  @Test
  void forkAfterAnAcceptedRun() throws Exception {
    Misbehaviour m = drill("fork", 3, true, List.of("fork 5"), List.of("log.consistency"), 1);
    JsonNode f = m.found().tree().get("findings").get(0);
    assertThat(f.get("summary").asText()).contains("does not extend the checkpoint of size 40");
    assertThat(evidence(f, "note")).containsExactly(m.accepted().orElseThrow(), m.servedThen());
    assertThat(evidence(f, "proof")).singleElement().asString().isNotBlank();
  }

  @Test
  void badRootTiles() throws Exception {
    Misbehaviour m = drill("bad-tiles", 4, false, List.of("grow 300", "bad-root-tiles"),
        List.of("log.replay"), 1);
    JsonNode f = m.found().tree().get("findings").get(0);
    assertThat(evidence(f, "note")).containsExactly(m.servedThen());
    assertThat(evidence(f, "text")).singleElement().asString().contains("339");
  }

  @Test
  void splitView() throws Exception {
    Misbehaviour m = drill("split", 5, false, List.of("split-view w1"),
        List.of("log.split_view"), 1);
    JsonNode f = m.found().tree().get("findings").get(0);
    assertThat(f.get("summary").asText()).contains("witness w1");
    assertThat(evidence(f, "note")).containsExactly(m.servedThen(), m.witnessThen());
    assertThat(m.witnessThen()).isNotEqualTo(m.servedThen());
  }

  @Test
  void staleCosignatures() throws Exception {
    Misbehaviour m = drill("stale", 6, false, List.of("stale 2h"),
        List.of("log.freshness", "witness.stale", "witness.stale"), 0);
    assertThat(m.found().tree().get("findings")).allSatisfy(f ->
        assertThat(evidence(f, "note")).containsExactly(m.servedThen()));
    assertThat(m.found().summaries()).anyMatch(s -> s.contains("Witness w1's newest"))
        .anyMatch(s -> s.contains("Witness w2's newest"))
        .anyMatch(s -> s.contains("is 2 h 0 min old, more than the 60 min allowed"));
  }

  /**
   * What a misbehaviour drill saw: the run that found it, the checkpoint the log served then
   * and what witness w1 held, and the checkpoint accepted before (if a run accepted one).
   */
  private record Misbehaviour(Path config, Rogue rogue, Run found, String servedThen,
      String witnessThen, Optional<String> accepted) {}

  /**
   * A rogue log of 40 entries with witnesses w1 and w2 (both in the quorum), audited from a
   * fresh state (after one clean run if {@code acceptFirst}): after {@code commands}, a run
   * finds exactly {@code rules}, exits {@code exit}, and tells each opened finding once per
   * channel; a rerun of its ID changes nothing and tells nothing; after {@code repair} a run
   * resolves every finding with one alert per channel — except a fork, which stays.
   */
  private Misbehaviour drill(String name, long seed, boolean acceptFirst, List<String> commands,
      List<String> rules, int exit) throws Exception {
    Rogue rogue = rogue(name, seed, 40);
    Path config = config(name, "", List.of(rogue.yaml()));
    Optional<String> accepted = Optional.empty();
    if (acceptFirst) {
      Run clean = run(config, name + "-accept");
      assertThat(clean.exit()).as(clean.output()).isZero();
      assertThat(clean.report().findings()).isEmpty();
      assertThat(clean.logs()).containsEntry(name, "ok");
      accepted = Optional.of(rogue.checkpoint());
    }
    for (String c : commands) {
      rogue.command(c);
    }
    String served = rogue.checkpoint();
    String held = rogue.witnessCheckpoint("w1");

    Run found = run(config, name + "-found");
    assertThat(found.exit()).as("exit status for %s: %s", rules, found.output())
        .isEqualTo(exit);
    assertThat(found.rules()).containsExactlyInAnyOrderElementsOf(rules);
    assertThat(found.logs()).containsEntry(name, "findings");
    boolean guards = exit == 1;
    assertThat(found.tree().get("logs").get(0).get("accepted").asBoolean())
        .as("accepted despite %s", rules).isEqualTo(!guards);
    assertThat(found.tree().get("findings")).allSatisfy(f -> {
      assertThat(f.get("log").asText()).isEqualTo(name);
      assertThat(f.get("evidence")).isNotEmpty();
    });
    List<AlertChannels.Told> opened = channels.told();
    assertOnePerChannel(opened, found, "opened");

    byte[] before = found.json();
    channels.clear();
    Run again = run(config, name + "-found");
    assertThat(again.exit()).as(again.output()).isEqualTo(exit);
    assertThat(again.json()).as("the rerun's report").isEqualTo(before);
    assertThat(channels.told()).as("alerts from the rerun").isEmpty();

    rogue.command("repair");
    Run after = run(config, name + "-repaired");
    if (commands.stream().anyMatch(c -> c.startsWith("fork"))) {
      // A fork rewrote history for good: the finding stays open, told once already.
      assertThat(after.exit()).as(after.output()).isEqualTo(exit);
      assertThat(after.fingerprints()).isEqualTo(found.fingerprints());
      assertThat(after.report().resolved()).isEmpty();
      assertThat(channels.told()).as("alerts while the fork lasts").isEmpty();
    } else {
      assertThat(after.exit()).as(after.output()).isZero();
      assertThat(after.report().findings()).isEmpty();
      assertThat(after.logs()).containsEntry(name, "ok");
      assertThat(after.report().resolved())
          .containsExactlyInAnyOrderElementsOf(found.fingerprints());
      List<AlertChannels.Told> resolved = channels.told();
      assertThat(resolved).allSatisfy(t -> assertThat(t.event()).isEqualTo("resolved"));
      assertThat(byChannel(resolved, "hook")).allSatisfy(t ->
          assertThat(t.runId()).isEqualTo(name + "-repaired"));
      assertOnePerChannel(resolved, found.fingerprints(), found.rulesByFingerprint(),
          "resolved", Optional.empty());
      // Each resolved e-mail answers its opening's (mail clients thread them).
      assertThat(byChannel(resolved, "mail")).allSatisfy(r ->
          assertThat(r.inReplyTo()).isEqualTo(byChannel(opened, "mail").stream()
              .filter(o -> o.fingerprint().equals(r.fingerprint()))
              .map(o -> "<" + o.id() + "@drill.example>").findFirst().orElseThrow()));
    }
    return new Misbehaviour(config, rogue, found, served, held, accepted);
  }

  // ---- 3. kill -9 ---------------------------------------------------------------------------

  @Test
  void killedDuringARunLeavesNoTornReportAndTheRerunAlertsOnce() throws Exception {
    Rogue rogue = rogue("big", 7, 300_000);
    rogue.command("bad-root-tiles");
    Path config = config("big", "", List.of(rogue.yaml()));
    Path reports = tmp.resolve("big").resolve("state").resolve("reports");

    MonitorProcess child = start(config, "run", "--run-id", "killed-run");
    child.awaitWhileRunning("the replay to be under way", () -> rogue.requests() >= 50);
    child.kill();
    List<String> names = reportFiles(reports);
    boolean reported = names.contains("killed-run.json");
    if (reported) {
      ReportJson.read(Files.readAllBytes(reports.resolve("killed-run.json")));
    }
    assertThat(names).as("reports after the kill").isSubsetOf("killed-run.json",
        "killed-run.html");
    if (!reported) {
      assertThat(channels.told()).as("alerts without a report").isEmpty();
    }

    Run rerun = run(config, "killed-run");
    assertThat(rerun.exit()).as(rerun.output()).isEqualTo(1);
    assertThat(rerun.rules()).containsExactly("log.replay");
    assertThat(reportFiles(reports)).containsExactlyInAnyOrder("killed-run.json",
        "killed-run.html");
    List<AlertChannels.Told> told = channels.told();
    if (!reported) {
      // Killed before the report: nothing was queued, so nothing can have been sent twice.
      assertOnePerChannel(told, rerun, "opened");
    } else {
      assertOncePerChannelById(told, rerun);
    }
    System.out.printf("MonitorDrillTest: killed during the run after %d requests to the log,"
        + " %s; raw deliveries after the rerun: %s%n", rogue.requests(),
        reported ? "its report was written" : "before its report", rawCounts(told));
  }

  @Test
  void killedDuringDeliveryEveryAlertArrivesOnceByIdAfterTheRerun() throws Exception {
    Rogue rogue = rogue("deliver", 8, 40);
    rogue.command("stale 2h");
    Path config = config("deliver", "", List.of(rogue.yaml()));
    Path reports = tmp.resolve("deliver").resolve("state").resolve("reports");

    channels.hook().holdNext();
    MonitorProcess child = start(config, "run", "--run-id", "killed-delivery");
    try {
      child.awaitWhileRunning("a webhook delivery to be held", channels.hook()::holding);
      child.kill();
    } finally {
      channels.hook().release();
    }
    // Alerts are queued only once the report is written.
    Report written = ReportJson.read(Files.readAllBytes(reports.resolve("killed-delivery.json")));
    String heldId = channels.hook().deliveries().getFirst().alertId().orElseThrow();

    Run rerun = run(config, "killed-delivery");
    assertThat(rerun.exit()).as(rerun.output()).isZero();
    assertThat(rerun.report()).isEqualTo(written);
    assertThat(rerun.rules()).containsExactlyInAnyOrder("log.freshness", "witness.stale",
        "witness.stale");
    List<AlertChannels.Told> told = channels.told();
    assertOncePerChannelById(told, rerun);
    // The held request reached the receiver, which answered only once the sender was dead: it
    // was never recorded as delivered, so it is the one alert that may arrive twice.
    Map<String, Long> hookIds = byChannel(told, "hook").stream()
        .collect(Collectors.groupingBy(AlertChannels.Told::id, Collectors.counting()));
    hookIds.forEach((id, n) -> assertThat(n).as("webhook deliveries of %s", id)
        .isEqualTo(id.equals(heldId) ? 2 : 1));
    System.out.printf("MonitorDrillTest: killed while a webhook delivery was held; raw"
        + " deliveries after the rerun: %s for %d alerts each%n", rawCounts(told),
        rerun.report().findings().size());
  }

  // ---- 4. monitor serve ---------------------------------------------------------------------

  @Test
  void serveAsAProcessRunsOnRequestAndServesReportsFindingsMetricsAndAudit() throws Exception {
    Rogue rogue = rogue("served", 9, 20);
    rogue.command("bad-signature");
    int port = ServerProcess.freePort();
    Path config = config("served", "listen: 127.0.0.1:" + port + "\n"
        + "schedule: { interval: 1h, jitter: 1m }\n", List.of(cairnLog(false), rogue.yaml()));
    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(Files.readAllBytes(config)));
    URI base = URI.create("http://127.0.0.1:" + port + "/");

    MonitorProcess serve = start(config, "serve");
    serve.awaitWhileRunning("/healthz", () -> status(get(base, "healthz")) == 200);

    HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(base.resolve("runs"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
    String runId = JSON.readTree(posted.body()).get("run_id").asText();
    assertThat(posted.headers().firstValue("Location")).contains("/reports/" + runId);

    serve.awaitWhileRunning("the report of " + runId,
        () -> status(get(base, "reports/" + runId)) == 200);
    Report report = ReportJson.read(get(base, "reports/" + runId).body().getBytes(UTF_8));
    assertThat(report.runId()).isEqualTo(runId);
    assertThat(report.configHash()).isEqualTo(hash);
    assertThat(report.findings()).singleElement().satisfies(f -> {
      assertThat(f.rule().id()).isEqualTo("checkpoint.signature");
      assertThat(f.log()).isEqualTo("served");
    });

    HttpResponse<String> page = get(base, "reports/" + runId + ".html");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t ->
        assertThat(t).startsWith("text/html"));
    assertThat(page.body()).contains(runId).doesNotContainIgnoringCase("<script");

    HttpResponse<String> open = get(base, "findings?open=true");
    assertThat(open.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(open.body()).get("findings")).singleElement().satisfies(f ->
        assertThat(f.get("fingerprint").asText())
            .isEqualTo(report.findings().getFirst().fingerprint()));

    String metrics = get(base, "metrics").body();
    assertThat(metrics).containsPattern("(?m)^cairn_monitor_config_info\\{hash=\"" + hash
        + "\"\\} 1(\\.0)?$");
    assertThat(metrics.lines().filter(l -> l.startsWith("cairn_monitor_runs_total"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum())
        .isGreaterThanOrEqualTo(1);

    Path audit = tmp.resolve("served").resolve("state").resolve("audit.jsonl");
    assertThat(Files.readAllLines(audit, UTF_8)).anySatisfy(l -> {
      JsonNode e = JSON.readTree(l);
      assertThat(e.toString()).contains("run " + runId + " starting").contains("POST /runs");
    });

    serve.awaitWhileRunning("one alert per channel", () -> told().size() >= 3);
    int exit = serve.terminate();
    assertThat(exit).as("exit status after SIGTERM: %s", serve.output()).isEqualTo(143);
    assertThat(serve.output()).doesNotContain("stopping the monitor:");
    List<AlertChannels.Told> told = channels.told();
    assertThat(told).extracting(AlertChannels.Told::channel)
        .containsExactlyInAnyOrder("hook", "slack", "mail");
    assertThat(told).allSatisfy(t -> {
      assertThat(t.rule()).isEqualTo("checkpoint.signature");
      assertThat(t.fingerprint()).isEqualTo(report.findings().getFirst().fingerprint());
    });
  }

  // ---- Processes ----------------------------------------------------------------------------

  /** A rogue log process and what its ready line said. */
  private record Rogue(RogueLogProcess process, String name, JsonNode ready, Path policy) {
    URI url() {
      return URI.create(ready.get("url").asText());
    }

    void command(String c) throws IOException {
      JsonNode a = process.command(c);
      if (!a.path("ok").asBoolean()) {
        throw new AssertionError("rogue log: " + c + ": " + a);
      }
    }

    long requests() {
      try {
        return process.command("requests").get("requests").asLong();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    String checkpoint() throws Exception {
      return fetch(url().resolve("checkpoint"));
    }

    String witnessCheckpoint(String w) throws Exception {
      for (JsonNode n : ready.get("witnesses")) {
        if (n.get("name").asText().equals(w)) {
          return fetch(URI.create(n.get("checkpointUrl").asText()));
        }
      }
      throw new AssertionError("no witness " + w);
    }

    /** The log's item in monitor.yaml: its policy and witnesses' endpoints. */
    String yaml() {
      StringBuilder w = new StringBuilder();
      for (JsonNode n : ready.get("witnesses")) {
        w.append(w.isEmpty() ? "" : ", ").append(n.get("name").asText()).append(": \"")
            .append(n.get("url").asText()).append('"');
      }
      return "  - name: " + name + "\n"
          + "    url: \"" + url() + "\"\n"
          + "    policy_file: \"" + policy + "\"\n"
          + "    max_checkpoint_age: 1h\n"
          + (w.isEmpty() ? "" : "    witnesses: { " + w + " }\n");
    }
  }

  /** Starts a rogue log named {@code name}, with witnesses w1 and w2 unless it is large. */
  private Rogue rogue(String name, long seed, long size) throws IOException {
    boolean witnessed = size < 1000;
    List<String> args = new ArrayList<>(List.of("--seed", Long.toString(seed), "--origin",
        "drill.example/" + name, "--size", Long.toString(size)));
    if (witnessed) {
      args.addAll(List.of("--witness", "w1", "--witness", "w2"));
    }
    RogueLogProcess p = RogueLogProcess.start(args.toArray(String[]::new));
    closing.add(p);
    JsonNode ready = p.ready();
    StringBuilder policy = new StringBuilder("log ").append(ready.get("vkey").asText())
        .append(' ').append(ready.get("url").asText()).append('\n');
    for (JsonNode w : ready.get("witnesses")) {
      policy.append("witness ").append(w.get("name").asText()).append(' ')
          .append(w.get("vkey").asText()).append('\n');
    }
    policy.append(witnessed ? "group both all w1 w2\nquorum both\n" : "quorum none\n");
    Path file = tmp.resolve(name + ".policy");
    Files.writeString(file, policy);
    return new Rogue(p, name, ready, file);
  }

  /** The real log's item in monitor.yaml, with a watch rule if {@code watch}. */
  private static String cairnLog(boolean watch) {
    return "  - name: cairn\n"
        + "    url: \"" + cairn.base() + "\"\n"
        + "    keys: [" + cairnKeys.stream().map(k -> "\"" + k + "\"")
            .collect(Collectors.joining(", ")) + "]\n"
        + "    max_checkpoint_age: 1h\n"
        + (watch ? "    watch:\n      - { name: release, substring: \"" + WATCHED + "\" }\n"
            : "");
  }

  /** Writes {@code <tmp>/<name>/monitor.yaml} with its state beside it. */
  private Path config(String name, String extra, List<String> logs) throws IOException {
    Path dir = tmp.resolve(name);
    Files.createDirectories(dir);
    String yaml = "schema_version: 1\n"
        + "state_dir: \"" + dir.resolve("state") + "\"\n"
        + "fail_on: error\n"
        + extra
        + "delivery: { attempts: 5, base_delay: 100ms, max_delay: 1s, timeout: 10s }\n"
        + "logs:\n" + String.join("", logs)
        + channels.yaml();
    Path file = dir.resolve("monitor.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private MonitorProcess start(Path config, String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(1, List.of("--config", config.toString()));
    String name = String.format("%03d-%s-%s.log", launched.incrementAndGet(),
        config.getParent().getFileName(), args[0] + (args.length > 2 ? "-" + args[2] : ""));
    MonitorProcess p = MonitorProcess.start(OUTPUTS.resolve(name), AlertChannels.env(), all);
    closing.add(p);
    return p;
  }

  /** What one {@code monitor run} left: its exit status, output and report. */
  private record Run(int exit, String output, byte[] json) {
    Report report() {
      return ReportJson.read(json);
    }

    JsonNode tree() {
      try {
        return JSON.readTree(json);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    List<String> rules() {
      return report().findings().stream().map(f -> f.rule().id()).toList();
    }

    List<String> fingerprints() {
      return report().findings().stream().map(dev.cairn.monitor.report.Finding::fingerprint)
          .toList();
    }

    Map<String, String> rulesByFingerprint() {
      return report().findings().stream().collect(Collectors.toMap(
          dev.cairn.monitor.report.Finding::fingerprint, f -> f.rule().id()));
    }

    List<String> summaries() {
      return report().findings().stream().map(dev.cairn.monitor.report.Finding::summary)
          .toList();
    }

    Map<String, String> logs() {
      return report().logs().stream().collect(Collectors.toMap(
          dev.cairn.monitor.report.LogResult::name, dev.cairn.monitor.report.LogResult::status));
    }
  }

  /** Runs {@code monitor run --run-id runId} to its end; its report must exist. */
  private Run run(Path config, String runId) throws Exception {
    MonitorProcess p = start(config, "run", "--run-id", runId);
    int exit = p.awaitExit();
    Path report = config.getParent().resolve("state").resolve("reports")
        .resolve(runId + ".json");
    assertThat(report).as("the report of %s: %s", runId, p.output()).exists();
    return new Run(exit, p.output(), Files.readAllBytes(report));
  }

  // ---- Alerts -------------------------------------------------------------------------------

  /** Every finding {@code run} reported was told once on each channel, and nothing else. */
  private static void assertOnePerChannel(List<AlertChannels.Told> told, Run run, String event) {
    assertOnePerChannel(told, run.fingerprints(), run.rulesByFingerprint(), event,
        Optional.of(run.report().runId()));
    for (dev.cairn.monitor.report.Finding f : run.report().findings()) {
      assertThat(told).filteredOn(t -> t.fingerprint().equals(f.fingerprint()))
          .allSatisfy(t -> assertThat(t.log()).isEqualTo(f.log()));
    }
  }

  private static void assertOnePerChannel(List<AlertChannels.Told> told,
      List<String> fingerprints, Map<String, String> rules, String event,
      Optional<String> runId) {
    for (String channel : List.of("hook", "slack", "mail")) {
      List<AlertChannels.Told> mine = byChannel(told, channel);
      assertThat(mine).as("raw deliveries on %s", channel)
          .extracting(AlertChannels.Told::fingerprint)
          .containsExactlyInAnyOrderElementsOf(fingerprints);
      assertThat(mine).allSatisfy(t -> {
        assertThat(t.event()).isEqualTo(event);
        assertThat(t.rule()).isEqualTo(rules.get(t.fingerprint()));
        if (t.runId() != null && runId.isPresent()) {
          assertThat(t.runId()).isEqualTo(runId.get());
        }
      });
    }
  }

  /**
   * Every finding {@code run} reported arrived on each channel, exactly once by alert ID
   * (raw duplicates allowed: see the callers).
   */
  private static void assertOncePerChannelById(List<AlertChannels.Told> told, Run run) {
    for (String channel : List.of("hook", "slack", "mail")) {
      assertThat(byChannel(told, channel).stream().map(AlertChannels.Told::key).distinct())
          .as("distinct alerts on %s", channel)
          .containsExactlyInAnyOrderElementsOf(run.fingerprints().stream()
              .map(fp -> fp + "-opened").toList());
    }
  }

  private static List<AlertChannels.Told> byChannel(List<AlertChannels.Told> told,
      String channel) {
    return told.stream().filter(t -> t.channel().equals(channel)).toList();
  }

  private static Map<String, Long> rawCounts(List<AlertChannels.Told> told) {
    return told.stream().collect(Collectors.groupingBy(AlertChannels.Told::channel,
        java.util.TreeMap::new, Collectors.counting()));
  }

  private static List<AlertChannels.Told> told() {
    try {
      return channels.told();
    } catch (jakarta.mail.MessagingException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- Reading ------------------------------------------------------------------------------

  /** The contents of {@code finding}'s evidence of {@code kind}, in order. */
  private static List<String> evidence(JsonNode finding, String kind) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : finding.get("evidence")) {
      if (e.get("kind").asText().equals(kind)) {
        out.add(e.get("content").asText());
      }
    }
    return out;
  }

  /** The regular files in the reports directory (its {@code tmp/} is not a report). */
  private static List<String> reportFiles(Path reports) throws IOException {
    if (!Files.isDirectory(reports)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(reports)) {
      return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).toList();
    }
  }

  private static String fetch(URI uri) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new AssertionError("GET " + uri + " answered " + r.statusCode());
    }
    return r.body();
  }

  private static HttpResponse<String> get(URI base, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null; // not listening yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int status(HttpResponse<?> r) {
    return r == null ? -1 : r.statusCode();
  }
}
