package dev.cairn.read;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.merkle.Hash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Replaying any stretch of a log, from any size to any later one, gives the reference tree's
 * root and checks the tree it starts from, whatever the sizes' places in their bundles and tiles.
 */
class ReplayPropertiesTest {
  /** Published once, at 1,800: 7 full bundles, then partials of width 8 (level 0) and 7. */
  private static final int SIZE = 1_800;
  private static final int FULL = 7 * 256;
  private static final TestLog LOG;
  private static final DirectoryLogReader READER;

  static {
    try {
      LOG = TestLog.write(Files.createTempDirectory("cairn-replay-"), SIZE);
      READER = DirectoryLogReader.open(LOG.root());
      LOG.naive();
    } catch (IOException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @AfterContainer
  static void deleteLog() throws IOException {
    try (Stream<Path> files = Files.walk(LOG.root())) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Property(tries = 200)
  void anyStretchReplaysToTheReferenceRoot(
      @ForAll @IntRange(min = 0, max = FULL) int from,
      @ForAll @IntRange(min = 0, max = FULL + 1) int end) throws Exception {
    // Sizes whose tiles the log has: any within the full tiles (cut from them), and its own.
    int to = end > FULL ? SIZE : end;
    Assume.that(from <= to);
    List<Long> bundles = new ArrayList<>();
    Map<Long, Hash> roots = new TreeMap<>();
    roots.put((long) from, LOG.root(from));
    roots.put((long) to, LOG.root(to));
    Hash root = Replay.of(READER).checking(Replay.Checkpoints.of(roots))
        .observing((bundle, entries, leafHashes) -> {
          assertThat(entries).isEqualTo(TestLog.encoded(bundle.firstEntry(), bundle.width()));
          assertThat(bundle.firstEntry() + bundle.width())
              .isEqualTo(Math.min(to, bundle.firstEntry() + 256));
          bundles.add(bundle.index());
        })
        .run(from, to);
    assertThat(root).isEqualTo(LOG.root(to));
    List<Long> expected = new ArrayList<>();
    for (long n = from / 256; from < to && n <= (to - 1) / 256; n++) {
      expected.add(n);
    }
    assertThat(bundles).isEqualTo(expected);
  }
}
