package dev.cairn.witness;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.testing.GrowingTree;
import dev.cairn.witnessing.AddCheckpoint;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;

/** A log for tests: an origin, an Ed25519 and an ML-DSA-44 key, and a real Merkle tree. */
final class TestLog {
  private static final SecureRandom RANDOM = new SecureRandom();

  final String origin;
  final SignerKey ed25519;
  final SignerKey mlDsa;
  final GrowingTree tree = new GrowingTree("entry ");

  TestLog(String origin) {
    this.origin = origin;
    this.ed25519 = SignerKey.generate(origin, SignatureType.ED25519, RANDOM);
    this.mlDsa = SignerKey.generate(origin, SignatureType.MLDSA44_SUBTREE_V1, RANDOM);
  }

  /** The logs-file lines trusting both keys. */
  String logLines() {
    return "log " + ed25519.verifierKey().encode() + " https://" + origin + "/\n"
        + "log " + mlDsa.verifierKey().encode() + "\n";
  }

  /** The checkpoint of the tree at {@code size}, signed by both keys. */
  byte[] note(long size) {
    tree.growTo(size);
    return note(size, tree.root(size));
  }

  /** A checkpoint of {@code size} with {@code root}, signed by both keys. */
  byte[] note(long size, Hash root) {
    return signed(new Checkpoint(origin, size, root).format(), List.of(ed25519, mlDsa));
  }

  static byte[] signed(String text, List<SignerKey> keys) {
    return SignedNote.sign(text, keys.stream().map(SignerKey::signer).toList()).encode();
  }

  /** The request from {@code old} to the tree at {@code size}, with the right proof. */
  byte[] request(long old, long size) {
    tree.growTo(size);
    return new AddCheckpoint(old, tree.consistency(old, size), note(size)).encode();
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
