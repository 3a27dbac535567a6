package dev.cairn.monitor.check;

import static dev.cairn.monitor.check.Audits.evidence;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.monitor.config.MonitorConfig.LogTarget;
import dev.cairn.monitor.report.Finding;
import dev.cairn.monitor.report.Rule;
import dev.cairn.monitor.testing.Targets;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Watch rules against the entries each audit replays: which match, and how many are told. */
class LogAuditWatchTest {
  private Audits audits;

  @AfterEach
  void stop() {
    if (audits != null) {
      audits.close();
    }
  }

  /** Entry 5 and 25 hold a secret, 12 and 28 are releases, the rest are plain. */
  private static byte[] entry(long i) {
    String s = switch ((int) i) {
      case 5, 25 -> "key leaked: SECRET-" + i;
      case 12, 28 -> "release v" + i + ".0";
      default -> "entry " + i;
    };
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /** The (rule, index) fingerprints of {@code o}'s findings, which must all be watch matches. */
  private static List<String> matches(LogAudit.Outcome o) {
    assertThat(o.findings()).allSatisfy(f -> {
      assertThat(f.rule()).isEqualTo(Rule.ENTRY_WATCH_MATCH);
      assertThat(f.summary()).contains("log rogue");
    });
    return o.findings().stream().map(Finding::fingerprint).toList();
  }

  private static String match(String rule, long index) {
    return Finding.fingerprint(Rule.ENTRY_WATCH_MATCH, "rogue", rule + ":" + index);
  }

  @Test
  void eachRuleKindMatchesOnlyTheNewEntriesItDescribes() throws Exception {
    audits = new Audits(b -> b.entries(LogAuditWatchTest::entry).size(20));
    LogTarget t = Targets.of("rogue", audits.log).substring("secret", "SECRET")
        .regex("release", "^release v\\d+\\.0$").sha256("exact", sha256(entry(17)).toUpperCase())
        .build();
    LogAudit.Outcome first = audits.run(t, Optional.empty());
    assertThat(matches(first)).containsExactlyInAnyOrder(match("secret", 5),
        match("release", 12), match("exact", 17));
    assertThat(first.result().status()).as("matches are news, not faults").isEqualTo("ok");
    Finding secret = first.findings().stream()
        .filter(f -> f.fingerprint().equals(match("secret", 5))).findFirst().orElseThrow();
    assertThat(evidence(secret, "entry")).containsExactly("key leaked: SECRET-5");
    assertThat(secret.observed()).contains(sha256(entry(5)));

    audits.log.grow(10);
    LogAudit.Outcome next = audits.run(t, first.accepted());
    assertThat(next.result().entriesReplayed()).isEqualTo(10);
    assertThat(matches(next)).as("only entries after the accepted size 20")
        .containsExactlyInAnyOrder(match("secret", 25), match("release", 28));
  }

  @Test
  void aRuleMatchingEverythingIsCappedAndTheRestCounted() throws Exception {
    audits = new Audits(b -> b.size(300));
    LogTarget t = Targets.of("rogue", audits.log).substring("all", "entry")
        .substring("one", "entry 299").build();
    LogAudit.Outcome o = audits.run(t, Optional.empty());
    List<String> all = o.findings().stream().filter(f -> f.summary().contains("rule all"))
        .map(Finding::fingerprint).toList();
    assertThat(all).hasSize(LogAudit.MAX_MATCHES + 1);
    for (int i = 0; i < LogAudit.MAX_MATCHES; i++) {
      assertThat(all).contains(match("all", i));
    }
    Finding more = o.findings().stream()
        .filter(f -> f.fingerprint().equals(Finding.fingerprint(Rule.ENTRY_WATCH_MATCH, "rogue",
            "all:more-from-0"))).findFirst().orElseThrow();
    assertThat(more.summary()).startsWith("200 more entries of log rogue match watch rule all");
    assertThat(evidence(more, "text")).containsExactly("200");
    assertThat(matches(o)).as("the other rule has its own cap").contains(match("one", 299))
        .hasSize(LogAudit.MAX_MATCHES + 2);
  }
}
