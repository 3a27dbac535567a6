package dev.cairn.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.note.SignedNote;
import dev.cairn.testing.NaiveTree;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link LogReader} does, run over each implementation against the same static
 * tlog-tiles directories written by {@link TestLog}: a log published at sizes 5, 256, 300, 700
 * and 1000 (partial tiles at level 0 and 1), and one of 65,836 entries (a full level-1 tile, a
 * level-2 tile).
 */
public abstract class LogReaderContract {
  /** The small log's published sizes. */
  static final long[] SMALL = {5, 256, 300, 700, 1000};

  @TempDir protected Path dir;
  private final List<AutoCloseable> opened = new ArrayList<>();

  /** A reader of the static log in {@code root}. */
  protected abstract LogReader open(Path root) throws IOException;

  /** Where the reader of {@code root} says {@code p} (a tile path or "checkpoint") is. */
  protected abstract String location(Path root, String p);

  /** Closes {@code c} after the test. */
  <T extends AutoCloseable> T closeLater(T c) {
    opened.add(c);
    return c;
  }

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(opened);
    for (AutoCloseable c : opened) {
      c.close();
    }
  }

  private TestLog small() throws IOException {
    return TestLog.write(Files.createDirectories(dir.resolve("small")), SMALL);
  }

  private LogReader reader(TestLog log) throws IOException {
    return closeLater(open(log.root()));
  }

  @Test
  void theCheckpointIsTheNoteAsStored() throws IOException {
    TestLog log = small();
    byte[] note = reader(log).checkpoint();
    assertThat(note).isEqualTo(Files.readAllBytes(log.root().resolve("checkpoint")));
    Checkpoint c = Checkpoint.parse(SignedNote.parse(note).text());
    assertThat(c.size()).isEqualTo(1000);
    assertThat(c.root()).isEqualTo(log.root(1000));
  }

  @Test
  void aLogWithoutACheckpointHasNone() throws IOException {
    TestLog log = small();
    Files.delete(log.root().resolve("checkpoint"));
    assertThatThrownBy(() -> reader(log).checkpoint()).isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(location(log.root(), "checkpoint"));
  }

  @Test
  void everyStoredTileAndBundleReadsBackAsStoredAtItsWidth() throws IOException {
    TestLog log = small();
    LogReader reader = reader(log);
    List<TilePath> all = stored(log);
    assertThat(all).extracting(TilePath::path).contains("tile/0/000.p/5", "tile/0/001",
        "tile/0/003.p/232", "tile/1/000.p/1", "tile/1/000.p/3", "tile/entries/002.p/188",
        "tile/entries/003.p/232");
    for (TilePath p : all) {
      byte[] data = read(reader, p);
      assertThat(data).as(p.path()).isEqualTo(log.bytes(p));
      if (p instanceof HashTile t) {
        for (int i = 0; i < t.width(); i++) {
          assertThat(Hash.copyOf(data, i * 32)).as(p.path() + " hash " + i)
              .isEqualTo(log.naive().read(8 * t.level(), t.index() * 256 + i));
        }
      } else {
        EntryBundle b = (EntryBundle) p;
        assertThat(data).as(p.path()).isEqualTo(TestLog.encoded(b.firstEntry(), b.width()));
        assertThat(reader.entries(b)).as(p.path()).hasSize(b.width())
            .first().isEqualTo(NaiveTree.entry(b.firstEntry()));
      }
    }
  }

  @Test
  void aPartialNeverStoredOrDeletedIsCutFromTheFullOne() throws IOException {
    TestLog log = small();
    log.delete(new HashTile(0, 1, 44));
    log.delete(new EntryBundle(1, 44));
    LogReader reader = reader(log);
    for (int width : new int[] {1, 17, 44, 255}) {
      assertThat(reader.readTile(new HashTile(0, 1, width))).as("width " + width)
          .isEqualTo(Arrays.copyOf(log.bytes(HashTile.full(0, 1)), width * 32));
      assertThat(reader.readBundle(new EntryBundle(1, width))).as("width " + width)
          .isEqualTo(TestLog.encoded(256, width));
    }
  }

  @Test
  void whatWasNeverWrittenIsMissingNamingIt() throws IOException {
    TestLog log = small();
    LogReader reader = reader(log);
    for (TilePath p : List.of(HashTile.full(0, 3), new HashTile(0, 4, 3), new HashTile(1, 1, 1),
        EntryBundle.full(3), new EntryBundle(4, 3), new HashTile(0, 3, 240),
        new EntryBundle(3, 240))) {
      assertThatThrownBy(() -> read(reader, p)).as(p.path())
          .isInstanceOf(NoSuchFileException.class)
          .hasMessageContaining(location(log.root(), p.path()));
    }
  }

  @Test
  void aFullTileMustBeExactly8192Bytes() throws IOException {
    TestLog log = small();
    LogReader reader = reader(log);
    HashTile full = HashTile.full(0, 1);
    log.resize(full, 8191);
    assertThatThrownBy(() -> reader.readTile(full)).isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining(location(log.root(), full.path()))
        .hasMessageContaining("has 8191 bytes, but a full tile has 8192");
    // Also when it stands in for a partial.
    assertThatThrownBy(() -> reader.readTile(new HashTile(0, 1, 3)))
        .isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining(location(log.root(), full.path()));
    log.resize(full, 8192 + 32);
    assertThatThrownBy(() -> reader.readTile(full)).isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining(location(log.root(), full.path()))
        .hasMessageContaining("8224 bytes, more than the 8192");
  }

  @Test
  void aPartialTileMustHoldItsWidthInWholeHashes() throws IOException {
    TestLog log = small();
    LogReader reader = reader(log);
    HashTile partial = new HashTile(0, 3, 232);
    log.resize(partial, 232 * 32 - 32);
    assertThatThrownBy(() -> reader.readTile(partial))
        .isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining(location(log.root(), partial.path()))
        .hasMessageContaining("has 7392 bytes, but a tile of width 232 has 7424");
    log.resize(partial, 232 * 32 + 1);
    assertThatThrownBy(() -> reader.readTile(partial))
        .isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining("has 7425 bytes");
  }

  @Test
  void aFullBundleHoldsExactly256EntriesAndNothingAfter() throws IOException {
    TestLog log = small();
    LogReader reader = reader(log);
    EntryBundle full = EntryBundle.full(1);
    byte[] good = log.bytes(full);
    log.replace(full, Arrays.copyOf(good, good.length + 1));
    assertThatThrownBy(() -> reader.readBundle(full))
        .isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining(location(log.root(), full.path()))
        .hasMessageContaining("has 1 bytes after its 256 entries");
    log.replace(full, Arrays.copyOf(good, good.length - 3));
    assertThatThrownBy(() -> reader.readBundle(full))
        .isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining(location(log.root(), full.path()))
        .hasMessageContaining("is truncated: entry 511 (position 255) has 9 bytes but only 6"
            + " remain");
    assertThatThrownBy(() -> reader.readBundle(new EntryBundle(1, 45)))
        .isInstanceOf(MalformedObjectException.class);
  }

  @Test
  void aPartialBundleHoldsAtLeastItsWidth() throws IOException {
    TestLog log = small();
    LogReader reader = reader(log);
    EntryBundle partial = new EntryBundle(3, 232);
    log.replace(partial, TestLog.encoded(768, 231));
    assertThatThrownBy(() -> reader.readBundle(partial))
        .isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining(location(log.root(), partial.path()))
        .hasMessageContaining("is truncated: it ends (2541 bytes) before entry 999"
            + " (position 231)");
  }

  @Test
  void aCheckpointLargerThanAnyNoteIsRefused() throws IOException {
    TestLog log = small();
    Files.write(log.root().resolve("checkpoint"), new byte[SignedNote.MAX_SIZE + 1]);
    assertThatThrownBy(() -> reader(log).checkpoint())
        .isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining(location(log.root(), "checkpoint"))
        .hasMessageContaining("more than the " + SignedNote.MAX_SIZE);
  }

  @Test
  void treeHashesAndProofsAreTheReferenceTreesOnes() throws IOException {
    TestLog log = small();
    LogReader reader = reader(log);
    NaiveTree naive = log.naive();
    Random random = new Random(7);
    // Sizes whose partial tiles were published, and any size the full tiles cover.
    List<Integer> sizes = new ArrayList<>(List.of(1, 5, 255, 256, 257, 300, 511, 512, 700, 768,
        1000));
    for (int i = 0; i < 8; i++) {
      sizes.add(1 + random.nextInt(768));
    }
    for (int size : sizes) {
      assertThat(reader.treeHash(size)).as("size " + size).isEqualTo(naive.root(size));
      int index = random.nextInt(size);
      assertThat(reader.inclusionProof(index, size)).as("index " + index + " size " + size)
          .isEqualTo(naive.path(index, 0, size));
      int old = 1 + random.nextInt(size);
      assertThat(reader.consistencyProof(old, size)).as(old + " to " + size)
          .isEqualTo(naive.consistency(old, size));
    }
    assertThat(reader.treeHash(0)).isEqualTo(Hash.of(NaiveTree.sha()));
  }

  @Test
  void aLogPastTheFirstFullLevelOneTileReadsAndProves() throws IOException {
    TestLog log = TestLog.write(Files.createDirectories(dir.resolve("big")), 65_536, 65_836);
    LogReader reader = reader(log);
    NaiveTree naive = log.naive();
    assertThat(reader.readTile(HashTile.full(1, 0))).isEqualTo(log.bytes(HashTile.full(1, 0)));
    assertThat(reader.readTile(new HashTile(2, 0, 1)))
        .isEqualTo(naive.read(16, 0).toByteArray());
    assertThat(reader.readTile(new HashTile(1, 1, 1)))
        .isEqualTo(naive.read(8, 256).toByteArray());
    assertThat(reader.treeHash(65_836)).isEqualTo(naive.root(65_836));
    assertThat(reader.treeHash(65_536)).isEqualTo(naive.root(65_536));
    assertThat(reader.inclusionProof(65_600, 65_836)).isEqualTo(naive.path(65_600, 0, 65_836));
    assertThat(reader.consistencyProof(1_000, 65_836))
        .isEqualTo(naive.consistency(1_000, 65_836));
  }

  @Test
  void concurrentReadsAllSeeWhatIsStored() throws Exception {
    TestLog log = small();
    LogReader reader = reader(log);
    List<TilePath> all = stored(log);
    Map<TilePath, byte[]> expected = new java.util.HashMap<>();
    for (TilePath p : all) {
      expected.put(p, log.bytes(p));
    }
    List<Future<Integer>> done = new ArrayList<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int t = 0; t < 16; t++) {
        List<TilePath> order = new ArrayList<>(all);
        Collections.shuffle(order, new Random(t));
        done.add(threads.submit(() -> {
          for (TilePath p : order) {
            assertThat(read(reader, p)).as(p.path()).isEqualTo(expected.get(p));
          }
          return order.size();
        }));
      }
    }
    for (Future<Integer> f : done) {
      assertThat(f.get()).isEqualTo(all.size());
    }
  }

  static byte[] read(LogReader reader, TilePath p) throws IOException {
    return p instanceof HashTile t ? reader.readTile(t) : reader.readBundle((EntryBundle) p);
  }

  /** Every tile and bundle stored in the log's directory. */
  static List<TilePath> stored(TestLog log) throws IOException {
    try (Stream<Path> files = Files.walk(log.root().resolve("tile"))) {
      return files.filter(Files::isRegularFile)
          .map(f -> TilePath.parse(log.root().relativize(f).toString().replace('\\', '/')))
          .toList();
    }
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
