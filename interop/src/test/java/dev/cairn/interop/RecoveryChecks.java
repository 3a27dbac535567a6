package dev.cairn.interop;

import static org.junit.jupiter.api.Assertions.fail;

import dev.cairn.merkle.Hash;
import dev.cairn.note.VerifierKey;
import dev.cairn.tile.EntryBundle;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerificationException;
import dev.cairn.verify.VerifiedCheckpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * What must hold each time a log comes back after a crash: nothing it told its clients (the
 * {@link Ledger}) is taken back. Run against the restarted server over HTTP, {@link #check}
 * verifies that
 *
 * <ul>
 *   <li>the served checkpoint carries valid Ed25519 and ML-DSA-44 signatures and covers every
 *       acknowledged index;
 *   <li>every acknowledged index holds its exact entry in the entry bundles;
 *   <li>re-submitting acknowledged entries (all of the last round's, a sample of older ones)
 *       returns their indices;
 *   <li>every checkpoint ever served is consistent with the new one ({@code /proof/consistency}
 *       checked with {@link LogVerifier});
 *   <li>{@code /checkpoints}, read page by page, still holds every entry it held before,
 *       unchanged, holds every checkpoint ever served byte for byte, and each entry is
 *       consistent with the one before it.
 * </ul>
 *
 * <p>It keeps what it proved between calls so that each check costs what is new: a note proven
 * a prefix of the previous round's checkpoint needs no new proof, since that checkpoint is
 * proven a prefix of this one; history pairs proven once stay proven as long as the history
 * does not change, which is checked.
 */
final class RecoveryChecks {
  /** An odd page size, so that pages end at arbitrary sizes. */
  private static final int HISTORY_PAGE = 37;
  private static final int OLDER_RESUBMISSIONS = 200;
  private static final int RESUBMIT_BATCH = 1_000;

  private final Ledger ledger;
  private final LogVerifier verifier;
  private final Random random;
  /** The checkpoint of the previous check: every note in {@link #proven} is a prefix of it. */
  private VerifiedCheckpoint anchor;
  private final Set<String> proven = new HashSet<>();
  /** The size of every served note verified so far, by the key {@link Ledger} uses. */
  private final Map<String, Long> servedSizes = new HashMap<>();
  /** The history as of the previous check, each entry proven consistent with the one before. */
  private List<LogClient.HistoryEntry> history = List.of();

  /**
   * Checks for the log whose verifier keys are in {@code vkeyFile} (Ed25519 and ML-DSA-44, as
   * {@code log.vkey} holds them), drawing resubmission samples from {@code random}.
   */
  RecoveryChecks(Ledger ledger, Path vkeyFile, Random random) throws IOException {
    this.ledger = ledger;
    List<VerifierKey> keys = Files.readAllLines(vkeyFile, StandardCharsets.UTF_8).stream()
        .filter(l -> !l.isBlank()).map(VerifierKey::parse).toList();
    this.verifier = LogVerifier.ofLogKeys(keys);
    this.random = random;
  }

  /** Runs every check against the server and returns the checkpoint it served. */
  VerifiedCheckpoint check(LogClient client) throws IOException, InterruptedException {
    byte[] note = client.checkpoint();
    ledger.served(note);
    VerifiedCheckpoint latest = verify(note, "GET /checkpoint");
    long last = ledger.lastAcknowledged();
    if (last >= latest.checkpoint().size()) {
      fail("index " + last + " was acknowledged, but the first checkpoint after the restart has"
          + " size " + latest.checkpoint().size());
    }
    checkEntries(client, latest.checkpoint().size());
    checkResubmission(client);
    checkConsistency(client, latest);
    checkHistory(client, latest);
    List<String> contradictions = ledger.contradictions();
    if (!contradictions.isEmpty()) {
      fail("the log contradicted itself:\n" + String.join("\n", contradictions));
    }
    return latest;
  }

  /** Every acknowledged index below {@code size} holds its entry; reads every bundle. */
  private void checkEntries(LogClient client, long size) throws IOException,
      InterruptedException {
    Map<Long, byte[]> acknowledged = ledger.acknowledged();
    long found = 0;
    for (long b = 0; b * EntryBundle.FULL_WIDTH < size; b++) {
      int width = (int) Math.min(EntryBundle.FULL_WIDTH, size - b * EntryBundle.FULL_WIDTH);
      List<byte[]> entries = client.bundle(b, width);
      for (int k = 0; k < width; k++) {
        long index = b * EntryBundle.FULL_WIDTH + k;
        byte[] expected = acknowledged.get(index);
        if (expected == null) {
          continue;
        }
        if (!Arrays.equals(expected, entries.get(k))) {
          fail("index " + index + " was acknowledged for " + Ledger.describe(expected)
              + ", but bundle " + new EntryBundle(b, width).path() + " holds "
              + Ledger.describe(entries.get(k)));
        }
        found++;
      }
    }
    if (found != acknowledged.size()) {
      fail(acknowledged.size() + " indices were acknowledged, only " + found
          + " are below size " + size);
    }
  }

  /**
   * Resubmits every entry acknowledged since the previous check and a sample of older ones, a
   * few through {@code /add} and the rest through {@code /add-batch}, and expects their indices.
   */
  private void checkResubmission(LogClient client) throws IOException, InterruptedException {
    Map<Long, byte[]> acknowledged = ledger.acknowledged();
    List<Long> indices = new ArrayList<>(ledger.drainRecent());
    Set<Long> recent = new HashSet<>(indices);
    List<Long> older = new ArrayList<>(acknowledged.keySet());
    older.removeAll(recent);
    Collections.sort(older);
    Collections.shuffle(older, random);
    indices.addAll(older.subList(0, Math.min(OLDER_RESUBMISSIONS, older.size())));
    Collections.shuffle(indices, random);
    int single = Math.min(3, indices.size());
    for (long index : indices.subList(0, single)) {
      expectIndex(index, client.add(acknowledged.get(index)), "/add");
    }
    for (int from = single; from < indices.size(); from += RESUBMIT_BATCH) {
      List<Long> chunk = indices.subList(from, Math.min(indices.size(), from + RESUBMIT_BATCH));
      List<Long> got = client.addBatch(chunk.stream().map(acknowledged::get).toList());
      for (int i = 0; i < chunk.size(); i++) {
        expectIndex(chunk.get(i), got.get(i), "/add-batch");
      }
    }
  }

  private void expectIndex(long expected, long actual, String route) {
    if (expected != actual) {
      fail("the entry acknowledged at index " + expected + " (" + Ledger.describe(
          ledger.acknowledged().get(expected)) + ") was resubmitted through " + route
          + " and got index " + actual);
    }
  }

  /** Every served note is a prefix of {@code latest}, directly or through the last anchor. */
  private void checkConsistency(LogClient client, VerifiedCheckpoint latest) throws IOException,
      InterruptedException {
    if (anchor != null) {
      proveConsistent(client, anchor, latest, "the checkpoint served after the previous restart");
    }
    List<String> newlyProven = new ArrayList<>();
    for (byte[] note : ledger.servedNotes()) {
      String key = new String(note, StandardCharsets.ISO_8859_1);
      if (!proven.contains(key)) {
        VerifiedCheckpoint served = verify(note, "a served checkpoint");
        servedSizes.put(key, served.checkpoint().size());
        proveConsistent(client, served, latest, "a checkpoint served earlier");
        newlyProven.add(key);
      }
    }
    proven.addAll(newlyProven);
    anchor = latest;
  }

  /**
   * The history keeps what it held, holds every served note byte for byte and the latest, and
   * each new entry verifies and is consistent with the one before it.
   */
  private void checkHistory(LogClient client, VerifiedCheckpoint latest) throws IOException,
      InterruptedException {
    List<LogClient.HistoryEntry> now = client.history(HISTORY_PAGE);
    checkHistoryKept(now);
    VerifiedCheckpoint before = history.isEmpty() ? null
        : verify(history.get(history.size() - 1).note(), "/checkpoints entry");
    for (int i = history.size(); i < now.size(); i++) {
      LogClient.HistoryEntry entry = now.get(i);
      VerifiedCheckpoint c = verify(entry.note(), "/checkpoints entry of size " + entry.size());
      if (c.checkpoint().size() != entry.size()) {
        fail("/checkpoints lists a checkpoint of size " + c.checkpoint().size() + " as size "
            + entry.size());
      }
      if (before != null) {
        LogClient.HistoryEntry previous = now.get(i - 1);
        if (entry.size() <= previous.size() || entry.time().isBefore(previous.time())) {
          fail("/checkpoints is out of order: size " + previous.size() + " at "
              + previous.time() + " is followed by size " + entry.size() + " at "
              + entry.time());
        }
        proveConsistent(client, before, c, "the /checkpoints entry before it");
      }
      before = c;
    }
    checkHistoryHoldsServed(now, latest);
    history = now;
  }

  /** Every entry the history held at the previous check is still there, unchanged. */
  private void checkHistoryKept(List<LogClient.HistoryEntry> now) {
    if (now.size() < history.size()) {
      fail("/checkpoints lost entries: it held " + history.size() + ", now " + now.size());
    }
    for (int i = 0; i < history.size(); i++) {
      LogClient.HistoryEntry was = history.get(i);
      LogClient.HistoryEntry is = now.get(i);
      if (was.size() != is.size() || !was.time().equals(is.time())
          || !Arrays.equals(was.note(), is.note())) {
        fail("/checkpoints entry " + i + " changed: it was size " + was.size() + " at "
            + was.time() + ", now size " + is.size() + " at " + is.time() + "\nwas:\n"
            + text(was.note()) + "now:\n" + text(is.note()));
      }
    }
  }

  /** Every served note, and the latest checkpoint, is in the history byte for byte. */
  private void checkHistoryHoldsServed(List<LogClient.HistoryEntry> now,
      VerifiedCheckpoint latest) {
    Map<Long, byte[]> listed = new HashMap<>();
    for (LogClient.HistoryEntry e : now) {
      listed.put(e.size(), e.note());
    }
    Map<Long, byte[]> served = new HashMap<>();
    for (byte[] note : ledger.servedNotes()) {
      long size = servedSize(note);
      byte[] other = served.put(size, note);
      if (other != null) {
        fail("two different checkpoints of size " + size + " were served:\n" + text(other)
            + "and\n" + text(note));
      }
      byte[] inHistory = listed.get(size);
      if (inHistory == null) {
        fail("a checkpoint of size " + size + " was served, but /checkpoints has none:\n"
            + text(note));
      }
      if (!Arrays.equals(inHistory, note)) {
        fail("the checkpoint of size " + size + " that was served differs from the one in"
            + " /checkpoints:\nserved:\n" + text(note) + "listed:\n" + text(inHistory));
      }
    }
    if (!listed.containsKey(latest.checkpoint().size())) {
      fail("/checkpoints lacks the latest checkpoint, size " + latest.checkpoint().size());
    }
  }

  private long servedSize(byte[] note) {
    return servedSizes.computeIfAbsent(new String(note, StandardCharsets.ISO_8859_1),
        k -> verify(note, "a served checkpoint").checkpoint().size());
  }

  private void proveConsistent(LogClient client, VerifiedCheckpoint older,
      VerifiedCheckpoint newer, String what) throws IOException, InterruptedException {
    long m = older.checkpoint().size();
    long n = newer.checkpoint().size();
    if (m > n) {
      fail("the log rolled back: " + what + " has size " + m + ", the newer one " + n);
    }
    List<Hash> proof = m == 0 ? List.of() : client.consistency(m, n);
    try {
      verifier.verifyConsistency(older, newer, proof);
    } catch (VerificationException e) {
      fail(what + " (size " + m + ", root " + older.checkpoint().root() + ") is not consistent"
          + " with size " + n + " (root " + newer.checkpoint().root() + "): " + e.getMessage()
          + "\nproof from /proof/consistency?old=" + m + "&new=" + n + ": " + proof);
    }
  }

  private VerifiedCheckpoint verify(byte[] note, String what) {
    try {
      return verifier.verifyCheckpoint(note);
    } catch (VerificationException e) {
      return fail(what + " does not verify (" + e.reason() + "): " + e.getMessage() + "\n"
          + text(note));
    }
  }

  private static String text(byte[] note) {
    return new String(note, StandardCharsets.UTF_8);
  }
}
