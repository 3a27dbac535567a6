package dev.cairn.log.storage.embedded;

import dev.cairn.log.storage.SequencedBatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.merkle.Hash;
import dev.cairn.log.storage.embedded.SequenceLog;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.testing.ScratchMount;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The append-only files of the embedded backends on a real file system that runs out of space
 * or of inodes part way through a write: what a failed append leaves must not hide or break the
 * appends after it. The tests mount a tmpfs, so they need root; elsewhere they are skipped.
 */
class LocalStoresDiskFaultTest {
  @TempDir Path scratch;
  private ScratchMount mount;

  @AfterEach
  void unmount() throws IOException {
    if (mount != null) {
      mount.close();
    }
  }

  private static TreeHead head(long size) {
    byte[] root = new byte[Hash.SIZE];
    Arrays.fill(root, (byte) size);
    return new TreeHead(size, Hash.of(root));
  }

  /** Writes {@code filler} until the file system is full; returns it, for freeing space. */
  static Path fillUp(Path filler) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
      byte[] block = new byte[4096];
      while (true) {
        f.write(block);
      }
    } catch (IOException full) {
      assertThat(full).hasMessageContaining("No space left on device");
    }
    return filler;
  }

  /**
   * The tree state's 48-byte records fill the file's first 4 KiB page after 85 saves; the 86th
   * needs a second page, and on a full disk only its first 16 bytes land. A save after that must
   * not follow those 16 bytes: its record would sit off the 48-byte grid and load() would find
   * the older head — whose sequence log batches may already be dropped.
   */
  @Test
  void aTreeStateRecordCutShortByAFullDiskHidesNoLaterSave() throws IOException {
    mount = ScratchMount.tmpfs(scratch.resolve("fs"), 64 << 10);
    Path fs = mount.path();
    LocalTreeStateStore store = new LocalTreeStateStore(fs.resolve("tree-state"),
        fs.resolve(".tmp"));
    for (int size = 1; size <= 85; size++) {
      store.save(head(size));
    }
    Path filler = fillUp(fs.resolve("filler"));
    assertThatThrownBy(() -> store.save(head(86))).isInstanceOf(IOException.class)
        .hasMessageContaining("No space left on device");
    assertThat(store.load()).hasValue(head(85));

    Files.delete(filler);
    store.save(head(87));
    store.save(head(88));
    store.close();
    assertThat(new LocalTreeStateStore(fs.resolve("tree-state"), fs.resolve(".tmp")).load())
        .hasValue(head(88));
  }

  /**
   * A sequence log append that runs out of space part way leaves nothing behind: the file ends
   * at the last whole record, later appends follow it, and a restart replays them all.
   */
  @Test
  void aSequenceLogAppendCutShortByAFullDiskLeavesNoPartialRecord() throws IOException {
    mount = ScratchMount.tmpfs(scratch.resolve("fs"), 256 << 10);
    Path dir = mount.path().resolve("sequence-log");
    List<SequencedBatch> appended = new ArrayList<>();
    Path filler;
    try (LocalSequenceLog log = new LocalSequenceLog(dir)) {
      appended.add(batch(0, 3));
      log.append(appended.get(0));
      filler = fillUp(mount.path().resolve("filler"));
      long before = Files.size(dir.resolve("0000000000000000.wal"));
      // A record of 8 KiB: whatever part of it fits, the append fails.
      assertThatThrownBy(() -> log.append(batch(3, 8))).isInstanceOf(IOException.class)
          .hasMessageContaining("couldn't append the batch at 3")
          .hasMessageContaining("No space left on device");
      assertThat(Files.size(dir.resolve("0000000000000000.wal"))).isEqualTo(before);
      assertThat(replay(log)).isEqualTo(sizes(appended));

      Files.delete(filler);
      appended.add(batch(3, 8));
      log.append(appended.get(1));
      appended.add(batch(11, 2));
      log.append(appended.get(2));
    }
    try (LocalSequenceLog reopened = new LocalSequenceLog(dir)) {
      assertThat(replay(reopened)).isEqualTo(sizes(appended));
    }
  }

  /**
   * Starting a segment when no file can be created (the file system is out of inodes) fails
   * that append and changes nothing else: once a file can be created, appends go on — the log
   * must not be left holding a closed segment — and a restart replays everything.
   */
  @Test
  void aSegmentThatCannotBeCreatedLeavesTheLogWorkingOnceItCan() throws IOException {
    mount = ScratchMount.tmpfs(scratch.resolve("fs"), 1 << 20, 32);
    Path dir = mount.path().resolve("sequence-log");
    List<SequencedBatch> appended = new ArrayList<>();
    try (LocalSequenceLog log = new LocalSequenceLog(dir, 2048)) {
      for (long start = 0; start < 8; start += 4) { // each record ~4 KiB: a segment each
        appended.add(batch(start, 4));
        log.append(appended.get(appended.size() - 1));
      }
      List<Path> fillers = new ArrayList<>();
      try {
        for (int i = 0; ; i++) {
          Path f = mount.path().resolve("inode-" + i);
          Files.createFile(f);
          fillers.add(f);
        }
      } catch (IOException outOfInodes) {
        assertThat(outOfInodes).hasMessageContaining("No space left on device");
      }
      assertThatThrownBy(() -> log.append(batch(8, 4))).isInstanceOf(IOException.class)
          .hasMessageContaining("0000000000000008.wal")
          .hasMessageContaining("No space left on device");
      assertThat(replay(log)).isEqualTo(sizes(appended));

      for (Path f : fillers) {
        Files.delete(f);
      }
      appended.add(batch(8, 4));
      log.append(appended.get(2));
      appended.add(batch(12, 1));
      log.append(appended.get(3));
    }
    try (LocalSequenceLog reopened = new LocalSequenceLog(dir, 2048)) {
      assertThat(replay(reopened)).isEqualTo(sizes(appended));
    }
  }

  /** A batch of {@code n} 1 KiB entries from {@code start}. */
  private static SequencedBatch batch(long start, int n) {
    List<byte[]> entries = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] e = new byte[1024];
      Arrays.fill(e, (byte) (start + i));
      entries.add(e);
    }
    return new SequencedBatch(start, entries, head(start + n));
  }

  private static List<Long> sizes(List<SequencedBatch> batches) {
    return batches.stream().map(b -> b.head().size()).toList();
  }

  private static List<Long> replay(SequenceLog log) throws IOException {
    List<Long> sizes = new ArrayList<>();
    log.replay(0, b -> sizes.add(b.head().size()));
    return sizes;
  }
}
