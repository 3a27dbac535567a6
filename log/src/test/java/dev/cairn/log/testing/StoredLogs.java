package dev.cairn.log.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.keys.KeyDirectory;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.embedded.AtomicFiles;
import dev.cairn.log.storage.embedded.RocksIndex;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.log.sequencing.Sequencer;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.verify.LogVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Real logs on disk for tests of what reads stored data: replay, backup, restore. */
public final class StoredLogs {
  private StoredLogs() {}

  /** Opens (or creates) the log in {@code dir} with fast batches and checkpoints. */
  public static TransparencyLog open(Path dir, String origin) throws IOException {
    return TransparencyLog.open(new LogConfig(dir, Optional.of(origin),
        new SequencerConfig(Duration.ofMillis(5), 4096, 65_536), Duration.ofMillis(20),
        Clock.systemUTC()));
  }

  /** The entry {@code i} of a test log labelled {@code label}. */
  public static byte[] entry(String label, long i) {
    return (label + " entry " + i).getBytes(UTF_8);
  }

  /**
   * Adds entries {@code from} to {@code to} (exclusive) of {@code label} and waits until a
   * checkpoint covers them; returns their indices.
   */
  public static List<Long> add(TransparencyLog log, String label, long from, long to)
      throws Exception {
    List<byte[]> entries = new ArrayList<>();
    for (long i = from; i < to; i++) {
      entries.add(entry(label, i));
    }
    List<CompletableFuture<Sequencer.Added>> added = log.sequencer().addAll(entries);
    List<Long> indices = new ArrayList<>();
    for (CompletableFuture<Sequencer.Added> a : added) {
      indices.add(a.get(30, TimeUnit.SECONDS).index());
    }
    log.publisher().awaitSize(log.sequencer().sequenced().size()).get(30, TimeUnit.SECONDS);
    return indices;
  }

  /** A log in {@code dir} built in {@code rounds} checkpoints of {@code perRound} entries. */
  public static void create(Path dir, String origin, int rounds, int perRound) throws Exception {
    try (TransparencyLog log = open(dir, origin)) {
      for (int r = 0; r < rounds; r++) {
        add(log, "test", (long) r * perRound, (long) (r + 1) * perRound);
      }
    }
  }

  /** The verifier of the log in {@code dir}, from its {@code log.vkey}. */
  public static LogVerifier verifier(Path dir) throws IOException {
    return LogVerifier.ofLogKeys(Files.readAllLines(dir.resolve("log.vkey"), UTF_8).stream()
        .filter(l -> !l.isBlank()).map(VerifierKey::parse).toList());
  }

  /**
   * Rewrites the stopped log in {@code dir} as someone holding only its ML-DSA-44 key file could
   * (a stolen file, or a backup): every checkpoint, in the history and the latest, signed by
   * that key alone; the tree is the log's own. The dedup index is left empty (the log rebuilds
   * it; replay does not read it unless asked).
   */
  public static void resignWithMlDsaOnly(Path dir) throws IOException {
    NoteSigner stolen = new KeyDirectory(dir)
        .read(KeyDirectory.MLDSA_FILE, SignatureType.MLDSA44_SUBTREE_V1).signer();
    List<CheckpointHistory.Entry> history;
    try (RocksIndex index = RocksIndex.open(dir.resolve("index"))) {
      history = index.history().list(-1, Integer.MAX_VALUE, Instant.EPOCH, Instant.MAX);
    }
    List<CheckpointHistory.Entry> forged = history.stream().map(e -> new CheckpointHistory.Entry(
        e.size(), e.time(), resign(e.note(), stolen))).toList();
    AtomicFiles.deleteRecursively(dir.resolve("index"));
    try (RocksIndex index = RocksIndex.open(dir.resolve("index"))) {
      index.history().appendAll(forged);
    }
    byte[] latest = forged.get(forged.size() - 1).note();
    Files.write(dir.resolve("checkpoint"), latest);
    Files.write(dir.resolve("tiles/checkpoint"), latest);
  }

  private static byte[] resign(byte[] note, NoteSigner signer) {
    return SignedNote.sign(SignedNote.parse(note).text(), List.of(signer)).encode();
  }

  /** Copies the directory tree {@code from} to {@code to}. */
  public static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else if (!p.getFileName().toString().equals("cairn.lock")) {
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  /** Flips the bits of the byte at {@code offset} of {@code file}. */
  public static void flipByte(Path file, int offset) throws IOException {
    byte[] b = Files.readAllBytes(file);
    b[offset] ^= (byte) 0xff;
    Files.write(file, b);
  }

  /** The byte offset of entry {@code i}'s data (after its length prefix) in a bundle. */
  public static int entryOffset(byte[] bundle, int i) {
    int off = 0;
    for (int k = 0; k < i; k++) {
      off += 2 + (((bundle[off] & 0xff) << 8) | (bundle[off + 1] & 0xff));
    }
    return off + 2;
  }
}
