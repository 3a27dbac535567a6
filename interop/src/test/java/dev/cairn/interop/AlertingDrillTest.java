package dev.cairn.interop;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerifiedCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The alerting pipeline end to end, all real processes on loopback: {@code cairn serve} with a
 * 2-of-3 witness policy, three {@code cairn witness serve}, a real Prometheus scraping them
 * every second ({@code job="cairn"} and {@code job="cairn-witness"}) and evaluating the rule
 * files of {@code deploy/prometheus/} as they are, a real Alertmanager routing every alert to a
 * webhook receiver in this JVM.
 *
 * <p>The drill is the game day of {@code docs/operations/game-day.md}: two witnesses are paused
 * (SIGSTOP), so the quorum is lost while writes are still acknowledged, then pushed back once
 * {@code --max-unpublished-entries} wait for a checkpoint. The page ({@code
 * CairnCheckpointFreshnessBudgetBurn}) and the cause ({@code CairnWitnessQuorumLost}) must reach
 * the receiver with their labels and a runbook link to an existing heading of {@code
 * docs/operations/runbook.md}. The runbook's mitigation is then followed as written: the paused
 * witnesses are named by {@code /readyz} and by {@code cairn_witness_failures_total}, and only
 * those are resumed (SIGCONT). Every acknowledged entry must then be published under the
 * quorum, and the cause alert must arrive resolved.
 *
 * <p>The page resolves only once its 5-minute window is clean, so by default the test does not
 * wait for it; with {@code -Dcairn.interop.gameDay=true} ({@code scripts/game-day}) it does, and
 * prints the timeline. Either way the timeline is written to {@code
 * target/drill-logs/alerting-timeline.txt}, beside every process's output.
 *
 * <p>The dashboard check runs every panel query of {@code deploy/grafana/cairn.json} against the
 * same Prometheus.
 *
 * <p>Needs Debian's {@code prometheus} (with {@code promtool}) and {@code
 * prometheus-alertmanager} ({@code .ci/run} installs them). {@code
 * -Dcairn.interop.rulesDirectory=DIR} loads the rule files of DIR instead of {@code
 * deploy/prometheus/}, to try rules before they land.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AlertingDrillTest {
  private static final Path BUILD =
      Path.of(System.getProperty("cairn.interop.buildDirectory", "target")).toAbsolutePath();
  private static final Path LOGS = BUILD.resolve("drill-logs");
  private static final Path REPOSITORY = Path.of(System.getProperty(
      "cairn.repository.directory", "..")).toAbsolutePath().normalize();
  private static final Path RULES = Path.of(System.getProperty("cairn.interop.rulesDirectory",
      REPOSITORY.resolve("deploy/prometheus").toString()));
  private static final Path RUNBOOK = REPOSITORY.resolve("docs/operations/runbook.md");
  private static final Path DASHBOARD = REPOSITORY.resolve("deploy/grafana/cairn.json");
  private static final boolean GAME_DAY = Boolean.getBoolean("cairn.interop.gameDay");
  private static final String ORIGIN = "example.com/alerting-drill";
  private static final int WITNESSES = 3;
  /** Acknowledged entries that may wait for a checkpoint; beyond, writes are pushed back. */
  private static final int MAX_UNPUBLISHED = 300;
  private static final Duration START_DEADLINE = Duration.ofSeconds(60);
  /** The cause alert has {@code for: 30s}; then a scrape, an evaluation and group_wait. */
  private static final Duration ALERT_DEADLINE = Duration.ofSeconds(90);
  private static final Duration RECOVERY_DEADLINE = Duration.ofSeconds(60);
  /** The page's 5-minute window must be clean before it resolves. */
  private static final Duration PAGE_RESOLVE_DEADLINE = Duration.ofMinutes(9);
  private static final String QUORUM_LOST = "CairnWitnessQuorumLost";
  private static final String FRESHNESS_BURN = "CairnCheckpointFreshnessBudgetBurn";
  /** The recorded series, 1 while stale, whose averages the freshness burn rates are. */
  private static final String FRESHNESS_STALE_RULE = "cairn:checkpoint_stale:bool";
  /** How much good history the drill's Prometheus starts with. */
  private static final Duration HISTORY = Duration.ofHours(6);
  private static final ObjectMapper JSON = new ObjectMapper();

  private Path tmp;
  private final List<ServerProcess> witnesses = new ArrayList<>();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final dev.cairn.log.testing.TestCertificates ca =
      new dev.cairn.log.testing.TestCertificates();
  private final HttpClient http = HttpClient.newBuilder().sslContext(ca.clientContext())
      .connectTimeout(Duration.ofSeconds(5)).build();
  private ServerProcess log;
  private LogVerifier verifier;
  private MonitoringServer prometheus;
  private MonitoringServer alertmanager;
  private AlertReceiver receiver;
  private Path logKeysFile;

  @BeforeAll
  void startThePipeline() throws Exception {
    tmp = Files.createTempDirectory("cairn-alerting-drill");
    Files.createDirectories(LOGS);
    Path data = tmp.resolve("log");
    List<VerifierKey> logKeys;
    try (TransparencyLog l = TransparencyLog.open(new LogConfig(data, Optional.of(ORIGIN),
        dev.cairn.log.sequencing.SequencerConfig.DEFAULT, Duration.ofSeconds(1),
        java.time.Clock.systemUTC()))) {
      logKeys = l.keys().ring().signingOrder().stream().map(e -> e.key()).toList();
    }
    StringBuilder logLines = new StringBuilder();
    logKeys.forEach(k -> logLines.append("log ").append(k.encode()).append('\n'));
    Path logsFile = tmp.resolve("logs");
    Files.writeString(logsFile, logLines);
    logKeysFile = tmp.resolve("log.vkey");
    Files.writeString(logKeysFile, String.join("\n", logKeys.stream()
        .map(VerifierKey::encode).toList()) + "\n");

    for (ServerProcess w : WitnessProcesses.start(tmp, logsFile, WITNESSES, LOGS,
        "alerting-")) {
      witnesses.add(w);
      closing.add(() -> {
        w.signal("CONT"); // a stopped process cannot die of SIGKILL until it runs again
        w.close();
      });
    }

    StringBuilder p = new StringBuilder(logLines)
        .append(WitnessProcesses.policyLines(tmp, witnesses));
    p.append("group two 2 w1 w2 w3\nquorum two\n");
    Path policyFile = tmp.resolve("policy");
    Files.writeString(policyFile, p);
    verifier = LogVerifier.of(Policy.parse(p.toString()));

    // Over HTTPS, as in production (and so that the certificate's expiry is exported).
    Path cert = tmp.resolve("cert.pem");
    Path key = tmp.resolve("key.pem");
    Path caFile = tmp.resolve("ca.pem");
    ca.write(ca.issue(), cert, key);
    ca.writeCa(caFile);
    log = ServerProcess.start(data, LOGS.resolve("alerting-log.log"), List.of(
        "--witness-policy", policyFile.toString(),
        "--checkpoint-interval", "500ms", "--witness-timeout", "500ms",
        "--max-unpublished-entries", Integer.toString(MAX_UNPUBLISHED),
        "--tls-cert", cert.toString(), "--tls-key", key.toString()),
        Optional.of(ca.clientContext()));
    closing.add(log);

    receiver = new AlertReceiver("/alertmanager", Optional.empty());
    closing.add(receiver);
    Path amConfig = tmp.resolve("alertmanager.yml");
    Files.writeString(amConfig, """
        # Every alert to the test's webhook receiver at once, each in a group of its own.
        route:
          receiver: drill
          group_by: ['...']
          group_wait: 1s
          group_interval: 1s
          repeat_interval: 4h
        receivers:
          - name: drill
            webhook_configs:
              - url: '%s'
                send_resolved: true
        """.formatted(receiver.url()));
    Files.copy(amConfig, LOGS.resolve("alerting-alertmanager.yml"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    alertmanager = MonitoringServer.alertmanager(amConfig, tmp.resolve("alertmanager"),
        LOGS.resolve("alerting-alertmanager.log"));
    closing.add(alertmanager);

    List<Path> ruleFiles = ruleFiles();
    String witnessTargets = String.join(", ", witnesses.stream()
        .map(w -> "'" + w.base().getHost() + ":" + w.base().getPort() + "'").toList());
    Path promConfig = tmp.resolve("prometheus.yml");
    Files.writeString(promConfig, """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        rule_files: [%s]
        alerting:
          alertmanagers:
            - static_configs:
                - targets: ['%s']
        scrape_configs:
          - job_name: cairn
            scheme: https
            tls_config:
              ca_file: '%s'
            static_configs:
              - targets: ['%s']
          - job_name: cairn-witness
            static_configs:
              - targets: [%s]
        """.formatted(String.join(", ", ruleFiles.stream().map(f -> "'" + f + "'").toList()),
        alertmanager.address(), caFile, log.base().getHost() + ":" + log.base().getPort(),
        witnessTargets));
    Files.copy(promConfig, LOGS.resolve("alerting-prometheus.yml"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path storage = tmp.resolve("prometheus");
    backfillFreshHistory(storage);
    prometheus = MonitoringServer.prometheus(promConfig, storage,
        LOGS.resolve("alerting-prometheus.log"));
    closing.add(prometheus);

    // Ready: the rules loaded, every target scraped and up, the Alertmanager discovered.
    JsonNode groups = prometheus.api("api/v1/rules").path("groups");
    Set<String> alerts = new TreeSet<>();
    groups.forEach(g -> g.path("rules").forEach(r -> {
      if (r.path("type").asText().equals("alerting")) {
        alerts.add(r.path("name").asText());
      }
    }));
    assertThat(alerts).as("the alerts Prometheus loaded from " + ruleFiles)
        .contains(QUORUM_LOST, FRESHNESS_BURN);
    assertThat(recordingRules()).as("the recording rules Prometheus loaded")
        .contains(FRESHNESS_STALE_RULE);
    poll("every target scraped and up", START_DEADLINE, () -> {
      JsonNode targets = prometheus.api("api/v1/targets?state=active").path("activeTargets");
      int up = 0;
      for (JsonNode t : targets) {
        up += t.path("health").asText().equals("up") ? 1 : 0;
      }
      return up == WITNESSES + 1 && targets.size() == WITNESSES + 1;
    });
    poll("Prometheus to discover the Alertmanager", START_DEADLINE, () -> prometheus
        .api("api/v1/alertmanagers").path("activeAlertmanagers").size() == 1);
  }

  @AfterAll
  void stopThePipeline() throws Exception {
    // Every process is closed, even after one failed to close (or had exited by itself).
    Throwable first = null;
    for (AutoCloseable c : closing.reversed()) {
      try {
        c.close();
      } catch (Exception | AssertionError e) {
        first = first == null ? e : first;
      }
    }
    if (tmp != null) {
      try (Stream<Path> files = Files.walk(tmp)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    if (first != null) {
      throw new AssertionError("closing the pipeline failed", first);
    }
  }

  /**
   * Writes six hours of good checkpoint freshness, one evaluation a second as the drill's
   * Prometheus evaluates, into the TSDB at {@code storage} with {@code promtool tsdb
   * create-blocks-from openmetrics}: the recorded series the freshness burn rates average
   * ({@value #FRESHNESS_STALE_RULE}{@code {job="cairn"}} = 0). A new Prometheus has only the
   * minutes the test ran in its 1 h and 6 h windows, so a few stale seconds would page at once;
   * with the history of a log that has run for hours, the page needs the budget to burn as in
   * production: 14.4 x 0.1% of the hour (52 s) stale, and it resolves once the 5 m window is
   * clean again, the 6 h window having stayed below 6 x 0.1%.
   */
  private static void backfillFreshHistory(Path storage) throws IOException,
      InterruptedException {
    long now = Instant.now().getEpochSecond();
    StringBuilder om = new StringBuilder("# TYPE " + FRESHNESS_STALE_RULE + " gauge\n");
    for (long t = now - HISTORY.toSeconds(); t < now - 60; t++) {
      om.append(FRESHNESS_STALE_RULE).append("{job=\"cairn\"} 0 ").append(t).append('\n');
    }
    om.append("# EOF\n");
    Path input = storage.resolveSibling("fresh-history.om");
    Files.writeString(input, om);
    Path output = LOGS.resolve("alerting-promtool-backfill.log");
    Process p = new ProcessBuilder("promtool", "tsdb", "create-blocks-from", "openmetrics",
        input.toString(), storage.toString()).redirectErrorStream(true)
        .redirectOutput(output.toFile()).start();
    assertThat(p.waitFor()).as("promtool tsdb create-blocks-from: "
        + ServerProcess.excerpt(output)).isZero();
  }

  /** The names of the recording rules Prometheus loaded. */
  private Set<String> recordingRules() throws IOException, InterruptedException {
    Set<String> names = new TreeSet<>();
    for (JsonNode g : prometheus.api("api/v1/rules").path("groups")) {
      for (JsonNode r : g.path("rules")) {
        if (r.path("type").asText().equals("recording")) {
          names.add(r.path("name").asText());
        }
      }
    }
    return names;
  }

  /** The rule files of deploy/prometheus: its YAML files with top-level {@code groups}. */
  private static List<Path> ruleFiles() throws IOException {
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(RULES)) {
      try (Stream<Path> s = Files.list(RULES)) {
        for (Path f : s.sorted().toList()) {
          String name = f.getFileName().toString();
          if ((name.endsWith(".yml") || name.endsWith(".yaml"))
              && Pattern.compile("(?m)^groups:").matcher(Files.readString(f)).find()) {
            files.add(f.toAbsolutePath());
          }
        }
      }
    }
    assertThat(files).as("rule files in " + RULES).isNotEmpty();
    return files;
  }

  /**
   * Every query of the Grafana dashboard runs against the real Prometheus without an error, and
   * names only metrics that the log or a witness exports (with the suffixes of their samples)
   * or that a recording rule of {@code deploy/prometheus} records. Grafana's variables are
   * replaced as Grafana would: {@code $__rate_interval} and {@code $__interval} by 1m, {@code
   * $__range} by 1h, and the dashboard's own variables by their current value (All by the
   * variable's allValue).
   */
  @Test
  @Order(2)
  void everyDashboardPanelQueriesTheRealPrometheus() throws Exception {
    // Traffic on the routes the panels look at, a witness failing a round unless the drill
    // made some (the counter has samples only from the first failure on), then a few scrapes.
    try (LogClient client = log.client(Optional.empty())) {
      long last = 0;
      for (int i = 0; i < 20; i++) {
        last = client.add(("dashboard " + i).getBytes(UTF_8));
      }
      long covered = last;
      poll("a checkpoint covering the entries", RECOVERY_DEADLINE,
          () -> LiveLog.size(client.checkpoint()) > covered);
      get(log.base(), "proof/inclusion?index=0");
      get(log.base(), "proof/consistency?old=1&new=" + (covered + 1));
      if (get(log.base(), "metrics").body().lines()
          .noneMatch(l -> l.startsWith("cairn_witness_failures_total{"))) {
        witnesses.get(2).signal("STOP"); // one of three: the quorum of two still holds
        AtomicLong n = new AtomicLong();
        try {
          poll("a failed round for w3 in /metrics", START_DEADLINE, () -> {
            client.add(("dashboard, w3 stopped " + n.incrementAndGet()).getBytes(UTF_8));
            return get(log.base(), "metrics").body().lines()
                .anyMatch(l -> l.startsWith("cairn_witness_failures_total{"));
          });
        } finally {
          witnesses.get(2).signal("CONT");
        }
      }
    }
    double scrapesAfter = System.currentTimeMillis() / 1000.0 + 2;
    poll("two scrapes of the traffic", START_DEADLINE, () -> value(prometheus.query(
        "timestamp(cairn_up{job=\"cairn\"})")) > scrapesAfter);

    Set<String> exported = new TreeSet<>();
    exported.addAll(sampleNames(get(log.base(), "metrics").body()));
    exported.addAll(sampleNames(get(witnesses.get(0).base(), "metrics").body()));
    exported.addAll(recordingRules());

    JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());
    Map<String, String> variables = variables(dashboard);
    List<String> problems = new ArrayList<>();
    List<String> report = new ArrayList<>();
    int queries = 0;
    for (JsonNode panel : panels(dashboard.path("panels"))) {
      String title = panel.path("title").asText();
      if (panel.path("type").asText().matches("row|text")) {
        continue;
      }
      if (panel.path("targets").isEmpty()) {
        problems.add("panel \"" + title + "\" has no query");
      }
      for (JsonNode target : panel.path("targets")) {
        String raw = target.path("expr").asText();
        if (raw.isBlank()) {
          problems.add("panel \"" + title + "\" has a target without an expr");
          continue;
        }
        String expr = substitute(raw, variables);
        if (expr.contains("$")) {
          problems.add("panel \"" + title + "\": a variable the dashboard does not define in "
              + expr);
          continue;
        }
        for (String name : metricNames(expr)) {
          if (!exported.contains(name)) {
            problems.add("panel \"" + title + "\" queries " + name
                + ", which neither the log nor a witness exports, nor a rule records");
          }
        }
        queries++;
        try {
          JsonNode result = prometheus.query(expr);
          report.add(title + " | " + result.size() + " series | " + expr);
        } catch (MonitoringServer.QueryFailed e) {
          problems.add("panel \"" + title + "\": " + e.getMessage() + "\n    " + expr);
        }
      }
    }
    // The variables' label_values(metric, label) and the alert annotations' queries too.
    for (JsonNode v : dashboard.path("templating").path("list")) {
      Matcher m = Pattern.compile("^label_values\\((.*),\\s*\\w+\\)$")
          .matcher(v.path("definition").asText());
      if (m.matches()) {
        for (String name : metricNames(substitute(m.group(1), variables))) {
          if (!exported.contains(name)) {
            problems.add("variable " + v.path("name").asText() + " reads " + name
                + ", which is not exported");
          }
        }
      }
    }
    for (JsonNode a : dashboard.path("annotations").path("list")) {
      if (a.has("expr")) {
        try {
          prometheus.query(substitute(a.path("expr").asText(), variables));
        } catch (MonitoringServer.QueryFailed e) {
          problems.add("annotation " + a.path("name").asText() + ": " + e.getMessage());
        }
      }
    }
    Files.write(LOGS.resolve("alerting-dashboard-queries.txt"), report);
    assertThat(problems).as("problems with " + DASHBOARD + " (" + queries + " queries)")
        .isEmpty();
    assertThat(queries).as("queries in " + DASHBOARD).isGreaterThan(20);
  }

  /** Every panel, those inside rows (collapsed or not) included. */
  private static List<JsonNode> panels(JsonNode list) {
    List<JsonNode> all = new ArrayList<>();
    for (JsonNode p : list) {
      all.add(p);
      all.addAll(panels(p.path("panels")));
    }
    return all;
  }

  /** The dashboard's variables with the value Grafana would give them as saved. */
  private static Map<String, String> variables(JsonNode dashboard) {
    Map<String, String> values = new LinkedHashMap<>();
    for (JsonNode v : dashboard.path("templating").path("list")) {
      JsonNode current = v.path("current").path("value");
      String value = current.isArray() ? current.get(0).asText() : current.asText();
      if (value.equals("$__all")) {
        value = v.path("allValue").asText(".*");
      }
      values.put(v.path("name").asText(), value);
    }
    values.put("__rate_interval", "1m");
    values.put("__interval", "1m");
    values.put("__range", "1h");
    return values;
  }

  /** {@code expr} with {@code $name}, {@code ${name}} and {@code [[name]]} replaced. */
  static String substitute(String expr, Map<String, String> variables) {
    Matcher m = Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\$(\\w+)|\\[\\[(\\w+)]]")
        .matcher(expr);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2)
          : m.group(3);
      String value = variables.get(name);
      m.appendReplacement(out, Matcher.quoteReplacement(value != null ? value : m.group()));
    }
    return m.appendTail(out).toString();
  }

  /**
   * The metric names in a PromQL expression that are Cairn's, the JVM's or the process's, or
   * recording rules' (with a colon): identifiers outside string literals, label matchers and
   * {@code by}/{@code without} lists.
   */
  static Set<String> metricNames(String expr) {
    String code = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
        .replaceAll("\\{[^}]*}", "{}")
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)",
            "$1()");
    Set<String> names = new TreeSet<>();
    Matcher m = Pattern.compile(
        "(?<![\\w:])((?:cairn|jvm|process)_\\w*|[a-zA-Z_]\\w*:[\\w:]*)").matcher(code);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /** The sample names of a Prometheus text exposition. */
  private static Set<String> sampleNames(String exposition) {
    Set<String> names = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }

  /**
   * The game day: the witness quorum lost under writes; the page and the cause reach the
   * receiver with their runbook links; the runbook's mitigation restores publication of every
   * acknowledged entry; the cause resolves (and with {@code cairn.interop.gameDay}, the page).
   */
  @Test
  @Order(1)
  void quorumLostPagesAndTheRunbookRestoresPublication() throws Exception {
    Timeline timeline = new Timeline();
    Ledger ledger = new Ledger();
    LogClient client = log.client(Optional.empty());
    Writer writer = new Writer(client, ledger);
    closing.add(writer::stop);
    writer.start();

    // Healthy: writes published with the quorum, seen by Prometheus, the two alerts silent.
    poll("20 writes acknowledged", START_DEADLINE, () -> ledger.acknowledged().size() >= 20);
    awaitCheckpointCovering(client, ledger, ledger.lastAcknowledged());
    poll("Prometheus to see the quorum met", START_DEADLINE,
        () -> value(prometheus.query("cairn_checkpoint_quorum_met{job=\"cairn\"}")) == 1);
    assertThat(firingAt(QUORUM_LOST)).as(QUORUM_LOST + " before the fault").isEmpty();
    assertThat(firingAt(FRESHNESS_BURN)).as(FRESHNESS_BURN + " before the fault").isEmpty();
    assertThat(received(QUORUM_LOST, "firing", a -> true)).as("received before the fault")
        .isEmpty();
    assertThat(received(FRESHNESS_BURN, "firing", a -> true)).as("received before the fault")
        .isEmpty();
    timeline.mark("healthy: " + ledger.acknowledged().size() + " entries acknowledged and "
        + "published with the quorum; freshness objective " + value(prometheus.query(
            "cairn_checkpoint_freshness_objective_seconds{job=\"cairn\"}")) + " s");

    // The fault: two of three witnesses paused, one short of the quorum of two.
    Instant fault = timeline.mark("fault injected: SIGSTOP to witnesses w2 and w3");
    witnesses.get(1).signal("STOP");
    witnesses.get(2).signal("STOP");
    long ackedAtFault = ledger.lastAcknowledged();

    poll("writes acknowledged while the quorum is lost", ALERT_DEADLINE,
        () -> ledger.lastAcknowledged() > ackedAtFault + 10);
    timeline.mark("writes still acknowledged (index " + ledger.lastAcknowledged() + ")");

    // Both alerts at the receiver; then when Prometheus saw them, from its API and the payloads.
    AtomicReference<Received> cause = new AtomicReference<>();
    AtomicReference<Received> page = new AtomicReference<>();
    poll(() -> QUORUM_LOST + " and " + FRESHNESS_BURN + " (page) firing at the receiver"
        + " (received: " + receivedSummary() + ")", ALERT_DEADLINE, () -> {
          cause.compareAndSet(null, received(QUORUM_LOST, "firing", a -> true).orElse(null));
          page.compareAndSet(null, received(FRESHNESS_BURN, "firing", a -> a.path("labels")
              .path("severity").asText().equals("page")).orElse(null));
          return cause.get() != null && page.get() != null;
        });
    for (JsonNode a : firingAt(QUORUM_LOST)) {
      timeline.mark(QUORUM_LOST + " pending in Prometheus (quorum_met 0 scraped)",
          Instant.parse(a.path("activeAt").asText()));
    }
    timeline.mark(QUORUM_LOST + " firing in Prometheus (after for: 30s)", Instant.parse(
        cause.get().alert().path("startsAt").asText()));
    timeline.mark(QUORUM_LOST + " (" + cause.get().alert().path("labels").path("severity")
        .asText() + ") firing at the receiver", cause.get().at());
    timeline.mark(FRESHNESS_BURN + " (page) firing in Prometheus", Instant.parse(page.get()
        .alert().path("startsAt").asText()));
    Instant detected = timeline.mark(FRESHNESS_BURN + " (page) firing at the receiver",
        page.get().at());
    for (JsonNode alert : List.of(cause.get().alert(), page.get().alert())) {
      assertThat(alert.path("labels").path("job").asText()).as("job of " + alert)
          .isEqualTo("cairn");
      assertThat(alert.path("labels").path("severity").asText()).as("severity of " + alert)
          .isIn("page", "ticket", "warning");
      assertThat(alert.path("annotations").path("summary").asText()).as("summary of " + alert)
          .isNotBlank().doesNotContain("\n");
      assertRunbookLink(alert.path("annotations").path("runbook_url").asText());
    }
    assertThat(writer.firstPushback.get()).as("pushback once " + MAX_UNPUBLISHED
        + " acknowledged entries waited for a checkpoint").isNotNull();
    timeline.mark("writes pushed back (503: more than " + MAX_UNPUBLISHED
        + " acknowledged entries wait for a checkpoint)", writer.firstPushback.get());
    assertThat(LiveLog.size(client.checkpoint()))
        .as("the checkpoint served while the quorum is lost")
        .isLessThanOrEqualTo(ledger.lastAcknowledged());

    // Mitigation, as the runbook says: name the failing witnesses from /readyz and the
    // failure counter, and resume those (here SIGCONT; in production, restart or fix them).
    Set<Integer> named = failingWitnessesFromReadyz();
    Set<Integer> counted = failingWitnessesFromMetrics();
    // Both paused witnesses named (a running one that missed a round under load may be too).
    assertThat(named).as("witnesses /readyz names").contains(2, 3);
    assertThat(counted).as("witnesses failing in cairn_witness_failures_total")
        .contains(2, 3);
    Instant mitigation = timeline.mark("mitigation: /readyz and cairn_witness_failures_total"
        + " name w" + String.join(", w", named.stream().map(String::valueOf).toList())
        + "; SIGCONT to them");
    for (int w : named) {
      witnesses.get(w - 1).signal("CONT");
    }

    // Recovery: every acknowledged entry published under the quorum; the cause resolves.
    writer.stop();
    long last = ledger.lastAcknowledged();
    VerifiedCheckpoint published = awaitCheckpointCovering(client, ledger, last);
    Instant recovered = timeline.mark("recovered: checkpoint of size "
        + published.checkpoint().size() + " covers all " + ledger.acknowledged().size()
        + " acknowledged entries, cosigned by " + published.witnesses());
    new RecoveryChecks(ledger, logKeysFile, new Random(18)).check(client);
    timeline.mark(QUORUM_LOST + " resolved at the receiver",
        awaitAlert(QUORUM_LOST, "resolved", RECOVERY_DEADLINE).at());
    poll("/readyz ready again", RECOVERY_DEADLINE,
        () -> get(log.base(), "readyz").statusCode() == 200);
    timeline.mark("/readyz 200");

    if (GAME_DAY) {
      timeline.mark(FRESHNESS_BURN + " (page) resolved at the receiver",
          awaitAlert(FRESHNESS_BURN, "resolved", PAGE_RESOLVE_DEADLINE,
              a -> a.path("labels").path("severity").asText().equals("page")).at());
    }
    timeline.mark("time to detect (fault to page at the receiver): "
        + seconds(Duration.between(fault, detected)));
    timeline.mark("time to recover (fault to every acknowledged entry published): "
        + seconds(Duration.between(fault, recovered)) + ", of which mitigation to recovery "
        + seconds(Duration.between(mitigation, recovered)));
    timeline.write(LOGS.resolve("alerting-timeline.txt"), fault);
    Files.write(LOGS.resolve("alerting-receiver.txt"), receivedAlerts().stream()
        .map(Received::line).toList());
  }

  /** Writes one entry every 20 ms; after a 503, waits 200 ms. */
  private static final class Writer {
    private final LogClient client;
    private final Ledger ledger;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicLong pushedBack = new AtomicLong();
    private final AtomicReference<Instant> firstPushback = new AtomicReference<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private Thread thread;

    Writer(LogClient client, Ledger ledger) {
      this.client = client;
      this.ledger = ledger;
    }

    void start() {
      thread = Thread.ofVirtual().start(() -> {
        for (long n = 0; !stopped.get(); n++) {
          byte[] entry = ("game day entry " + n + " " + System.nanoTime()).getBytes(UTF_8);
          try {
            ledger.acknowledge(client.add(entry), entry);
            LockSupport.parkNanos(20_000_000);
          } catch (LogClient.BadAnswer e) {
            if (!e.isPushback()) {
              failure.set(e);
              return;
            }
            pushedBack.incrementAndGet();
            firstPushback.compareAndSet(null, Instant.now());
            LockSupport.parkNanos(200_000_000);
          } catch (IOException | InterruptedException e) {
            failure.set(e);
            return;
          }
        }
      });
    }

    /** Stops writing, and fails if a write failed other than by pushback. */
    void stop() throws InterruptedException {
      stopped.set(true);
      if (thread != null) {
        thread.join();
      }
      if (failure.get() != null) {
        throw new AssertionError("a write failed", failure.get());
      }
    }
  }

  /** Polls /checkpoint until it covers {@code index}, and verifies it under the policy. */
  private VerifiedCheckpoint awaitCheckpointCovering(LogClient client, Ledger ledger,
      long index) throws Exception {
    AtomicReference<byte[]> note = new AtomicReference<>();
    poll("a checkpoint covering index " + index, RECOVERY_DEADLINE, () -> {
      note.set(client.checkpoint());
      ledger.served(note.get());
      return LiveLog.size(note.get()) > index;
    });
    return verifier.verifyCheckpoint(note.get());
  }

  /** The witnesses (by number) that {@code /readyz} names as failing. */
  private Set<Integer> failingWitnessesFromReadyz() {
    HttpResponse<String> r = get(log.base(), "readyz");
    assertThat(r.statusCode()).as("/readyz while the quorum is lost: " + r.body())
        .isEqualTo(503);
    try {
      Files.writeString(LOGS.resolve("alerting-readyz.txt"), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Set<Integer> named = new TreeSet<>();
    Matcher m = Pattern.compile("\\bw(\\d)-(?:ed|pq)\\b").matcher(r.body());
    while (m.find()) {
      named.add(Integer.parseInt(m.group(1)));
    }
    return named;
  }

  /** The witnesses (by number) whose failures grew over the last minute, by Prometheus. */
  private Set<Integer> failingWitnessesFromMetrics() throws Exception {
    Set<Integer> failing = new TreeSet<>();
    JsonNode result = prometheus.query("sum by (witness) (increase("
        + "cairn_witness_failures_total{job=\"cairn\"}[1m])) > 0");
    Files.writeString(LOGS.resolve("alerting-witness-failures.json"), result.toPrettyString());
    for (JsonNode s : result) {
      Matcher m = Pattern.compile("^w(\\d)-")
          .matcher(s.path("metric").path("witness").asText());
      if (m.find()) {
        failing.add(Integer.parseInt(m.group(1)));
      }
    }
    return failing;
  }

  /**
   * Checks that {@code url} ends in {@code docs/operations/runbook.md#<anchor>} and that the
   * runbook has a heading with that GitHub anchor.
   */
  private static void assertRunbookLink(String url) throws IOException {
    Matcher m = Pattern.compile("(?:^|/)docs/operations/runbook\\.md#([a-z0-9_-]+)$")
        .matcher(url);
    assertThat(m.find()).as("runbook_url " + url + " points into docs/operations/runbook.md")
        .isTrue();
    assertThat(anchors(RUNBOOK)).as("headings of " + RUNBOOK).contains(m.group(1));
  }

  /** The GitHub anchors of the headings of a Markdown file (outside code fences). */
  static Set<String> anchors(Path markdown) throws IOException {
    Set<String> anchors = new LinkedHashSet<>();
    boolean fenced = false;
    for (String line : Files.readAllLines(markdown, UTF_8)) {
      if (line.startsWith("```")) {
        fenced = !fenced;
      } else if (!fenced && line.matches("#{1,6} .*")) {
        String base = line.replaceFirst("^#+ ", "").strip().toLowerCase(java.util.Locale.ROOT)
            .replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
        String anchor = base;
        for (int i = 1; !anchors.add(anchor); i++) {
          anchor = base + "-" + i;
        }
      }
    }
    return anchors;
  }

  /**
   * Waits until the receiver got {@code name} with {@code status} ("firing" or "resolved") in
   * an Alertmanager webhook payload, and returns that alert.
   */
  private Received awaitAlert(String name, String status, Duration deadline) {
    return awaitAlert(name, status, deadline, a -> true);
  }

  private Received awaitAlert(String name, String status, Duration deadline,
      java.util.function.Predicate<JsonNode> which) {
    AtomicReference<Received> found = new AtomicReference<>();
    poll(() -> name + " " + status + " at the receiver (received: " + receivedSummary() + ")",
        deadline, () -> {
          found.set(received(name, status, which).orElse(null));
          return found.get() != null;
        });
    return found.get();
  }

  /** The first alert {@code name} with {@code status} the receiver got that {@code which}. */
  private Optional<Received> received(String name, String status,
      java.util.function.Predicate<JsonNode> which) {
    for (Received r : receivedAlerts()) {
      JsonNode alert = r.alert();
      if (alert.path("labels").path("alertname").asText().equals(name)
          && alert.path("status").asText().equals(status) && which.test(alert)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  /** An alert in a webhook payload, and when the payload arrived. */
  private record Received(Instant at, JsonNode alert) {
    String line() {
      JsonNode labels = alert.path("labels");
      return at + "  " + alert.path("status").asText() + "  " + labels.path("alertname")
          .asText() + "  severity=" + labels.path("severity").asText() + " job="
          + labels.path("job").asText() + "  " + alert.path("annotations").path("runbook_url")
          .asText() + "  " + alert.path("annotations").path("summary").asText();
    }
  }

  /** Every alert in every webhook payload received, in order. */
  private List<Received> receivedAlerts() {
    List<Received> alerts = new ArrayList<>();
    for (AlertReceiver.Delivery d : receiver.deliveries()) {
      d.json().path("alerts").forEach(a -> alerts.add(new Received(d.received(), a)));
    }
    return alerts;
  }

  private String receivedSummary() {
    return String.join(", ", receivedAlerts().stream().map(Received::alert).map(a -> a
        .path("labels").path("alertname").asText() + "/" + a.path("labels").path("severity")
        .asText() + "=" + a.path("status").asText()).toList());
  }

  /** The alerts named {@code name} Prometheus has firing now. */
  private List<JsonNode> firingAt(String name) throws Exception {
    List<JsonNode> firing = new ArrayList<>();
    for (JsonNode a : prometheus.api("api/v1/alerts").path("alerts")) {
      if (a.path("labels").path("alertname").asText().equals(name)
          && a.path("state").asText().equals("firing")) {
        firing.add(a);
      }
    }
    return firing;
  }

  /** The value of a one-sample instant-query result, NaN if it has none. */
  private static double value(JsonNode result) {
    return result.size() == 1 ? result.get(0).path("value").get(1).asDouble() : Double.NaN;
  }

  private HttpResponse<String> get(URI base, String path) {
    try {
      return http.send(HttpRequest.newBuilder(base.resolve(path)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  /** A condition polled until it holds; it may throw while the state is not there yet. */
  private interface Condition {
    boolean holds() throws Exception;
  }

  /** Polls every 100 ms until {@code condition} holds, failing after {@code deadline}. */
  private static void poll(String what, Duration deadline, Condition condition) {
    poll(() -> what, deadline, condition);
  }

  /** As {@link #poll(String, Duration, Condition)}, describing the wait when it fails. */
  private static void poll(java.util.function.Supplier<String> what, Duration deadline,
      Condition condition) {
    long end = System.nanoTime() + deadline.toNanos();
    Exception last = null;
    while (true) {
      try {
        if (condition.holds()) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() - end > 0) {
        throw new AssertionError("timed out after " + deadline + " waiting for " + what.get(),
            last);
      }
      LockSupport.parkNanos(100_000_000);
    }
  }

  /** What happened when; printed as it happens and written, in order, to a file. */
  private static final class Timeline {
    private final Instant start = Instant.now();
    private final List<Map.Entry<Instant, String>> marks =
        java.util.Collections.synchronizedList(new ArrayList<>());

    /** Marks {@code what} as happening now, and returns now. */
    Instant mark(String what) {
      return mark(what, Instant.now());
    }

    /** Marks {@code what} as having happened at {@code at}, and returns it. */
    Instant mark(String what, Instant at) {
      marks.add(Map.entry(at, what));
      System.out.println(String.format(java.util.Locale.ROOT, "[game day] T+%6.1f s  %s",
          Duration.between(start, at).toMillis() / 1000.0, what));
      return at;
    }

    /** Writes every mark, timed from {@code zero} (the fault) and in UTC, to {@code file}. */
    void write(Path file, Instant zero) throws IOException {
      List<String> lines = new ArrayList<>();
      for (Map.Entry<Instant, String> e : marks.stream()
          .sorted(Map.Entry.comparingByKey()).toList()) {
        lines.add(String.format(java.util.Locale.ROOT, "T%+7.1f s  %s  %s",
            Duration.between(zero, e.getKey()).toMillis() / 1000.0, e.getKey(), e.getValue()));
      }
      Files.write(file, lines);
      System.out.println("[game day] timeline, from the fault:\n" + String.join("\n", lines));
    }
  }
}
