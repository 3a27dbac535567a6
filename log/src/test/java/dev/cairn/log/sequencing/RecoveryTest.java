package dev.cairn.log.sequencing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.storage.Lease;
import dev.cairn.log.storage.ObjectStoreReader;
import dev.cairn.log.storage.embedded.EmbeddedCoordinator;
import dev.cairn.log.testing.MemoryCheckpointHistory;
import dev.cairn.log.testing.MemoryCheckpointStore;
import dev.cairn.log.testing.MemoryDedupIndex;
import dev.cairn.log.testing.MemoryObjectStore;
import dev.cairn.log.testing.MemorySequenceLog;
import dev.cairn.log.testing.MemoryTreeStateStore;
import dev.cairn.log.testing.TestTree;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecoveryTest {
  @Test
  void aLongReplayWritesItsObjectsAChunkAtATimeAndHandsOnOnlyTheRest() throws Exception {
    MemoryObjectStore objects = new MemoryObjectStore();
    EmbeddedCoordinator c = EmbeddedCoordinator.open(new EmbeddedCoordinator.Parts(
        new MemorySequenceLog(), new MemoryDedupIndex(), new MemoryTreeStateStore(),
        new MemoryCheckpointStore(), new MemoryCheckpointHistory(), objects, () -> {}),
        Clock.systemUTC());
    Lease lease = c.acquire("recovery-test");
    TestTree tree = new TestTree();
    for (int b = 0; b < 20; b++) {
      List<Lease.Submission> batch = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        byte[] entry = ("entry " + b + "/" + i + " ".repeat(1000)).getBytes(StandardCharsets.UTF_8);
        batch.add(new Lease.Submission(entry, TestTree.leaf(entry)));
      }
      lease.assign(batch, (start, fresh, hashes) -> tree.append(fresh));
    }
    Map<String, byte[]> all = tree.takeObjects();

    // Nothing integrated: 2,000 entries of ~1 KB to replay, in chunks of 256 KiB.
    Recovery.Recovered r = Recovery.run(new ObjectStoreReader(objects, "the objects"), lease,
        objects, 256 << 10);

    assertThat(r.tree().head()).isEqualTo(tree.head());
    assertThat(r.integrated().size()).isZero();
    long handedOn = r.writes().values().stream().mapToLong(b -> b.length).sum();
    assertThat(handedOn).as("only what came after the last chunk").isLessThan(2 * 256 << 10);
    assertThat(objects.get("tile/entries/000")).as("written ahead").isPresent();
    for (Map.Entry<String, byte[]> o : all.entrySet()) {
      if (o.getKey().contains(".p/")) {
        continue; // of partial versions, the replay writes the ones at its chunks' ends
      }
      byte[] got = r.writes().containsKey(o.getKey()) ? r.writes().get(o.getKey())
          : objects.get(o.getKey()).orElse(null);
      assertThat(got).as(o.getKey()).isEqualTo(o.getValue());
    }
    Map<String, byte[]> unchunked =
        Recovery.run(new ObjectStoreReader(objects, "the objects"), lease).writes();
    assertThat(unchunked.keySet()).as("without an object store, everything is handed on")
        .containsAll(all.keySet().stream().filter(k -> !k.contains(".p/")).toList());
  }
}
