package dev.cairn.log.storage.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.replay.DataDirSource;
import dev.cairn.log.replay.Progress;
import dev.cairn.log.replay.Replay;
import dev.cairn.log.sequencing.Sequencer;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.read.DirectoryLogReader;
import dev.cairn.log.testing.StoredLogs;
import dev.cairn.note.SignedNote;
import dev.cairn.tile.TileLayout;
import dev.cairn.tile.TilePath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory written by the previous version (layout 1: a partial tile at its full path,
 * replaced as it grew; {@code src/test/resources/fixtures/layout-1}) is migrated on its first
 * start: every checkpoint of its history gets its partial tiles under their own paths, no
 * object at a full path is partial any more, the log goes on at the same size with the same
 * entries and dedup, replays offline, and a migration that has to run again changes nothing.
 */
class LayoutMigrationTest {
  private static final String ORIGIN = "example.com/layout-1";
  @TempDir Path dir;
  private Path data;

  @BeforeEach
  void copyFixture() throws Exception {
    Path fixture = Path.of(getClass().getResource("/fixtures/layout-1/data").toURI());
    data = dir.resolve("data");
    try (Stream<Path> files = Files.walk(fixture)) {
      for (Path p : files.toList()) {
        Path target = data.resolve(fixture.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private TransparencyLog open() throws Exception {
    return TransparencyLog.open(new LogConfig(data, Optional.of(ORIGIN),
        new SequencerConfig(Duration.ofMillis(2), 256, 10_000), Duration.ofMillis(20),
        Clock.systemUTC()));
  }

  private static String entry(int i) {
    return "layout-1 entry " + i;
  }

  @Test
  void aLayoutOneDirectoryIsMigratedOnItsFirstStartAndGoesOn() throws Exception {
    Path tiles = data.resolve("tiles");
    assertThat(data.resolve(DataDir.LAYOUT_FILE)).doesNotExist();
    assertThat(tiles.resolve("tile/entries/002")).as("layout 1: the partial bundle").exists();

    try (TransparencyLog log = open()) {
      assertThat(Files.readString(data.resolve(DataDir.LAYOUT_FILE)).strip()).isEqualTo("2");
      assertThat(log.publisher().latest().checkpoint().size()).isEqualTo(600);
      for (String gone : List.of("tile/entries/002", "tile/0/002", "tile/1/000")) {
        assertThat(tiles.resolve(gone)).as("%s held a partial tile", gone).doesNotExist();
      }
      for (int w : new int[] {7, 8, 47, 48, 87, 88}) {
        assertThat(tiles.resolve("tile/entries/002.p/" + w)).exists();
        assertThat(tiles.resolve("tile/0/002.p/" + w)).exists();
      }
      assertThat(tiles.resolve("tile/1/000.p/1")).exists();
      assertThat(tiles.resolve("tile/1/000.p/2")).exists();
      assertThat(tiles.resolve("checkpoint")).hasBinaryContent(log.publisher().latest().note());
      assertThat(log.tiles().entries(TileLayout.bundleFor(512, 600)).get(87))
          .isEqualTo(entry(599).getBytes(UTF_8));

      // It goes on: a resubmitted entry keeps its index, new ones follow.
      Sequencer s = log.sequencer();
      assertThat(s.add(entry(123).getBytes(UTF_8)).get(10, TimeUnit.SECONDS))
          .isEqualTo(new Sequencer.Added(123, true));
      List<byte[]> more = new ArrayList<>();
      for (int i = 600; i < 700; i++) {
        more.add(entry(i).getBytes(UTF_8));
      }
      for (var f : s.addAll(more)) {
        f.get(10, TimeUnit.SECONDS);
      }
      log.publisher().publish();
      assertThat(log.publisher().latest().checkpoint().size()).isEqualTo(700);
    }

    // Offline, every checkpoint replays, and a static copy has each one's tiles.
    try (DataDirSource source = DataDirSource.open(data)) {
      Replay.Result r = Replay.run(source, StoredLogs.verifier(data), Progress.NONE, true);
      assertThat(r.entries()).isEqualTo(700);
      assertThat(r.checkpoints()).isGreaterThanOrEqualTo(9);
    }
    DirectoryLogReader stat = DirectoryLogReader.open(tiles);
    try (DataDirSource source = DataDirSource.open(data)) {
      for (CheckpointHistory.Entry e : source.history().list(-1, 100, Instant.EPOCH,
          Instant.MAX)) {
        Checkpoint c = Checkpoint.parse(SignedNote.parse(e.note()).text());
        assertThat(stat.treeHash(c.size())).as("size %d", c.size()).isEqualTo(c.root());
        readEverything(stat, c.size());
      }
    }
  }

  @Test
  void aMigrationThatMustRunAgainChangesNothing() throws Exception {
    try (TransparencyLog log = open()) {
      assertThat(log.publisher().latest().checkpoint().size()).isEqualTo(600);
    }
    List<String> migrated = listing(data.resolve("tiles"));
    // As if the start had crashed before the layout file was written.
    Files.delete(data.resolve(DataDir.LAYOUT_FILE));
    try (TransparencyLog log = open()) {
      assertThat(log.publisher().latest().checkpoint().size()).isEqualTo(600);
    }
    assertThat(listing(data.resolve("tiles"))).isEqualTo(migrated);
    assertThat(Files.readString(data.resolve(DataDir.LAYOUT_FILE)).strip()).isEqualTo("2");
  }

  private static List<String> listing(Path root) throws Exception {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).filter(p -> !p.toString().contains("/.tmp/"))
          .map(p -> root.relativize(p).toString()).sorted().toList();
    }
  }

  /** Reads every tile and bundle a client of the checkpoint of {@code size} may fetch. */
  private static void readEverything(DirectoryLogReader stat, long size) throws Exception {
    for (long first = 0; first < size; first += TilePath.FULL_WIDTH) {
      assertThat(stat.entries(TileLayout.bundleFor(first, size))).isNotEmpty();
    }
    for (int level = 0; TileLayout.hashesAtLevel(level, size) > 0; level++) {
      long hashes = TileLayout.hashesAtLevel(level, size);
      for (long first = 0; first < hashes; first += TilePath.FULL_WIDTH) {
        assertThat(stat.readTile(TileLayout.tileFor(level, first, size))).isNotEmpty();
      }
    }
  }
}
