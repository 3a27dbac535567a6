package dev.cairn.log.testing;

import dev.cairn.merkle.Hash;
import dev.cairn.log.storage.embedded.DedupIndex;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** A dedup index that fails the adds it is told to fail. */
public final class FaultyDedupIndex implements DedupIndex {
  private final DedupIndex inner;
  private final FaultPlan faults = new FaultPlan("dedup add");

  /** Wraps {@code inner}. */
  public FaultyDedupIndex(DedupIndex inner) {
    this.inner = inner;
  }

  /** Fails the next add as {@code fault} says. */
  public void failNextAdd(Fault fault) {
    faults.arm(fault);
  }

  @Override
  public Map<Hash, Long> lookup(Collection<Hash> leafHashes) throws IOException {
    return inner.lookup(leafHashes);
  }

  @Override
  public void add(List<Mapping> mappings, long watermark) throws IOException {
    faults.apply("", () -> inner.add(mappings, watermark));
  }

  @Override
  public long watermark() throws IOException {
    return inner.watermark();
  }

  /** Makes this store's writes part of {@code crash}. */
  public void crashWith(Crash crash) {
    faults.crashWith(crash);
  }
}
