package dev.cairn.log.publishing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.log.sequencing.Sequencer;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.testing.MemoryLog;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import dev.cairn.verify.LogVerifier;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The publication seam for witnesses: what a {@link CheckpointEndorser} returns is what the log
 * publishes (with its cosignatures, verifiable under a witness policy); a refusal, a changed
 * checkpoint or a missed deadline publishes nothing and changes nothing; and the log keeps
 * sequencing while an endorsement is pending, since no lock of the sequencer waits for it.
 */
class EndorsementTest {
  private static final SignerKey WITNESS = SignerKey.generate("witness.example/w1",
      SignatureType.COSIGNATURE_V1, new SecureRandom());

  private final MemoryLog log = new MemoryLog(MemoryLog.FAST);

  @AfterEach
  void close() {
    log.close();
  }

  private void sequence(String tag, int n) throws Exception {
    List<byte[]> batch = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      batch.add((tag + " " + i).getBytes(UTF_8));
    }
    for (CompletableFuture<Sequencer.Added> f : log.sequencer().addAll(batch)) {
      f.get(10, TimeUnit.SECONDS);
    }
  }

  /** An endorser that adds the witness's cosignature, as a witness quorum would. */
  private static CompletableFuture<byte[]> cosign(CheckpointEndorser.Endorsement e) {
    SignedNote signed = SignedNote.parse(e.signedNote());
    SignedNote cosigned = SignedNote.sign(signed.text(), List.of(WITNESS.signer()));
    return CompletableFuture.completedFuture(
        signed.withSignatures(cosigned.signatures()).encode());
  }

  @Test
  void whatTheEndorserAddsIsPublishedAndVerifiesUnderAWitnessPolicy() throws Exception {
    log.start();
    sequence("a", 10);
    List<Long> previousSizes = new ArrayList<>();
    Publisher p = log.openPublisher(e -> {
      previousSizes.add(e.previous().map(c -> c.size()).orElse(-1L));
      try {
        // The endorsement's tree reaches the checkpoint: a witness's consistency proof.
        if (e.previous().isPresent()) {
          e.tree().consistencyProof(e.previous().get().size(), e.checkpoint().size());
        }
      } catch (IOException x) {
        return CompletableFuture.failedFuture(x);
      }
      return cosign(e);
    }, Duration.ofSeconds(5));
    sequence("b", 5);
    p.publish();

    byte[] note = p.latest().note();
    assertThat(previousSizes).containsExactly(-1L, 10L);
    assertThat(SignedNote.parse(note).signatures()).extracting(NoteSignature::name)
        .contains("witness.example/w1");
    assertThat(log.memoryObjects().get(ObjectStore.CHECKPOINT)).hasValueSatisfying(o ->
        assertThat(o).isEqualTo(note));
    assertThat(log.history().last().orElseThrow().note()).isEqualTo(note);
    VerifierKey[] logKeys = MemoryLog.verifierKeys().toArray(VerifierKey[]::new);
    Policy policy = Policy.parse("log " + logKeys[0].encode() + "\nlog " + logKeys[1].encode()
        + "\nwitness W1 " + WITNESS.verifierKey().encode() + "\nquorum W1\n");
    assertThat(LogVerifier.of(policy).verifyCheckpoint(note).checkpoint().size()).isEqualTo(15);
  }

  @Test
  void aRefusalOrAChangedCheckpointPublishesNothing() throws Exception {
    log.start();
    sequence("a", 3);
    boolean[] refuse = {false};
    boolean[] tamper = {false};
    Publisher p = log.openPublisher(e -> {
      if (refuse[0]) {
        return CompletableFuture.failedFuture(new IOException("no quorum: 1 of 2 witnesses"));
      }
      if (tamper[0]) {
        String[] lines = SignedNote.parse(e.signedNote()).text().split("\n", -1);
        lines[1] = Long.toString(Long.parseLong(lines[1]) - 1); // another size
        String other = String.join("\n", lines);
        return CompletableFuture.completedFuture(
            SignedNote.sign(other, MemoryLog.signers(log.clock())).encode());
      }
      return CompletableFuture.completedFuture(e.signedNote());
    }, Duration.ofSeconds(5));
    assertThat(p.latest().checkpoint().size()).isEqualTo(3);
    byte[] before = p.latest().note();

    refuse[0] = true;
    sequence("b", 2);
    assertThatThrownBy(p::publish).isInstanceOf(IOException.class)
        .hasMessageContaining("no quorum");
    assertThat(p.fault()).hasValueSatisfying(f -> assertThat(f).contains("no quorum"));
    refuse[0] = false;
    tamper[0] = true;
    assertThatThrownBy(p::publish).isInstanceOf(IOException.class)
        .hasMessageContaining("changed the checkpoint");
    assertThat(p.latest().note()).isEqualTo(before);
    assertThat(log.history().last().orElseThrow().size()).isEqualTo(3);
    assertThat(log.memoryObjects().get(ObjectStore.CHECKPOINT)).hasValueSatisfying(o ->
        assertThat(o).isEqualTo(before));

    tamper[0] = false;
    p.publish();
    assertThat(p.latest().checkpoint().size()).isEqualTo(5);
    assertThat(p.fault()).isEmpty();
  }

  @Test
  void anEndorsementPastItsDeadlinePublishesNothingAndSequencingNeverWaitsForIt()
      throws Exception {
    log.start();
    sequence("a", 3);
    CompletableFuture<byte[]> never = new CompletableFuture<>();
    boolean[] hang = {false};
    Publisher p = log.openPublisher(e -> hang[0] ? never
        : CompletableFuture.completedFuture(e.signedNote()), Duration.ofMillis(300));
    hang[0] = true;
    sequence("b", 2);
    CompletableFuture<?> pending = p.publishAsync();
    // While the endorsement is pending, the log takes and acknowledges writes.
    sequence("c", 100);
    assertThat(log.sequencer().sequenced().size()).isEqualTo(105);
    assertThat(p.publishAsync()).as("one publication at a time").isSameAs(pending);
    assertThatThrownBy(() -> pending.get(10, TimeUnit.SECONDS))
        .hasRootCauseInstanceOf(java.util.concurrent.TimeoutException.class);
    assertThat(p.latest().checkpoint().size()).isEqualTo(3);
    assertThat(log.history().last().orElseThrow().size()).isEqualTo(3);

    hang[0] = false;
    p.publish();
    assertThat(p.latest().checkpoint().size()).isEqualTo(105);
  }
}
