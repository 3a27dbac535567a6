package dev.cairn.monitor.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The JSON form: canonical bytes (the golden file), an exact round trip, and a strict reader
 * whose every refusal names the field.
 */
class ReportJsonTest {
  private static final String GOLDEN = new String(ReportJson.write(Reports.golden()),
      StandardCharsets.UTF_8);

  private static Report read(String json) {
    return ReportJson.read(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theGoldenReportIsWrittenByteForByte() throws Exception {
    byte[] written = ReportJson.write(Reports.golden());
    assertThat(written).isEqualTo(Golden.of("golden.json", written));
  }

  @Test
  void equalReportsGiveEqualBytesAndReadingRoundTrips() {
    Report r = Reports.golden();
    byte[] once = ReportJson.write(r);
    assertThat(ReportJson.write(Reports.golden())).isEqualTo(once);
    Report back = ReportJson.read(once);
    assertThat(back).isEqualTo(r);
    assertThat(ReportJson.write(back)).isEqualTo(once);
  }

  @Test
  void theFormIsTwoSpaceIndentedLfOnlyWithOneTrailingNewlineAndFieldsInOrder() {
    assertThat(GOLDEN).startsWith("{\n  \"schema_version\": 1,\n  \"run_id\": ")
        .endsWith("\n}\n").doesNotEndWith("\n\n").doesNotContain("\r").doesNotContain("\t");
    List<String> order = List.of("\"schema_version\"", "\"run_id\"", "\"started\"",
        "\"finished\"", "\"config_hash\"", "\"summary\"", "\"logs\"", "\"findings\"",
        "\"resolved\"");
    for (int i = 1; i < order.size(); i++) {
      assertThat(GOLDEN.indexOf("\n  " + order.get(i)))
          .isGreaterThan(GOLDEN.indexOf("\n  " + order.get(i - 1)));
    }
    assertThat(GOLDEN).contains("\"started\": \"2026-03-14T09:26:53Z\"")
        .contains("\"first_seen\": \"2026-03-13T21:00:00.123456Z\"");
  }

  @Test
  void theSummaryCountsFindingsBySeverityAndNamesTheWorst() {
    assertThat(GOLDEN).contains("\"summary\": {\n    \"critical\": 1,\n    \"error\": 1,\n"
        + "    \"warning\": 0,\n    \"info\": 1,\n    \"worst\": \"critical\"\n  }");
    String quiet = new String(ReportJson.write(Reports.quiet("q", Reports.STARTED)),
        StandardCharsets.UTF_8);
    assertThat(quiet).contains("\"worst\": null").contains("\"findings\": [],")
        .contains("\"resolved\": []\n");
  }

  @Test
  void emptyOptionalsAreLeftOut() {
    Report r = Reports.golden();
    String unreachable = GOLDEN.substring(GOLDEN.indexOf("\"status\": \"unreachable\""));
    unreachable = unreachable.substring(0, unreachable.indexOf('}'));
    assertThat(unreachable).doesNotContain("size").doesNotContain("root")
        .contains("\"entries_replayed\": 0");
    assertThat(ReportJson.read(ReportJson.write(r)).logs().get(1).size()).isEmpty();
  }

  @Test
  void derivedFieldsAreWrittenFromTheRule() {
    assertThat(GOLDEN).contains("\"consequence\": \""
        + Rule.LOG_SPLIT_VIEW.consequence() + "\"");
    // Another wording (an older monitor's) reads, and is written again from the rule.
    String old = GOLDEN.replace(Rule.LOG_SPLIT_VIEW.consequence(), "older words");
    assertThat(ReportJson.write(read(old))).isEqualTo(ReportJson.write(Reports.golden()));
  }

  @Test
  void writeRefusesWhatReadWouldRefuse() {
    Report r = Reports.golden();
    assertThatThrownBy(() -> ReportJson.write(new Report("../etc/passwd", r.started(),
        r.finished(), r.configHash(), r.logs(), r.findings(), r.resolved())))
        .isInstanceOf(InvalidReportException.class).hasMessageContaining("run_id")
        .hasMessageContaining("../etc/passwd");
    assertThatThrownBy(() -> ReportJson.write(new Report("r", r.started(), r.finished(),
        "SHA256:abc", r.logs(), r.findings(), r.resolved())))
        .hasMessageContaining("config_hash");
    LogResult sizeOnly = new LogResult("l", "u", "ok", Optional.of(1L), Optional.empty(),
        Optional.empty(), 0, true);
    assertThatThrownBy(() -> ReportJson.write(new Report("r", r.started(), r.finished(),
        r.configHash(), List.of(sizeOnly), List.of(), List.of())))
        .hasMessageContaining("logs[0]: size and root");
    LogResult badStatus = new LogResult("l", "u", "fine", Optional.empty(), Optional.empty(),
        Optional.empty(), 0, true);
    assertThatThrownBy(() -> ReportJson.write(new Report("r", r.started(), r.finished(),
        r.configHash(), List.of(badStatus), List.of(), List.of())))
        .hasMessageContaining("logs[0].status");
    Finding f = r.findings().get(0);
    Finding badFp = new Finding(f.rule(), f.log(), f.summary(), f.observed(), f.expected(),
        f.evidence(), "XYZ", f.firstSeen(), f.lastSeen());
    assertThatThrownBy(() -> ReportJson.write(new Report("r", r.started(), r.finished(),
        r.configHash(), r.logs(), List.of(badFp), List.of())))
        .hasMessageContaining("findings[0].fingerprint");
    assertThatThrownBy(() -> ReportJson.write(new Report("r",
        Instant.parse("+10000-01-01T00:00:00Z"), r.finished(), r.configHash(), r.logs(),
        List.of(), List.of()))).hasMessageContaining("started");
  }

  @Test
  void readRefusesWhatIsNotJsonOrHasMore() {
    assertThatThrownBy(() -> read("")).isInstanceOf(InvalidReportException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> read("{\"schema_version\": 1,"))
        .isInstanceOf(InvalidReportException.class).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> read(GOLDEN + "{}")).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> read("[]")).hasMessageContaining("report: ARRAY is not an object");
    assertThatThrownBy(() -> ReportJson.read(new byte[ReportJson.MAX_BYTES + 1]))
        .hasMessageContaining("more than the " + ReportJson.MAX_BYTES);
  }

  @Test
  void readRefusesARepeatedKey() {
    assertThatThrownBy(() -> read(GOLDEN.replace("\"run_id\": ",
        "\"run_id\": \"other\",\n  \"run_id\": "))).hasMessageContaining("run_id")
        .hasMessageContaining("Duplicate");
  }

  @Test
  void readNamesThePathOfWhatIsWrong() {
    String fp = Reports.golden().findings().get(1).fingerprint();
    assertThatThrownBy(() -> read(GOLDEN.replace("\"schema_version\": 1",
        "\"schema_version\": 2"))).hasMessageContaining("schema_version 2 is not supported");
    assertThatThrownBy(() -> read(GOLDEN.replace("\"run_id\"", "\"runId\"")))
        .hasMessageContaining("report: unknown field \"runId\"");
    assertThatThrownBy(() -> read(GOLDEN.replace("\"fingerprint\": \"" + fp + "\",", "")))
        .hasMessageContaining("findings[1]: missing field \"fingerprint\"");
    assertThatThrownBy(() -> read(GOLDEN.replace(fp, fp.toUpperCase())))
        .hasMessageContaining("findings[1].fingerprint: \"" + fp.toUpperCase() + "\"");
    assertThatThrownBy(() -> read(GOLDEN.replace("\"log.split_view\"", "\"log.splitview\"")))
        .hasMessageContaining("findings[0].rule: unknown rule \"log.splitview\"");
    assertThatThrownBy(() -> read(GOLDEN.replace("\"severity\": \"info\"",
        "\"severity\": \"minor\""))).hasMessageContaining("findings[2].severity");
    assertThatThrownBy(() -> read(GOLDEN.replace("\"size\": 1234", "\"size\": 1234.0")))
        .hasMessageContaining("logs[0].size: 1234.0 is not an integer");
    assertThatThrownBy(() -> read(GOLDEN.replace("\"size\": 1234", "\"size\": -1")))
        .hasMessageContaining("logs[0].size: -1 is negative");
    assertThatThrownBy(() -> read(GOLDEN.replace("\"accepted\": false", "\"accepted\": 0")))
        .hasMessageContaining("logs[0].accepted");
    assertThatThrownBy(() -> read(GOLDEN.replace("\"kind\": \"text\"", "\"kind\": 7")))
        .hasMessageContaining("findings[2].evidence[0].kind: NUMBER is not a string");
    assertThatThrownBy(() -> read(GOLDEN.replace("\"started\": \"2026-03-14T09:26:53Z\"",
        "\"started\": \"2026-03-14T10:26:53+01:00\"")))
        .hasMessageContaining("started: \"2026-03-14T10:26:53+01:00\" is not an instant");
    assertThatThrownBy(() -> read(GOLDEN.replace("\"started\": \"2026-03-14T09:26:53Z\"",
        "\"started\": \"2026-03-14T09:26:53.000Z\""))).hasMessageContaining("started");
    assertThatThrownBy(() -> read(GOLDEN.replace("\"status\": \"unreachable\"",
        "\"status\": \"down\""))).hasMessageContaining("logs[1].status: \"down\"");
    assertThatThrownBy(() -> read(GOLDEN.replace("\"worst\": \"critical\"",
        "\"worst\": \"dire\""))).hasMessageContaining("summary.worst");
  }

  @Test
  void aHostileValueIsCutInTheMessage() {
    String longId = "x".repeat(5000);
    assertThatThrownBy(() -> read(GOLDEN.replace("\"run-2026-03-14T09.26.53Z-7f3a\"",
        "\"" + longId + "\""))).hasMessageContaining("run_id")
        .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(300));
  }
}
