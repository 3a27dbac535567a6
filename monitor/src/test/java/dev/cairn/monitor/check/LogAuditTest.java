package dev.cairn.monitor.check;

import static dev.cairn.monitor.check.Audits.assertBlocked;
import static dev.cairn.monitor.check.Audits.evidence;
import static dev.cairn.monitor.check.Audits.rules;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.monitor.config.MonitorConfig.LogTarget;
import dev.cairn.monitor.report.Finding;
import dev.cairn.monitor.report.LogResult;
import dev.cairn.monitor.report.Rule;
import dev.cairn.monitor.testing.Targets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The checks of one log's checkpoint over real HTTP: signatures, the witness quorum and the
 * monitor's own, cosignature times, ages, and what an unreachable log or witness gives.
 */
class LogAuditTest {
  private Audits audits;

  @BeforeEach
  void start() throws Exception {
    audits = new Audits(b -> b.seed(7).witnesses("w1", "w2").size(20));
  }

  @AfterEach
  void stop() {
    audits.close();
  }

  private Targets target() {
    return Targets.of("rogue", audits.log);
  }

  private LogTarget witnessed() {
    return target().quorumOf(2).endpoints().required(2).build();
  }

  @Test
  void aHealthyLogIsAcceptedFromZeroThenFromItsAcceptedState() {
    for (LogTarget t : List.of(target().build(), witnessed())) {
      audits.clock.set(Audits.START);
      LogAudit.Outcome first = audits.run(t, Optional.empty());
      assertThat(first.findings()).as(t.name()).isEmpty();
      assertThat(first.result()).isEqualTo(new LogResult("rogue", audits.log.url().toString(),
          "ok", Optional.of(20L), Optional.of(audits.log.root().toBase64()), Optional.empty(),
          20, true));
      LogState s = first.accepted().orElseThrow();
      assertThat(s.size()).isEqualTo(20);
      assertThat(s.root()).isEqualTo(audits.log.root().toBase64());
      assertThat(s.note()).isEqualTo(audits.served());
      assertThat(s.seenSince()).isEqualTo(Audits.START).isEqualTo(s.acceptedAt());

      audits.clock.advance(Duration.ofMinutes(10));
      LogAudit.Outcome same = audits.run(t, Optional.of(s));
      assertThat(same.findings()).isEmpty();
      assertThat(same.result().entriesReplayed()).isZero();
      assertThat(same.result().previousSize()).contains(20L);
      assertThat(same.accepted().orElseThrow().seenSince()).as("the same tree, seen since")
          .isEqualTo(Audits.START);
    }
    audits.log.grow(13);
    LogAudit.Outcome later = audits.run(witnessed(), Optional.of(audits.accepted(witnessed())));
    assertThat(later.findings()).isEmpty();
    assertThat(later.result().entriesReplayed()).isEqualTo(0);
    audits.log.grow(7);
    LogState at33 = later.accepted().orElseThrow();
    LogAudit.Outcome grown = audits.run(witnessed(), Optional.of(at33));
    assertThat(grown.findings()).isEmpty();
    assertThat(grown.result().entriesReplayed()).isEqualTo(7);
    assertThat(grown.result().previousSize()).contains(33L);
    assertThat(grown.accepted().orElseThrow().size()).isEqualTo(40);
    assertThat(grown.accepted().orElseThrow().root()).isEqualTo(audits.log.root().toBase64());
  }

  @Test
  void aBadSignatureIsCriticalAndNothingElseIsChecked() {
    audits.log.badSignature();
    LogAudit.Outcome o = audits.run(witnessed(), Optional.empty());
    assertThat(rules(o)).containsExactly("checkpoint.signature");
    Finding f = audits.one(o, Rule.CHECKPOINT_SIGNATURE, "rogue");
    assertThat(evidence(f, "note")).containsExactly(audits.served());
    assertThat(evidence(f, "http")).singleElement().asString()
        .contains(audits.log.url() + "checkpoint");
    assertBlocked(o);
    assertThat(o.result().entriesReplayed()).isZero();
    assertThat(audits.run(witnessed(), Optional.empty()).findings().get(0).fingerprint())
        .as("the same problem next run").isEqualTo(f.fingerprint());
    audits.log.grow(5);
    LogAudit.Outcome later = audits.run(witnessed(), Optional.empty());
    assertThat(later.findings().get(0).fingerprint())
        .as("still the same problem on the log's next badly signed checkpoint")
        .isEqualTo(f.fingerprint());
  }

  @Test
  void tooFewCosignersForThePolicyQuorumIsAQuorumFinding() {
    audits.log.cosigners("w1");
    LogAudit.Outcome o = audits.run(target().quorumOf(2).endpoints().build(), Optional.empty());
    Finding f = audits.one(o, Rule.CHECKPOINT_QUORUM, "rogue");
    assertThat(f.observed()).contains("no cosignature from w2");
    assertThat(evidence(f, "note")).containsExactly(audits.served());
    Finding stale = audits.one(o, Rule.WITNESS_STALE, "rogue");
    assertThat(stale.summary()).contains("w2");
    assertThat(rules(o)).containsExactlyInAnyOrder("checkpoint.quorum", "witness.stale");
    assertBlocked(o);
    assertThat(audits.run(target().quorumOf(2).endpoints().build(), Optional.empty()).findings())
        .extracting(Finding::fingerprint).contains(f.fingerprint(), stale.fingerprint());
  }

  @Test
  void aCheckpointNoWitnessCosignedMissesTheQuorumAndEveryWitness() {
    audits.log.cosigners();
    LogAudit.Outcome o = audits.run(target().quorum("w1").endpoints().build(), Optional.empty());
    assertThat(rules(o)).containsExactlyInAnyOrder("checkpoint.quorum", "witness.stale",
        "witness.stale");
    assertThat(o.findings()).filteredOn(f -> f.rule() == Rule.WITNESS_STALE)
        .extracting(Finding::observed)
        .containsExactlyInAnyOrder("no cosignature from w1", "no cosignature from w2");
    assertBlocked(o);
  }

  @Test
  void requiringMoreCosignaturesThanThereAreIsAQuorumFinding() {
    LogTarget t = target().quorumOf(1).endpoints().required(3).build();
    LogAudit.Outcome o = audits.run(t, Optional.empty());
    assertThat(rules(o)).containsExactly("checkpoint.quorum");
    Finding f = audits.one(o, Rule.CHECKPOINT_QUORUM, "rogue");
    assertThat(f.observed()).isEqualTo("2 cosignatures (w1, w2)");
    assertThat(f.expected()).startsWith("3 cosignatures");
    assertBlocked(o);
    assertThat(audits.run(t, Optional.empty()).findings().get(0).fingerprint())
        .isEqualTo(f.fingerprint());
  }

  @Test
  void aCosignatureFromTheFutureIsAnErrorForEachWitness() {
    audits.log.futureCosignature(Duration.ofMinutes(6));
    LogAudit.Outcome o = audits.run(target().quorumOf(2).endpoints().build(), Optional.empty());
    assertThat(rules(o)).as("a witness that cosigned is not also stale: %s", o.findings())
        .containsExactly("checkpoint.cosignature_time", "checkpoint.cosignature_time");
    assertThat(o.findings()).extracting(Finding::summary).anyMatch(s -> s.contains("w1"))
        .anyMatch(s -> s.contains("w2")).allMatch(s -> s.contains("360 s in the future"));
    assertThat(o.findings()).allSatisfy(f -> assertThat(evidence(f, "note"))
        .containsExactly(audits.served()));
    assertBlocked(o);

    audits.log.repair();
    audits.log.futureCosignature(Duration.ofMinutes(4));
    assertThat(audits.run(target().quorumOf(2).endpoints().build(), Optional.empty()).findings())
        .as("within the clock skew allowed").isEmpty();
  }

  @Test
  void staleCosignaturesWarnButTheCheckpointIsAccepted() {
    audits.log.stale(Duration.ofHours(2));
    LogTarget lenient = target().quorum("w1").endpoints().maxCosignatureAge(Duration.ofHours(1))
        .build();
    LogAudit.Outcome o = audits.run(lenient, Optional.empty());
    assertThat(rules(o)).containsExactly("witness.stale", "witness.stale");
    assertThat(o.findings()).extracting(Finding::summary)
        .allMatch(s -> s.contains("2 h 0 min ago"));
    assertThat(o.accepted()).isPresent();
    assertThat(o.result().accepted()).isTrue();
    assertThat(o.result().status()).isEqualTo("findings");

    LogTarget strict = target().quorum("w1").endpoints().maxCosignatureAge(Duration.ofHours(1))
        .maxCheckpointAge(Duration.ofMinutes(90)).build();
    LogAudit.Outcome both = audits.run(strict, Optional.empty());
    assertThat(rules(both)).containsExactly("witness.stale", "witness.stale", "log.freshness");
    Finding fresh = audits.one(both, Rule.LOG_FRESHNESS, "rogue");
    assertThat(fresh.observed()).contains("2 h 0 min old");
    assertThat(both.accepted()).isPresent();

    audits.clock.advance(Duration.ofMinutes(30));
    LogAudit.Outcome next = audits.run(strict, both.accepted());
    assertThat(next.findings()).extracting(Finding::fingerprint).as("the same problems")
        .containsExactlyElementsOf(both.findings().stream().map(Finding::fingerprint).toList());
    assertThat(audits.one(next, Rule.LOG_FRESHNESS, "rogue").observed())
        .contains("2 h 30 min old");
  }

  @Test
  void anUnwitnessedCheckpointAgesFromWhenTheMonitorFirstSawIt() {
    LogTarget t = target().unwitnessed().maxCheckpointAge(Duration.ofHours(1)).build();
    LogState first = audits.accepted(t);
    audits.clock.advance(Duration.ofMinutes(61));
    LogAudit.Outcome o = audits.run(t, Optional.of(first));
    assertThat(rules(o)).containsExactly("log.freshness");
    assertThat(audits.one(o, Rule.LOG_FRESHNESS, "rogue").observed())
        .contains("the monitor first saw it at " + Audits.START);
    assertThat(o.accepted().orElseThrow().seenSince()).isEqualTo(Audits.START);
  }

  @Test
  void aWitnessWithoutTheLogIsNoFinding() {
    LogTarget t = target().quorum("w1").endpoint("w1", audits.log.url().resolve("nowhere/"))
        .build();
    LogAudit.Outcome o = audits.run(t, Optional.empty());
    assertThat(o.findings()).isEmpty();
    assertThat(o.accepted()).isPresent();
  }

  @Test
  void aLogThatIsDownIsUnreachable() {
    audits.log.down(503);
    LogAudit.Outcome o = audits.run(witnessed(), Optional.empty());
    assertThat(rules(o)).containsExactly("collector.unreachable");
    Finding f = audits.one(o, Rule.COLLECTOR_UNREACHABLE, "rogue");
    assertThat(f.fingerprint())
        .isEqualTo(Finding.fingerprint(Rule.COLLECTOR_UNREACHABLE, "rogue", "log"));
    assertThat(evidence(f, "http")).singleElement().asString().contains("503")
        .contains(audits.log.url() + "checkpoint");
    assertThat(o.result().status()).isEqualTo("unreachable");
    assertThat(o.result().size()).isEmpty();
    assertBlocked(o);
  }
}
