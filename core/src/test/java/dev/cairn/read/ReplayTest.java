package dev.cairn.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.merkle.Hash;
import dev.cairn.testing.NaiveTree;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Replay} over a directory and over HTTP (a static file server, so bundles are read ahead
 * on virtual threads): what it checks, what it reports first when the data was tampered with,
 * and replaying from a middle size.
 */
class ReplayTest {
  private static final HexFormat HEX = HexFormat.of();

  /** How the log is read. */
  enum Kind {
    DIRECTORY,
    HTTP
  }

  @TempDir Path dir;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(opened);
    for (AutoCloseable c : opened) {
      c.close();
    }
  }

  /** The log of {@link LogReaderContract#SMALL}: published at 5, 256, 300, 700 and 1000. */
  private TestLog small() throws IOException {
    return TestLog.write(Files.createDirectories(dir.resolve("small")), LogReaderContract.SMALL);
  }

  private LogReader reader(Kind kind, TestLog log) throws IOException {
    LogReader reader = switch (kind) {
      case DIRECTORY -> DirectoryLogReader.open(log.root());
      case HTTP -> {
        StaticServer server = new StaticServer(log.root());
        opened.add(server);
        yield HttpLogReader.open(server.uri());
      }
    };
    opened.add(reader);
    return reader;
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aReplayHashesEveryEntryAndHandsOverEveryCheckpointAndBundle(Kind kind) throws Exception {
    TestLog log = small();
    Recorder checkpoints = new Recorder(0, 5, 256, 300, 700, 1000);
    List<String> bundles = new ArrayList<>();
    List<Long> progress = new ArrayList<>();
    Hash root = Replay.of(reader(kind, log)).checking(checkpoints)
        .observing((bundle, entries, leafHashes) -> {
          bundles.add(bundle.path());
          assertThat(entries).isEqualTo(TestLog.encoded(bundle.firstEntry(), bundle.width()));
          for (int i = 0; i < bundle.width(); i++) {
            assertThat(Hash.copyOf(leafHashes, 32 * i))
                .isEqualTo(Hash.of(log.naive().leafHash((int) bundle.firstEntry() + i)));
          }
        })
        .reporting(progress::add).run(0, 1000);
    assertThat(root).isEqualTo(log.root(1000));
    List<String> expected = new ArrayList<>();
    for (long size : new long[] {0, 5, 256, 300, 700, 1000}) {
      expected.add(size + " " + log.root(size));
    }
    assertThat(checkpoints.reached).isEqualTo(expected);
    assertThat(bundles).containsExactly("tile/entries/000", "tile/entries/001",
        "tile/entries/002", "tile/entries/003.p/232");
    assertThat(progress).containsExactly(256L, 512L, 768L, 1000L);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aFlippedByteInAnEntryIsTheFirstDivergence(Kind kind) throws IOException {
    TestLog log = small();
    // Entry 263 is at position 7 of bundle 1; each entry takes 2 + 9 bytes.
    log.flip(EntryBundle.full(1), 7 * 11 + 2);
    log.flip(HashTile.full(0, 2), 0); // later: must not be what is reported
    byte[] tampered = "dntry 263".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> Replay.of(reader(kind, log)).run(0, 1000))
        .isInstanceOf(Divergence.class)
        .hasMessage("entry 263: tile tile/0/001 holds leaf hash " + leafHex(log, 263)
            + " at position 7, but the entry in tile/entries/001 hashes to "
            + HEX.formatHex(NaiveTree.sha(new byte[] {0}, tampered)));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aFlippedByteInALevelZeroTileIsTheFirstDivergence(Kind kind) throws IOException {
    TestLog log = small();
    log.flip(HashTile.full(0, 2), 10 * 32 + 5);
    byte[] stored = log.naive().leafHash(522);
    stored[5] ^= 1;
    assertThatThrownBy(() -> Replay.of(reader(kind, log)).run(0, 1000))
        .isInstanceOf(Divergence.class)
        .hasMessage("entry 522: tile tile/0/002 holds leaf hash " + HEX.formatHex(stored)
            + " at position 10, but the entry in tile/entries/002 hashes to "
            + leafHex(log, 522));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aFlippedByteInAPartialLevelOneTileIsFound(Kind kind) throws IOException {
    TestLog log = small();
    log.flip(new HashTile(1, 0, 3), 32 + 31);
    byte[] good = log.naive().read(8, 1).toByteArray();
    byte[] bad = good.clone();
    bad[31] ^= 1;
    assertThatThrownBy(() -> Replay.of(reader(kind, log)).run(0, 1000))
        .isInstanceOf(Divergence.class)
        .hasMessage("tile tile/1/000.p/3: hash 1 (the subtree of entries 256 to 511) is "
            + HEX.formatHex(bad) + " but the entries give " + HEX.formatHex(good));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aFlippedByteInAFullLevelOneTileIsFoundWhenItCompletes(Kind kind) throws IOException {
    TestLog log = TestLog.write(Files.createDirectories(dir.resolve("big")), 65_536, 65_836);
    log.flip(HashTile.full(1, 0), 3 * 32);
    byte[] good = log.naive().read(8, 3).toByteArray();
    byte[] bad = good.clone();
    bad[0] ^= 1;
    List<Long> progress = new ArrayList<>();
    assertThatThrownBy(() -> Replay.of(reader(kind, log)).reporting(progress::add)
        .run(0, 65_836))
        .isInstanceOf(Divergence.class)
        .hasMessage("tile tile/1/000: hash 3 (the subtree of entries 768 to 1023) is "
            + HEX.formatHex(bad) + " but the entries give " + HEX.formatHex(good));
    assertThat(progress).hasSize(255).last().isEqualTo(255L * 256);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aWrongRootAtACheckpointSizeStopsTheReplayThere(Kind kind) throws IOException {
    TestLog log = small();
    Hash wrong = log.root(699);
    List<String> bundles = new ArrayList<>();
    assertThatThrownBy(() -> Replay.of(reader(kind, log))
        .checking(Replay.Checkpoints.of(Map.of(256L, log.root(256), 700L, wrong)))
        .observing((bundle, entries, leafHashes) -> bundles.add(bundle.path()))
        .run(0, 1000))
        .isInstanceOf(Divergence.class)
        .hasMessage("the checkpoint of size 700 has root " + wrong + ", but the first 700"
            + " entries give " + log.root(700));
    assertThat(bundles).containsExactly("tile/entries/000", "tile/entries/001");
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aReplayFromAMiddleSizeReadsAndChecksOnlyTheBundlesFromThere(Kind kind)
      throws Exception {
    TestLog log = small();
    log.flip(EntryBundle.full(0), 2); // before the start: never read
    List<String> bundles = new ArrayList<>();
    Recorder checkpoints = new Recorder(300, 700, 1000);
    Hash root = Replay.of(reader(kind, log)).checking(checkpoints)
        .observing((bundle, entries, leafHashes) -> bundles.add(bundle.path()))
        .run(300, 1000);
    assertThat(root).isEqualTo(log.root(1000));
    assertThat(checkpoints.reached).containsExactly("300 " + log.root(300),
        "700 " + log.root(700), "1000 " + log.root(1000));
    assertThat(bundles).containsExactly("tile/entries/001", "tile/entries/002",
        "tile/entries/003.p/232");

    // The bundle the start falls in is checked whole, its entries before the start too.
    log.flip(EntryBundle.full(1), 10 * 11 + 2);
    assertThatThrownBy(() -> Replay.of(reader(kind, log)).run(300, 1000))
        .isInstanceOf(Divergence.class).hasMessageStartingWith("entry 266: tile tile/0/001");
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theTreeAReplayStartsFromIsCheckedByTheRootAtItsSize(Kind kind) throws IOException {
    TestLog log = small();
    log.flip(new HashTile(0, 1, 44), 43 * 32);
    assertThatThrownBy(() -> Replay.of(reader(kind, log))
        .checking(Replay.Checkpoints.of(Map.of(300L, log.root(300)))).run(300, 1000))
        .isInstanceOf(Divergence.class)
        .hasMessageStartingWith("the checkpoint of size 300 has root " + log.root(300)
            + ", but the first 300 entries give ");
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aDeletedPartialIsReplayedFromTheFullTileAndBundle(Kind kind) throws Exception {
    TestLog log = small();
    // At 700 the log published tile/0/002.p/188 and its bundle; both are full since 768.
    log.delete(new HashTile(0, 2, 188));
    log.delete(new EntryBundle(2, 188));
    List<String> bundles = new ArrayList<>();
    Hash root = Replay.of(reader(kind, log))
        .checking(Replay.Checkpoints.of(Map.of(700L, log.root(700))))
        .observing((bundle, entries, leafHashes) -> bundles.add(bundle.path()))
        .run(0, 700);
    assertThat(root).isEqualTo(log.root(700));
    assertThat(bundles).last().isEqualTo("tile/entries/002.p/188");
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aMissingOrMisshapenObjectIsADivergenceNamingIt(Kind kind) throws IOException {
    TestLog log = small();
    byte[] bundle = log.bytes(EntryBundle.full(1));
    log.replace(EntryBundle.full(1), java.util.Arrays.copyOf(bundle, bundle.length + 1));
    assertThatThrownBy(() -> Replay.of(reader(kind, log)).run(0, 1000))
        .isInstanceOf(Divergence.class)
        .hasMessageEndingWith("tile/entries/001 has 1 bytes after its 256 entries");
    log.delete(EntryBundle.full(1));
    assertThatThrownBy(() -> Replay.of(reader(kind, log)).run(0, 1000))
        .isInstanceOf(Divergence.class)
        .hasMessageContaining("tile/entries/001");
    log.delete(new HashTile(1, 0, 3));
    assertThatThrownBy(() -> Replay.of(reader(kind, log)).run(512, 1000))
        .isInstanceOf(Divergence.class)
        .hasMessageContaining("tile/1/000.p/3");
  }

  @Test
  void checkpointSizesBeforeTheStartAreRefused() throws IOException {
    TestLog log = small();
    Replay replay = Replay.of(reader(Kind.DIRECTORY, log))
        .checking(Replay.Checkpoints.of(Map.of(256L, log.root(256))));
    assertThatThrownBy(() -> replay.run(300, 1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("size 256, is before the replay's start at size 300");
    assertThatThrownBy(() -> replay.run(10, 5)).isInstanceOf(IllegalArgumentException.class);
  }

  private static String leafHex(TestLog log, int i) {
    return HEX.formatHex(log.naive().leafHash(i));
  }

  /** Checks nothing; records each size reached with its root. */
  static final class Recorder implements Replay.Checkpoints {
    private final Deque<Long> sizes = new ArrayDeque<>();
    final List<String> reached = new ArrayList<>();

    Recorder(long... sizes) {
      for (long s : sizes) {
        this.sizes.add(s);
      }
    }

    @Override
    public long nextSize() {
      return sizes.isEmpty() ? -1 : sizes.peek();
    }

    @Override
    public void reached(long size, Hash root) {
      assertThat(sizes.pop()).isEqualTo(size);
      reached.add(size + " " + root);
    }
  }
}
