package dev.cairn.monitor.check;

import static dev.cairn.monitor.check.Audits.assertBlocked;
import static dev.cairn.monitor.check.Audits.evidence;
import static dev.cairn.monitor.check.Audits.rules;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.monitor.config.MonitorConfig.LogTarget;
import dev.cairn.monitor.report.Finding;
import dev.cairn.monitor.report.Rule;
import dev.cairn.monitor.testing.RogueLog;
import dev.cairn.monitor.testing.Targets;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The checks of one log's history over real HTTP: consistency with the accepted checkpoint, the
 * replay of the entries since, and the views the witnesses hold.
 */
class LogAuditHistoryTest {
  private Audits audits;
  private LogTarget target;

  @BeforeEach
  void start() throws Exception {
    audits = new Audits(b -> b.seed(11).witnesses("w1", "w2").size(30));
    target = Targets.of("rogue", audits.log).quorum("w1").endpoints().build();
  }

  @AfterEach
  void stop() {
    audits.close();
  }

  private String witnessNote(String w) {
    return new String(audits.log.witnessCheckpoint(w).orElseThrow(), StandardCharsets.UTF_8);
  }

  @Test
  void aForkAfterTheAcceptedCheckpointIsInconsistentNotAReplayFailure() {
    LogState accepted = audits.accepted(target);
    audits.log.fork(10);
    LogAudit.Outcome o = audits.run(target, Optional.of(accepted));
    assertThat(rules(o)).containsExactly("log.consistency");
    Finding f = audits.one(o, Rule.LOG_CONSISTENCY, "rogue");
    assertThat(f.summary()).contains("does not extend the checkpoint of size 30");
    assertThat(evidence(f, "note")).containsExactly(accepted.note(), audits.served());
    assertThat(evidence(f, "proof")).singleElement().asString().isNotBlank();
    assertBlocked(o);
    assertThat(o.result().entriesReplayed()).isZero();
    assertThat(f.fingerprint()).isEqualTo(Finding.fingerprint(Rule.LOG_CONSISTENCY, "rogue",
        "30:" + accepted.root()));

    audits.log.fork(5);
    assertThat(audits.run(target, Optional.of(accepted)).findings())
        .as("forking further from the same accepted checkpoint is the same problem")
        .extracting(Finding::fingerprint).containsExactly(f.fingerprint());
  }

  @Test
  void aForkOfTheSameSizeIsTwoTreesOfOneSize() {
    LogState accepted = audits.accepted(target);
    audits.log.fork(0);
    LogAudit.Outcome o = audits.run(target, Optional.of(accepted));
    assertThat(rules(o)).containsExactly("log.consistency");
    Finding f = audits.one(o, Rule.LOG_CONSISTENCY, "rogue");
    assertThat(f.summary()).contains("two different trees of size 30");
    assertThat(f.observed()).contains(audits.log.root().toBase64());
    assertThat(f.expected()).contains(accepted.root());
    assertThat(evidence(f, "note")).containsExactly(accepted.note(), audits.served());
    assertBlocked(o);
    assertThat(audits.run(target, Optional.of(accepted)).findings().get(0).fingerprint())
        .isEqualTo(f.fingerprint());
  }

  @ParameterizedTest
  @EnumSource(value = RogueLog.Corruption.class, names = {"ENTRY", "LEAF_HASH"})
  void tilesThatDoNotLeadToTheSignedRootFailTheReplay(RogueLog.Corruption how) {
    audits.log.badRootTiles(how);
    LogAudit.Outcome o = audits.run(target, Optional.empty());
    assertThat(rules(o)).containsExactly("log.replay");
    Finding f = audits.one(o, Rule.LOG_REPLAY, "rogue");
    assertThat(evidence(f, "note")).containsExactly(audits.served());
    assertThat(evidence(f, "text")).singleElement().asString().contains("entry 29");
    assertBlocked(o);
    assertThat(audits.run(target, Optional.empty()).findings().get(0).fingerprint())
        .isEqualTo(f.fingerprint());
  }

  @Test
  void entriesSinceTheAcceptedCheckpointThatDoNotLeadToItsRootFailTheReplay() {
    LogState accepted = audits.accepted(target);
    audits.log.grow(10);
    audits.log.badRootTiles();
    LogAudit.Outcome o = audits.run(target, Optional.of(accepted));
    assertThat(rules(o)).containsExactly("log.replay");
    Finding f = audits.one(o, Rule.LOG_REPLAY, "rogue");
    assertThat(f.expected()).startsWith("entries 30 to 39");
    assertThat(evidence(f, "text")).singleElement().asString().contains("entry 39");
    assertBlocked(o);
  }

  @Test
  void anOlderCheckpointOfTheSameHistoryIsStaleNotARollback() {
    byte[] older = audits.log.checkpoint();
    audits.log.grow(10);
    LogState accepted = audits.accepted(target);
    LogAudit.Outcome o = audits.runServing(older, target, Optional.of(accepted));
    assertThat(rules(o)).containsExactly("log.freshness");
    Finding f = audits.one(o, Rule.LOG_FRESHNESS, "rogue");
    assertThat(f.summary()).contains("older checkpoint (size 30)", "(size 40)");
    assertThat(o.accepted()).as("never accepted: the state does not move back").isEmpty();
    assertThat(o.result().accepted()).isFalse();
  }

  @Test
  void anOlderCheckpointNotProvedAPrefixOfTheAcceptedOneIsARollback() {
    byte[] older = audits.log.checkpoint();
    audits.log.grow(10);
    LogState accepted = audits.accepted(target);
    audits.log.fork(0); // the log's tiles of size 40 now lead elsewhere: no proof holds
    LogAudit.Outcome o = audits.runServing(older, target, Optional.of(accepted));
    assertThat(rules(o)).containsExactly("log.consistency");
    assertThat(audits.one(o, Rule.LOG_CONSISTENCY, "rogue").summary())
        .contains("rolled back from size 40 to 30");
    assertBlocked(o);
  }

  @Test
  void aWitnessHoldingAnotherTreeOfTheSameSizeIsASplitView() {
    Checkpoint held = audits.log.splitView("w2");
    LogAudit.Outcome o = audits.run(target, Optional.empty());
    assertThat(rules(o)).containsExactly("log.split_view");
    Finding f = audits.one(o, Rule.LOG_SPLIT_VIEW, "rogue");
    assertThat(f.summary()).contains("witness w2");
    assertThat(f.observed()).contains(held.root().toBase64());
    assertThat(evidence(f, "note")).containsExactly(audits.served(), witnessNote("w2"));
    assertBlocked(o);
    assertThat(audits.run(target, Optional.empty()).findings().get(0).fingerprint())
        .isEqualTo(f.fingerprint());
  }

  @Test
  void aWitnessAheadOnAnotherHistoryIsASplitViewOnceTheLogPublishesPastIt() {
    LogState accepted = audits.accepted(target);
    Checkpoint held = audits.log.splitView("w2", 5);
    assertThat(held.size()).isEqualTo(35);
    LogAudit.Outcome before = audits.run(target, Optional.of(accepted));
    assertThat(before.findings()).as("no tiles of size 35 to prove anything with yet").isEmpty();

    audits.log.grow(10);
    LogAudit.Outcome o = audits.run(target, Optional.of(accepted));
    assertThat(rules(o)).containsExactly("log.split_view");
    Finding f = audits.one(o, Rule.LOG_SPLIT_VIEW, "rogue");
    assertThat(f.summary()).contains("(size 35)").contains("(size 40)");
    assertThat(evidence(f, "note")).containsExactly(audits.served(), witnessNote("w2"));
    assertThat(evidence(f, "proof")).singleElement().asString().isNotBlank();
    assertBlocked(o);
    assertThat(o.result().entriesReplayed()).as("the log's own history replayed").isEqualTo(10);

    audits.log.splitView("w2", 20);
    audits.log.grow(20);
    assertThat(audits.run(target, Optional.of(accepted)).findings())
        .as("the witness moving on along its branch is the same split view")
        .extracting(Finding::fingerprint).containsExactly(f.fingerprint());
  }

  @Test
  void aWitnessHoldingAnOlderCheckpointOfTheSameHistoryIsNoFinding() {
    audits.log.cosigners("w1");
    audits.log.grow(25);
    LogAudit.Outcome o = audits.run(target, Optional.empty());
    assertThat(rules(o)).as("w2 lags but agrees").containsExactly("witness.stale");
    assertThat(o.accepted()).isPresent();
  }
}
