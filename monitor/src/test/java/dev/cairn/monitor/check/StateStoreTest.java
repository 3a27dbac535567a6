package dev.cairn.monitor.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The accepted state of each log: round trips, refuses bad names, forgets removed logs late. */
class StateStoreTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;

  private static LogState state(long size, Instant at) {
    return new LogState("origin\n" + size + "\nroot\n", size, "cm9vdA==", at, at, "run-" + size);
  }

  @Test
  void aStateReadsBackAsWritten() throws IOException {
    StateStore s = StateStore.open(dir);
    assertThat(s.read("a")).isEmpty();
    s.write("a", state(5, T));
    assertThat(StateStore.open(dir).read("a")).contains(state(5, T));
  }

  @Test
  void aNameThatCouldLeaveTheDirectoryIsRefused() throws IOException {
    StateStore s = StateStore.open(dir);
    assertThatThrownBy(() -> s.write("../x", state(1, T)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("../x");
  }

  @Test
  void anUnreadableStateNamesItsFileAndTheWayOut() throws IOException {
    StateStore s = StateStore.open(dir);
    Files.writeString(dir.resolve("logs/a.json"), "{not json");
    assertThatThrownBy(() -> s.read("a")).isInstanceOf(IOException.class)
        .hasMessageContaining("a.json").hasMessageContaining("move it aside");
  }

  @Test
  void theStateOfALogRemovedFromTheConfigurationIsForgottenAfterTheRetention()
      throws IOException {
    StateStore s = StateStore.open(dir);
    s.write("kept", state(1, T));
    s.write("removed-long-ago", state(2, T));
    s.write("removed-lately", state(3, T.plusSeconds(3600)));
    assertThat(s.prune(Set.of("kept"), T.plusSeconds(60))).containsExactly("removed-long-ago");
    assertThat(s.read("kept")).isPresent();
    assertThat(s.read("removed-long-ago")).isEmpty();
    assertThat(s.read("removed-lately")).isPresent();
  }
}
