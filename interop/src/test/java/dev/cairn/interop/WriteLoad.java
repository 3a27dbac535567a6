package dev.cairn.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sustained concurrent writes of unique entries over HTTP, one virtual thread per writer, each
 * choosing at random between {@code POST /add} and small {@code POST /add-batch}es and now and
 * then fetching {@code /checkpoint}. Every acknowledgement and every served checkpoint goes into
 * the {@link Ledger}.
 *
 * <p>Writers run until the server dies under them: tell the load with {@link #serverKilled()}
 * before killing it, so that failed connections afterwards are expected. A failed connection
 * before that, or any answer the API does not allow (503 pushback aside), is a failure.
 */
final class WriteLoad {
  private final LogClient client;
  private final Ledger ledger;
  private final String tag;
  private final List<Thread> writers = new ArrayList<>();
  private final AtomicBoolean killed = new AtomicBoolean();
  private final AtomicLong acknowledged = new AtomicLong();
  private final Queue<String> failures = new ConcurrentLinkedQueue<>();

  /**
   * A load of {@code count} writers; {@code tag} makes entries unique across loads, and each
   * writer draws its entries and choices from {@code Random(seed + writer)}.
   */
  WriteLoad(LogClient client, Ledger ledger, String tag, long seed, int count) {
    this.client = client;
    this.ledger = ledger;
    this.tag = tag;
    for (int w = 0; w < count; w++) {
      int writer = w;
      Random random = new Random(seed + w);
      writers.add(Thread.ofVirtual().name("writer-" + w).unstarted(() -> write(writer, random)));
    }
  }

  /** Starts the writers. */
  WriteLoad start() {
    writers.forEach(Thread::start);
    return this;
  }

  /** Says that the server is about to be killed: connection failures are now expected. */
  void serverKilled() {
    killed.set(true);
  }

  /** Stops the writers after their current request, the server still running. */
  void stop() {
    killed.set(true);
  }

  /** Waits for every writer to stop and returns the failures they saw. */
  List<String> awaitStopped() throws InterruptedException {
    for (Thread t : writers) {
      if (!t.join(Duration.ofSeconds(60))) {
        failures.add(t.getName() + " did not stop within 60 s of the kill");
      }
    }
    return List.copyOf(failures);
  }

  /** Entries acknowledged by this load. */
  long acknowledged() {
    return acknowledged.get();
  }

  private void write(int writer, Random random) {
    for (long n = 0; !killed.get(); ) {
      int count = random.nextInt(4) == 0 ? 2 + random.nextInt(31) : 1;
      List<byte[]> entries = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        entries.add(entry(writer, n++, random));
      }
      try {
        List<Long> indices = count == 1 ? List.of(client.add(entries.get(0)))
            : client.addBatch(entries);
        for (int i = 0; i < count; i++) {
          ledger.acknowledge(indices.get(i), entries.get(i));
        }
        acknowledged.addAndGet(count);
        if (random.nextInt(3) == 0) {
          ledger.served(client.checkpoint());
        }
      } catch (LogClient.BadAnswer e) {
        if (!e.isPushback()) {
          failures.add("writer " + writer + ": " + e.getMessage());
          return;
        }
      } catch (IOException e) {
        if (!killed.get()) {
          failures.add("writer " + writer + " lost its connection before the kill: " + e);
        }
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * A unique entry: the load's tag, writer and number, then random bytes, mostly a few dozen
   * and now and then up to 2,000, so that entries of more than 255 bytes occur.
   */
  private byte[] entry(int writer, long n, Random random) {
    byte[] label = (tag + " writer " + writer + " #" + n + " ")
        .getBytes(StandardCharsets.US_ASCII);
    int extra = random.nextInt(50) == 0 ? 300 + random.nextInt(1_700) : random.nextInt(64);
    byte[] e = new byte[label.length + extra];
    System.arraycopy(label, 0, e, 0, label.length);
    byte[] tail = new byte[extra];
    random.nextBytes(tail);
    System.arraycopy(tail, 0, e, label.length, extra);
    return e;
  }
}
