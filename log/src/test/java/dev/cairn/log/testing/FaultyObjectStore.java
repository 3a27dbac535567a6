package dev.cairn.log.testing;

import dev.cairn.log.storage.ObjectStore;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An object store that fails the writes it is told to fail, and can hold writes until released
 * (a slow store), so tests can stop the sequencer in the middle of a batch.
 */
public final class FaultyObjectStore implements ObjectStore {
  private final ObjectStore inner;
  private final FaultPlan faults = new FaultPlan("object store write");
  private final FaultPlan checkpointFaults = new FaultPlan("checkpoint object write");
  private final AtomicInteger puts = new AtomicInteger();
  private final Gate gate = new Gate();

  /** Wraps {@code inner}. */
  public FaultyObjectStore(ObjectStore inner) {
    this.inner = inner;
  }

  /** Fails the next object written, as {@code fault} says. */
  public void failNextWrite(Fault fault) {
    faults.arm(fault);
  }

  /** Fails the next write of a path starting with {@code pathPrefix}. */
  public void failNextWrite(Fault fault, String pathPrefix) {
    faults.arm(fault, pathPrefix);
  }

  /** Fails the next write of the checkpoint object, as {@code fault} says. */
  public void failNextCheckpoint(Fault fault) {
    checkpointFaults.arm(fault);
  }

  /** Disarms every fault not yet injected. */
  public void clearFaults() {
    faults.clear();
    checkpointFaults.clear();
  }

  /** How many faults were injected so far. */
  public int injected() {
    return faults.injected();
  }

  /** Successful and failed object writes so far. */
  public int writes() {
    return puts.get();
  }

  /** Makes every write from now on wait until {@link #release()}. */
  public void hold() {
    gate.close();
  }

  /** Lets held and future puts through. */
  public void release() {
    gate.open();
  }

  /** Waits until a write is held, failing after {@code timeout}. */
  public void awaitHeldPut(Duration timeout) throws InterruptedException {
    gate.awaitHeld(timeout, "no write reached the store");
  }

  @Override
  public void create(String path, byte[] data) throws IOException {
    puts.incrementAndGet();
    gate.pass("write of " + path);
    faults.apply(path, () -> inner.create(path, data));
  }

  @Override
  public void deletePartials(TilePath full, java.util.function.IntPredicate widths)
      throws IOException {
    faults.step(full.path() + ".p/", () -> inner.deletePartials(full, widths));
  }

  @Override
  public void publishCheckpoint(byte[] note) throws IOException {
    checkpointFaults.apply(CHECKPOINT, () -> inner.publishCheckpoint(note));
  }

  @Override
  public Optional<byte[]> get(String path) throws IOException {
    return inner.get(path);
  }

  /** Makes this store's writes part of {@code crash}. */
  public void crashWith(Crash crash) {
    faults.crashWith(crash);
    checkpointFaults.crashWith(crash);
  }
}
