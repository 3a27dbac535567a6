package dev.cairn.release.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.release.build.Evidence.BadInputException;
import dev.cairn.release.build.Evidence.Control;
import dev.cairn.release.build.Evidence.ControlResult;
import dev.cairn.release.build.Evidence.EvidenceResult;
import dev.cairn.release.build.Evidence.FuzzClass;
import dev.cairn.release.build.Evidence.FuzzTarget;
import dev.cairn.release.build.Evidence.Readiness;
import dev.cairn.release.build.Evidence.Ref;
import dev.cairn.release.build.Evidence.Risk;
import dev.cairn.release.build.Evidence.Status;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The readiness report over a repository in a temporary directory: a catalogue, a threat model,
 * test sources and Surefire reports (two fixtures in the format Surefire 3 writes); and the real
 * catalogue against the real repository.
 */
class EvidenceTest {
  private static final Instant RUN = Instant.parse("2025-03-01T10:00:00Z");
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2025-03-01T10:30:00Z"), ZoneOffset.UTC);
  private static final String PASSING = "TEST-dev.cairn.demo.PassingTest.xml";
  private static final String FAILING = "TEST-dev.cairn.demo.FailingTest.xml";
  private static final String CATALOGUE = """
      # fixture
      control good Everything passed
        threat T1 T2
        evidence demo:PassingTest

      control bad A test failed
        threat T2
        evidence demo:PassingTest#plain
        evidence demo:FailingTest

      control partial One report missing
        evidence demo:PassingTest#parameterised
        evidence demo:MissingTest
      """;
  private static final String THREAT_MODEL = """
      # Threat model

      | # | threat | control | shown by | status |
      |---|---|---|---|---|
      | T1 | Writes without credentials | JWT | `AuthTest` | done |
      | T2 | Floods from one client | token buckets | `RateLimitTest` | done; many addresses \
      (a botnet) are bounded only by `max_connections` |
      | T3 | Malformed input \\| crashes | strict parsers | `ParsersFuzzTest` | done (backup \
      manifest: unit tests only) |
      | T4 | A fork | witnesses | none | not built |
      """;

  @TempDir
  Path root;

  @BeforeEach
  void aRepository() throws IOException {
    write(Evidence.CATALOGUE, CATALOGUE);
    write(Evidence.THREAT_MODEL, THREAT_MODEL);
    for (String name : List.of("PassingTest", "FailingTest", "MissingTest")) {
      write("demo/src/test/java/dev/cairn/demo/" + name + ".java",
          "package dev.cairn.demo;\n\nclass " + name + " {}\n");
    }
    report(PASSING, "surefire-reports", fixture(PASSING), RUN);
    report(FAILING, "surefire-reports", fixture(FAILING), RUN);
  }

  @Test
  void aControlWhoseEvidenceAllRanAndPassedPasses() {
    ControlResult good = control(build(), "good");

    assertThat(good.status()).isEqualTo(Status.PASSED);
    EvidenceResult e = good.evidence().get(0);
    assertThat(e.status()).isEqualTo(Status.PASSED);
    assertThat(List.of(e.tests(), e.failures(), e.errors(), e.skipped())).containsExactly(4, 0,
        0, 0);
    assertThat(e.millis()).isEqualTo(1750);
    assertThat(e.source()).contains("demo/src/test/java/dev/cairn/demo/PassingTest.java");
    assertThat(e.reports()).singleElement().satisfies(f -> {
      assertThat(f.path()).isEqualTo("demo/target/surefire-reports/" + PASSING);
      assertThat(f.modified()).isEqualTo(RUN);
    });
  }

  @Test
  void aFailedTestFailsItsControlAndIsNamedWithItsMessage() {
    Readiness r = build();
    ControlResult bad = control(r, "bad");

    assertThat(bad.status()).isEqualTo(Status.FAILED);
    EvidenceResult plain = bad.evidence().get(0);
    assertThat(plain.status()).isEqualTo(Status.PASSED);
    assertThat(plain.tests()).isEqualTo(1);
    EvidenceResult failing = bad.evidence().get(1);
    assertThat(failing.status()).isEqualTo(Status.FAILED);
    assertThat(List.of(failing.tests(), failing.failures(), failing.errors(), failing.skipped()))
        .containsExactly(4, 1, 1, 1);
    assertThat(failing.problems()).extracting(Evidence.TestCase::name).containsExactly(
        "aTokenOfAnotherTypeIsRefused", "needsAnHsm", "theServerStarts");
    assertThat(failing.problems().get(0).message())
        .isEqualTo("expected: 401 but was: 200 <html> | \"quoted\" \\ back");
    assertThat(Evidence.markdown(r))
        .contains("| `bad` A test failed | failed | 1 of 2 | T2 |")
        .contains("- `aTokenOfAnotherTypeIsRefused`: failure, expected: 401 but was: 200"
            + " &lt;html&gt; | \"quoted\" \\ back\n")
        .contains("- `theServerStarts`: error, Address already in use\n");
  }

  @Test
  void evidenceWithoutAReportIsNotRunAndTheLogIsNotReady() {
    Readiness r = build();
    ControlResult partial = control(r, "partial");

    assertThat(partial.status()).isEqualTo(Status.NOT_RUN);
    assertThat(partial.evidence().get(0).status()).isEqualTo(Status.PASSED);
    assertThat(partial.evidence().get(0).tests()).isEqualTo(2);
    EvidenceResult missing = partial.evidence().get(1);
    assertThat(missing.status()).isEqualTo(Status.NOT_RUN);
    assertThat(missing.tests()).isZero();
    assertThat(missing.reports()).isEmpty();
    assertThat(r.ready()).isFalse();
    assertThat(r.notReady()).extracting(c -> c.control().id()).containsExactly("bad", "partial");
    assertThat(Evidence.markdown(r)).startsWith("# Cairn readiness: not ready\n")
        .contains("not ready: `bad` (failed), `partial` (not run)")
        .contains("| [`demo:MissingTest`](../../demo/src/test/java/dev/cairn/demo/MissingTest.java)"
            + " | not run | 0 | 0 | 0 | 0 | 0.000 | none |");
  }

  @Test
  void theReportIsReadyOnlyOnceEveryEvidenceRanAndPassed() throws IOException {
    String fixed = fixture(FAILING).replaceAll("(?s)<failure .*?</failure>", "")
        .replaceAll("(?s)<error .*?</error>", "");
    report(FAILING, "surefire-reports", fixed, RUN);
    assertThat(control(build(), "bad").status()).isEqualTo(Status.SKIPPED);

    report(FAILING, "surefire-reports", fixed.replaceAll("<skipped [^>]*/>", ""), RUN);
    assertThat(control(build(), "bad").status()).isEqualTo(Status.PASSED);
    assertThat(build().status()).isEqualTo("not ready");

    report("TEST-dev.cairn.demo.MissingTest.xml", "failsafe-reports",
        fixture(PASSING).replace("PassingTest", "MissingTest"), RUN);
    Readiness r = build();
    assertThat(r.notReady()).isEmpty();
    assertThat(r.status()).isEqualTo("ready");
    assertThat(Evidence.markdown(r)).startsWith("# Cairn readiness: ready\n");
  }

  @Test
  void nestedClassesCountForTheirOuterClassAndATestReportedTwiceCountsOnce() throws IOException {
    write(Evidence.CATALOGUE, CATALOGUE + """
        control nested Only the nested class
          evidence demo:PassingTest$Nested
        """);
    report("TEST-dev.cairn.demo.PassingTest$Other.xml", "surefire-reports", """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuite name="dev.cairn.demo.PassingTest$Other" tests="2" failures="0" errors="0">
          <testcase name="otherPasses" classname="dev.cairn.demo.PassingTest$Other" time="1"/>
          <testcase name="nestedTestPasses" classname="dev.cairn.demo.PassingTest$Nested"
              time="0.5"/>
        </testsuite>
        """, RUN.plusSeconds(1));
    Readiness r = build();

    EvidenceResult outer = control(r, "good").evidence().get(0);
    assertThat(outer.tests()).isEqualTo(5);
    assertThat(outer.reports()).hasSize(2);
    EvidenceResult nested = control(r, "nested").evidence().get(0);
    assertThat(nested.tests()).isEqualTo(1);
    assertThat(nested.reports()).extracting(Evidence.ReportFile::path)
        .containsExactly("demo/target/surefire-reports/TEST-dev.cairn.demo.PassingTest$Other.xml");
    assertThat(r.totals().tests()).isEqualTo(9);
  }

  @Test
  void openRisksAreTheRowsNotExactlyDoneWithTheirResidualRiskAndTheControlsCitingThem() {
    Readiness r = build();

    assertThat(r.threats()).isEqualTo(4);
    assertThat(r.openRisks()).extracting(risk -> risk.threat().id())
        .containsExactly("T2", "T3", "T4");
    Risk t2 = r.openRisks().get(0);
    assertThat(t2.threat().residual())
        .isEqualTo("many addresses (a botnet) are bounded only by `max_connections`");
    assertThat(t2.controls()).containsExactly("good", "bad");
    Risk t3 = r.openRisks().get(1);
    assertThat(t3.threat().threat()).isEqualTo("Malformed input | crashes");
    assertThat(t3.threat().residual()).isEqualTo("backup manifest: unit tests only");
    assertThat(t3.controls()).isEmpty();
    assertThat(r.openRisks().get(2).threat().residual()).isEqualTo("not built");
    assertThat(Evidence.markdown(r))
        .contains("| T3 | Malformed input \\| crashes | backup manifest: unit tests only"
            + " | no control |")
        .doesNotContain("| T1 |");
  }

  @Test
  void theJsonParsesAndCarriesTheSameNumbers() throws IOException {
    Readiness r = build();
    JsonNode json = new ObjectMapper().readTree(Evidence.json(r));

    assertThat(json.get("status").asText()).isEqualTo("not ready");
    assertThat(json.get("notReady").findValuesAsText("control")).containsExactly("bad",
        "partial");
    assertThat(json.get("commit").asText()).isEqualTo("unknown");
    assertThat(json.get("generated").asText()).isEqualTo("2025-03-01T10:30:00Z");
    assertThat(json.get("jdk").get("tests")).extracting(JsonNode::asText).containsExactly(
        "21.0.7 (Eclipse Adoptium)", "25.0.3 (Eclipse Adoptium)");
    JsonNode totals = json.get("totals");
    assertThat(List.of(totals.get("reports").asInt(), totals.get("tests").asInt(),
        totals.get("failures").asInt(), totals.get("errors").asInt(),
        totals.get("skipped").asInt())).containsExactly(2, 8, 1, 1, 1);
    assertThat(totals.get("seconds").decimalValue()).isEqualByComparingTo("5.250");
    JsonNode failing = json.get("controls").get(1).get("evidence").get(1);
    EvidenceResult expected = control(r, "bad").evidence().get(1);
    assertThat(failing.get("ref").asText()).isEqualTo("demo:FailingTest");
    assertThat(failing.get("status").asText()).isEqualTo("failed");
    assertThat(List.of(failing.get("tests").asInt(), failing.get("failures").asInt(),
        failing.get("errors").asInt(), failing.get("skipped").asInt())).containsExactly(
        expected.tests(), expected.failures(), expected.errors(), expected.skipped());
    assertThat(failing.get("seconds").decimalValue()).isEqualByComparingTo("3.5");
    assertThat(failing.get("reports").get(0).get("modified").asText()).isEqualTo(RUN.toString());
    assertThat(failing.get("problems").get(0).get("message").asText())
        .isEqualTo("expected: 401 but was: 200 <html> | \"quoted\" \\ back");
    assertThat(json.get("openRisks").findValuesAsText("id")).containsExactly("T2", "T3", "T4");
    assertThat(json.get("openRisks").get(1).get("threat").asText())
        .isEqualTo("Malformed input | crashes");
  }

  @Test
  void jsonStringsEscapeQuotesBackslashesAndControlCharacters() throws IOException {
    String tricky = "a\"b\\c\n\r\t\u0001\u001f\u2028é</script>";
    StringBuilder quoted = new StringBuilder();
    Evidence.quote(quoted, tricky);

    assertThat(quoted.toString()).doesNotContain("\n", "\t", "\u0001", "\u2028");
    assertThat(new ObjectMapper().readValue(quoted.toString(), String.class)).isEqualTo(tricky);
  }

  @Test
  void nothingInTheReportIsConstant() throws IOException {
    String markdown = Evidence.markdown(build());
    String json = Evidence.json(build());

    report(PASSING, "surefire-reports", fixture(PASSING).replace(
        "<testcase name=\"nestedTestPasses\" classname=\"dev.cairn.demo.PassingTest$Nested\""
            + " time=\"0.5\"/>",
        "<testcase name=\"nestedTestPasses\" classname=\"dev.cairn.demo.PassingTest$Nested\""
            + " time=\"0.75\"><failure message=\"boom\"/></testcase>"), RUN.plusSeconds(60));
    write(Evidence.THREAT_MODEL, THREAT_MODEL.replace("| not built |", "| done |"));
    Readiness later = Evidence.build(root, Optional.empty(),
        Clock.offset(CLOCK, java.time.Duration.ofHours(1)));

    assertThat(control(later, "good").status()).isEqualTo(Status.FAILED);
    assertThat(control(later, "good").evidence().get(0).millis()).isEqualTo(2000);
    assertThat(later.totals().failures()).isEqualTo(2);
    assertThat(later.openRisks()).extracting(risk -> risk.threat().id())
        .containsExactly("T2", "T3");
    assertThat(later.generated()).isEqualTo(Instant.parse("2025-03-01T11:30:00Z"));
    assertThat(Evidence.markdown(later)).isNotEqualTo(markdown)
        .contains("| `good` Everything passed | failed | 0 of 1 | T1, T2 |")
        .contains("2025-03-01T10:01:00Z");
    assertThat(Evidence.json(later)).isNotEqualTo(json);
  }

  @Test
  void reportsOfAnEarlierRunOrOfClassesNoLongerInTheSourceAreIgnored() throws IOException {
    report(PASSING, "surefire-reports", fixture(PASSING), RUN.plusSeconds(10));
    // The same tests under a package they have since left: a report a rename left behind.
    report("TEST-dev.cairn.old.PassingTest.xml", "surefire-reports",
        fixture(PASSING).replace("dev.cairn.demo.", "dev.cairn.old."), RUN.plusSeconds(10));
    Readiness r = Evidence.build(root, Optional.of(RUN.plusSeconds(1)), CLOCK);

    assertThat(control(r, "good").evidence().get(0).tests()).isEqualTo(4);
    assertThat(control(r, "bad").evidence().get(1).status()).isEqualTo(Status.NOT_RUN);
    assertThat(List.of(r.totals().reports(), r.totals().staleReports(),
        r.totals().orphanedReports(), r.totals().tests())).containsExactly(1, 1, 1, 4);
    assertThat(Evidence.markdown(r))
        .contains("Ignored as written before 2025-03-01T10:00:01Z, by an earlier run: 1 files.")
        .contains("no longer in the source: 1 files.");
  }

  @Test
  void aReportThatDoesNotParseIsAnErrorOfItsClass() throws IOException {
    report("TEST-dev.cairn.demo.MissingTest.xml", "surefire-reports",
        "<?xml version=\"1.0\"?>\n<testsuite name=\"dev.cairn.demo.MissingTest\"><testcase",
        RUN);
    EvidenceResult missing = control(build(), "partial").evidence().get(1);

    assertThat(missing.status()).isEqualTo(Status.FAILED);
    assertThat(missing.errors()).isEqualTo(1);
    assertThat(missing.problems().get(0).name()).isEqualTo("(report unreadable)");
    assertThat(missing.problems().get(0).message()).startsWith("couldn't parse demo/target/");
  }

  @Test
  void aScriptsReportUnderTargetEvidenceIsEvidence() throws IOException {
    write(Evidence.CATALOGUE, """
        control reproducibility Reproducible build
          evidence script:TEST-reproducible-build.xml scripts/release
        """);
    write("scripts/release", "#!/bin/sh\n");
    Path file = root.resolve("target/evidence/TEST-reproducible-build.xml");
    Files.createDirectories(file.getParent());
    Files.writeString(file, """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuite name="scripts/release --check" tests="1" failures="0" errors="0" skipped="0">
          <testcase name="two builds, the same bytes" time="61.5"/>
        </testsuite>
        """);
    Readiness r = build();

    EvidenceResult e = r.controls().get(0).evidence().get(0);
    assertThat(e.status()).isEqualTo(Status.PASSED);
    assertThat(e.tests()).isEqualTo(1);
    assertThat(e.source()).contains("scripts/release");
    assertThat(r.ready()).isTrue();
    assertThat(Evidence.markdown(r)).contains(
        "| [`script:TEST-reproducible-build.xml`](../../scripts/release) | passed | 1 |");
  }

  @Test
  void theFuzzCorpusIsCountedPerTarget() throws IOException {
    write(Evidence.CATALOGUE, """
        control fuzz Fuzz targets
          evidence demo:ThingsFuzzTest
          corpus
        """);
    write("demo/src/test/java/dev/cairn/demo/ThingsFuzzTest.java", """
        package dev.cairn.demo;

        class ThingsFuzzTest {
          @FuzzTest(maxDuration = "2m")
          void alpha(byte[] data) {}

          @FuzzTest
          public void beta(byte[] data) {}
        }
        """);
    String inputs = "demo/src/test/resources/dev/cairn/demo/ThingsFuzzTestInputs/";
    write(inputs + "alpha/one", "1");
    write(inputs + "alpha/two", "2");
    write(inputs + "gamma/crash-0a1b", "3");
    report("TEST-dev.cairn.demo.ThingsFuzzTest.xml", "surefire-reports", """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuite name="dev.cairn.demo.ThingsFuzzTest" tests="3">
          <testcase name="alpha(byte[])[1]" classname="dev.cairn.demo.ThingsFuzzTest" time="0"/>
          <testcase name="alpha(byte[])[2]" classname="dev.cairn.demo.ThingsFuzzTest" time="0"/>
          <testcase name="alpha(byte[])[3]" classname="dev.cairn.demo.ThingsFuzzTest" time="0"/>
          <testcase name="beta(byte[])[1]" classname="dev.cairn.demo.ThingsFuzzTest" time="0"/>
        </testsuite>
        """, RUN);
    Readiness r = build();

    List<FuzzClass> corpus = r.controls().get(0).corpus();
    assertThat(corpus).singleElement().satisfies(f -> {
      assertThat(f.className()).isEqualTo("dev.cairn.demo.ThingsFuzzTest");
      assertThat(f.targets()).containsExactly(new FuzzTarget("alpha", 2, 3),
          new FuzzTarget("beta", 0, 1), new FuzzTarget("gamma", 1, 0));
    });
    // gamma's inputs are for no target that ran: the corpus did not all replay.
    assertThat(r.controls().get(0).evidence().get(0).status()).isEqualTo(Status.PASSED);
    assertThat(r.controls().get(0).status()).isEqualTo(Status.NOT_RUN);
    assertThat(Evidence.markdown(r)).contains("| `alpha` | 2 | 3 |")
        .contains("Not run in this run, so the control is not either:"
            + " `demo:dev.cairn.demo.ThingsFuzzTest gamma`.");

    write(inputs + "beta/new-finding", "4");
    Files.delete(root.resolve(inputs + "gamma/crash-0a1b"));
    Files.delete(root.resolve(inputs + "gamma"));
    Readiness after = build();
    assertThat(after.controls().get(0).corpus().get(0).targets()).containsExactly(
        new FuzzTarget("alpha", 2, 3), new FuzzTarget("beta", 1, 1));
    assertThat(after.controls().get(0).status()).isEqualTo(Status.PASSED);
  }

  @Test
  void aBadCatalogueOrThreatModelIsRefusedNamingWhatIsWrong() throws IOException {
    assertThatThrownBy(() -> Evidence.parseCatalogue("control x X\n  evidance demo:A\n", "c"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("c line 2: unknown keyword \"evidance\"");
    assertThatThrownBy(() -> Evidence.parseCatalogue("control x X\n", "c"))
        .hasMessage("c: control x has no evidence line");
    assertThatThrownBy(() -> Evidence.parseCatalogue("control x X\n evidence demo:a\n", "c"))
        .hasMessageContaining("c line 2: expected \"evidence MODULE:CLASS");
    assertThatThrownBy(() -> Evidence.parseCatalogue("evidence demo:A\n", "c"))
        .hasMessage("c line 1: \"evidence\" before the first control");
    assertThatThrownBy(() -> Evidence.parseCatalogue(
        "control x X\n evidence demo:A\ncontrol x Y\n evidence demo:B\n", "c"))
        .hasMessage("c line 3: control x again");
    assertThatThrownBy(() -> Evidence.parseThreatModel("| T1 | a | b | c |\n", "t"))
        .hasMessageContaining("t line 1: a threat row has 5 cells");
    write(Evidence.CATALOGUE, CATALOGUE + "  threat T9\n");
    assertThatThrownBy(this::build)
        .hasMessageContaining("control partial cites T9, which docs/security/threat-model.md"
            + " does not have");
  }

  @Test
  void theProgramWritesBothFilesAndFailsOnlyWhenStrictOrMisused() throws IOException {
    assertThat(Evidence.run(new String[] {"--root", root.toString()})).isZero();
    assertThat(Files.readString(root.resolve("target/readiness/readiness.md")))
        .startsWith("# Cairn readiness: not ready");
    assertThat(new ObjectMapper().readTree(root.resolve("target/readiness/readiness.json")
        .toFile()).get("status").asText()).isEqualTo("not ready");

    assertThat(Evidence.run(new String[] {"--root", root.toString(), "--strict"})).isEqualTo(1);
    assertThat(Evidence.run(new String[] {"--root", root.toString(), "--since", "yesterday"}))
        .isEqualTo(2);
    assertThat(Evidence.run(new String[] {"--bogus"})).isEqualTo(2);
    assertThat(Evidence.run(new String[] {"--root", root.resolve("nowhere").toString()}))
        .isEqualTo(2);
  }

  // ---------------------------------------------------------------- the real catalogue

  @Test
  void everyEvidenceOfTheCatalogueExistsInItsModule() throws IOException {
    Path repo = Repository.root();
    List<String> missing = new ArrayList<>();
    for (Control c : catalogue(repo)) {
      for (Ref ref : c.evidence()) {
        if (ref.isScript() ? ref.producer().isEmpty() : Evidence.source(repo, ref).isEmpty()) {
          missing.add(c.id() + ": " + ref.text());
        } else if (ref.isScript() && !Files.isRegularFile(repo.resolve(ref.producer()))) {
          missing.add(c.id() + ": " + ref.text() + " (no " + ref.producer() + ")");
        }
      }
    }
    assertThat(missing).as("evidence in %s without its test class or script", Evidence.CATALOGUE)
        .isEmpty();
  }

  @Test
  void everyThreatTheCatalogueCitesIsInTheThreatModel() throws IOException {
    Path repo = Repository.root();
    Set<String> threats = Evidence.parseThreatModel(
        Files.readString(repo.resolve(Evidence.THREAT_MODEL)), Evidence.THREAT_MODEL).stream()
        .map(Evidence.Threat::id).collect(Collectors.toSet());

    assertThat(catalogue(repo).stream().flatMap(c -> c.threats().stream()))
        .isNotEmpty().allMatch(threats::contains);
  }

  @Test
  void everyFuzzTestInTheRepositoryIsEvidenceOfTheFuzzControl() throws IOException {
    Path repo = Repository.root();
    List<Control> corpus = catalogue(repo).stream().filter(Control::corpus).toList();
    assertThat(corpus).hasSize(1);
    Set<String> cited = corpus.get(0).evidence().stream()
        .map(ref -> Evidence.source(repo, ref).orElse(""))
        .collect(Collectors.toSet());

    List<FuzzClass> fuzz = Evidence.fuzzClasses(repo, List.of());
    assertThat(fuzz).isNotEmpty();
    assertThat(fuzz).allSatisfy(f -> assertThat(f.source())
        .as("%s:%s, its source and whether %s cites it", f.module(), f.className(),
            Evidence.CATALOGUE)
        .hasValueSatisfying(s -> assertThat(cited).contains(s)));
  }

  // ---------------------------------------------------------------- helpers

  private Readiness build() {
    return Evidence.build(root, Optional.empty(), CLOCK);
  }

  private static ControlResult control(Readiness r, String id) {
    return r.controls().stream().filter(c -> c.control().id().equals(id)).findFirst()
        .orElseThrow();
  }

  private void write(String path, String text) throws IOException {
    Path file = root.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }

  private void report(String name, String dir, String xml, Instant modified) throws IOException {
    Path file = root.resolve("demo/target").resolve(dir).resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, xml);
    Files.setLastModifiedTime(file, FileTime.from(modified));
  }

  private static String fixture(String name) throws IOException {
    try (InputStream in = EvidenceTest.class.getResourceAsStream("reports/" + name)) {
      assertThat(in).as("test resource reports/%s", name).isNotNull();
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private static List<Control> catalogue(Path repo) throws IOException {
    return Evidence.parseCatalogue(Files.readString(repo.resolve(Evidence.CATALOGUE)),
        Evidence.CATALOGUE);
  }
}
