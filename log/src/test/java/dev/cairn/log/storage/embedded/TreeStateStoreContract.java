package dev.cairn.log.storage.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.storage.TreeHead;
import dev.cairn.merkle.Hasher;
import org.junit.jupiter.api.Test;

/** The {@link TreeStateStore} contract. */
public abstract class TreeStateStoreContract {
  protected abstract TreeStateStore store() throws Exception;

  protected abstract TreeStateStore reopen() throws Exception;

  @Test
  void loadsTheLastSavedHead() throws Exception {
    TreeStateStore s = store();
    assertThat(s.load()).isEmpty();
    TreeHead a = new TreeHead(0, Hasher.emptyRoot());
    TreeHead b = new TreeHead(12345678901L, Hasher.threadLocal().leaf(new byte[] {1}));
    s.save(a);
    assertThat(s.load()).contains(a);
    s.save(b);
    assertThat(s.load()).contains(b);
    assertThat(reopen().load()).contains(b);
  }
}
