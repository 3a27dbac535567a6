package dev.cairn.monitor.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The report directory on real files: reports written whole and once, listed newest first by
 * cursor, retained by age and count, run IDs that cannot leave the directory, and what a crash
 * leaves behind.
 */
class ReportStoreTest {
  private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
  @TempDir Path dir;

  private ReportStore open() throws Exception {
    return ReportStore.open(dir.resolve("reports"));
  }

  private static List<String> ids(ReportStore.Page page) {
    return page.reports().stream().map(Report::runId).toList();
  }

  @Test
  void aWrittenReportIsReadBackWithItsJsonAndHtmlOnDisk() throws Exception {
    ReportStore store = open();
    Report r = Reports.golden();
    assertThat(store.write(r)).isTrue();
    assertThat(store.read(r.runId())).contains(r);
    assertThat(store.html(r.runId())).hasValueSatisfying(
        h -> assertThat(h).isEqualTo(ReportHtml.render(r)));
    assertThat(dir.resolve("reports").resolve(r.runId() + ".json"))
        .hasBinaryContent(ReportJson.write(r));
    assertThat(dir.resolve("reports").resolve(r.runId() + ".html"))
        .hasBinaryContent(ReportHtml.render(r));
    assertThat(store.read("other")).isEmpty();
    assertThat(store.html("other")).isEmpty();
    assertThat(open().read(r.runId())).contains(r);
  }

  @Test
  void writingTheSameReportAgainChangesNothing() throws Exception {
    ReportStore store = open();
    Report r = Reports.golden();
    store.write(r);
    Path json = dir.resolve("reports").resolve(r.runId() + ".json");
    FileTime old = FileTime.from(T0);
    Files.setLastModifiedTime(json, old);
    assertThat(store.write(Reports.golden())).isFalse();
    assertThat(Files.getLastModifiedTime(json)).isEqualTo(old);
    assertThat(ids(store.list(10))).containsExactly(r.runId());
  }

  @Test
  void anotherReportOfTheSameRunIsRefused() throws Exception {
    ReportStore store = open();
    store.write(Reports.quiet("run-1", T0));
    assertThatThrownBy(() -> store.write(Reports.quiet("run-1", T0.plusSeconds(1))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("run-1");
    assertThat(store.read("run-1")).contains(Reports.quiet("run-1", T0));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "..", ".", "../x", "a/b", "a\\b", ".hidden", "a b", "x\u0000",
      "é", "/etc/passwd",
      // 65 characters
      "a1234567890123456789012345678901234567890123456789012345678901234"})
  void aRunIdThatIsNotOneIsRefusedByName(String runId) throws Exception {
    ReportStore store = open();
    String named = runId.length() > 80 ? runId.substring(0, 80) : runId;
    assertThatThrownBy(() -> store.read(runId)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"" + named);
    assertThatThrownBy(() -> store.html(runId)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.list(runId, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.write(Reports.quiet(runId, T0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("run_id");
    try (var files = Files.list(dir.resolve("reports"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("tmp");
    }
  }

  @Test
  void aRunIdOfSixtyFourSafeCharactersIsAccepted() throws Exception {
    ReportStore store = open();
    String id = "Az09._-" + "x".repeat(57);
    store.write(Reports.quiet(id, T0));
    assertThat(store.read(id)).isPresent();
  }

  @Test
  void listingIsNewestFirstByStartThenRunIdAndPagesByCursor() throws Exception {
    ReportStore store = open();
    // Written out of order; b and c started at the same instant.
    store.write(Reports.quiet("c", T0.plusSeconds(60)));
    store.write(Reports.quiet("a", T0));
    store.write(Reports.quiet("d", T0.plusSeconds(120)));
    store.write(Reports.quiet("b", T0.plusSeconds(60)));
    store.write(Reports.quiet("e", T0.minusSeconds(60)));
    assertThat(ids(store.list(100))).containsExactly("d", "c", "b", "a", "e");

    List<String> seen = new ArrayList<>();
    ReportStore.Page page = store.list(2);
    seen.addAll(ids(page));
    while (page.next().isPresent()) {
      page = store.list(page.next().get(), 2);
      seen.addAll(ids(page));
    }
    assertThat(seen).containsExactly("d", "c", "b", "a", "e");
    assertThat(store.list(2).next()).contains("c");
    assertThat(store.list("b", 2).next()).isEmpty();
    assertThat(ids(store.list("e", 2))).isEmpty();
    // The order survives a restart.
    assertThat(ids(open().list("c", 100))).containsExactly("b", "a", "e");
  }

  @Test
  void aCursorNoLongerKeptHasNothingAfterIt() throws Exception {
    ReportStore store = open();
    store.write(Reports.quiet("a", T0));
    assertThat(store.list("gone", 10)).isEqualTo(new ReportStore.Page(List.of(),
        Optional.empty()));
  }

  @Test
  void aPageHoldsOneToAHundred() throws Exception {
    ReportStore store = open();
    for (int limit : new int[] {0, -1, 101}) {
      assertThatThrownBy(() -> store.list(limit)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(String.valueOf(limit));
      assertThatThrownBy(() -> store.list("gone", limit))
          .isInstanceOf(IllegalArgumentException.class);
    }
    for (int i = 0; i < 101; i++) {
      store.write(Reports.quiet("r" + i, T0.plusSeconds(i)));
    }
    ReportStore.Page page = store.list(100);
    assertThat(page.reports()).hasSize(100);
    assertThat(page.next()).contains("r1");
    assertThat(ids(store.list("r1", 100))).containsExactly("r0");
  }

  @Test
  void retentionDeletesTheOldestBeyondEitherBound() throws Exception {
    ReportStore store = open();
    for (int i = 0; i < 6; i++) {
      store.write(Reports.quiet("r" + i, T0.plus(Duration.ofDays(i))));
    }
    Instant now = T0.plus(Duration.ofDays(5));
    // By count: keep 4.
    assertThat(store.retain(Duration.ofDays(365), 4, now)).isEqualTo(2);
    assertThat(ids(store.list(100))).containsExactly("r5", "r4", "r3", "r2");
    // By age: r2 started 3 days before now, beyond 2.5 days.
    assertThat(store.retain(Duration.ofHours(60), 100, now)).isEqualTo(1);
    assertThat(ids(store.list(100))).containsExactly("r5", "r4", "r3");
    assertThat(store.retain(Duration.ofHours(60), 100, now)).isZero();
    assertThat(store.read("r0")).isEmpty();
    assertThat(store.html("r0")).isEmpty();
    try (var files = Files.list(dir.resolve("reports"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("tmp",
          "r3.json", "r3.html", "r4.json", "r4.html", "r5.json", "r5.html");
    }
    assertThat(ids(open().list(100))).containsExactly("r5", "r4", "r3");
  }

  @Test
  void retentionNeedsPositiveBounds() throws Exception {
    ReportStore store = open();
    assertThatThrownBy(() -> store.retain(Duration.ZERO, 1, T0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.retain(Duration.ofDays(-1), 1, T0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.retain(Duration.ofDays(1), 0, T0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void whatACrashLeftIsIgnoredAndRemovedOnOpen() throws Exception {
    ReportStore store = open();
    Report kept = Reports.quiet("kept", T0);
    store.write(kept);
    Path reports = dir.resolve("reports");
    // A crash before the JSON's rename: its temporary file, and the HTML already in place.
    Report lost = Reports.quiet("lost", T0.plusSeconds(1));
    Files.write(reports.resolve("tmp/lost.json.1234abcd.tmp"),
        ReportJson.write(lost), java.nio.file.StandardOpenOption.CREATE_NEW);
    Files.write(reports.resolve("lost.html"), ReportHtml.render(lost));
    assertThat(store.read("lost")).isEmpty();
    assertThat(store.html("lost")).isEmpty();
    assertThat(ids(store.list(10))).containsExactly("kept");

    ReportStore reopened = open();
    assertThat(reports.resolve("lost.html")).doesNotExist();
    try (var files = Files.list(reports.resolve("tmp"))) {
      assertThat(files).isEmpty();
    }
    assertThat(ids(reopened.list(10))).containsExactly("kept");
    // The run can be written whole now.
    assertThat(reopened.write(lost)).isTrue();
    assertThat(ids(reopened.list(10))).containsExactly("lost", "kept");
  }

  @Test
  void aMissingHtmlFileIsRenderedFromTheReport() throws Exception {
    ReportStore store = open();
    Report r = Reports.golden();
    store.write(r);
    Files.delete(dir.resolve("reports").resolve(r.runId() + ".html"));
    assertThat(store.html(r.runId())).hasValueSatisfying(
        h -> assertThat(h).isEqualTo(ReportHtml.render(r)));
  }

  @Test
  void filesThatAreNotReportsAreLeftAlone() throws Exception {
    Path reports = Files.createDirectories(dir.resolve("reports"));
    Files.writeString(reports.resolve("README"), "notes");
    Files.writeString(reports.resolve(".x.json"), "{}");
    ReportStore store = open();
    assertThat(store.list(10).reports()).isEmpty();
    assertThat(reports.resolve("README")).hasContent("notes");
  }

  @Test
  void aCorruptReportStopsTheOpenNamingItsFile() throws Exception {
    Path reports = Files.createDirectories(dir.resolve("reports"));
    Files.writeString(reports.resolve("bad.json"), "{\"schema_version\": 1}",
        StandardCharsets.UTF_8);
    assertThatThrownBy(this::open).isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("bad.json").hasMessageContaining("missing field");
    Files.write(reports.resolve("bad.json"), ReportJson.write(Reports.quiet("other", T0)));
    assertThatThrownBy(this::open).hasMessageContaining("bad.json")
        .hasMessageContaining("\"other\"");
  }
}
