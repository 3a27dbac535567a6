package dev.cairn.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The {@link LogReaderContract} over a directory, and what only a directory does. */
class DirectoryLogReaderTest extends LogReaderContract {
  @Override
  protected LogReader open(Path root) throws IOException {
    return DirectoryLogReader.open(root);
  }

  @Override
  protected String location(Path root, String p) {
    return root.resolve(p).toString();
  }

  @Test
  void aNarrowerPartialIsCutFromAWiderOneWhenThereIsNoFullTile() throws IOException {
    TestLog log = TestLog.write(Files.createDirectories(dir.resolve("log")), 5, 200);
    log.delete(new HashTile(0, 0, 5));
    log.delete(new EntryBundle(0, 5));
    // Names that are not a partial's are not read: a writer's temporary file, a non-canonical
    // width.
    Path partials = log.file(new HashTile(0, 0, 200)).getParent();
    Files.write(partials.resolve("0100"), new byte[100 * 32]);
    Files.write(partials.resolve(".tmp-7"), new byte[7 * 32]);
    try (LogReader reader = DirectoryLogReader.open(log.root())) {
      assertThat(reader.readTile(new HashTile(0, 0, 5)))
          .isEqualTo(Arrays.copyOf(log.bytes(new HashTile(0, 0, 200)), 5 * 32));
      assertThat(reader.readBundle(new EntryBundle(0, 5))).isEqualTo(TestLog.encoded(0, 5));
      assertThat(reader.readBundle(new EntryBundle(0, 150))).isEqualTo(TestLog.encoded(0, 150));
    }
  }

  @Test
  void theCheckpointMayLiveOutsideTheTiles() throws IOException {
    TestLog log = TestLog.write(Files.createDirectories(dir.resolve("log")), 10);
    Path elsewhere = dir.resolve("latest-checkpoint");
    Files.move(log.root().resolve("checkpoint"), elsewhere);
    try (LogReader reader = DirectoryLogReader.open(log.root(), elsewhere)) {
      assertThat(reader.checkpoint()).isEqualTo(Files.readAllBytes(elsewhere));
      assertThat(reader.treeHash(10)).isEqualTo(log.root(10));
    }
  }

  @Test
  void onlyADirectoryOpens() throws IOException {
    Path file = Files.write(dir.resolve("file"), new byte[1]);
    assertThatThrownBy(() -> DirectoryLogReader.open(file))
        .isInstanceOf(NotDirectoryException.class).hasMessageContaining(file.toString());
    assertThatThrownBy(() -> DirectoryLogReader.open(dir.resolve("nowhere")))
        .isInstanceOf(NotDirectoryException.class);
  }
}
