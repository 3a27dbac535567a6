package dev.cairn.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.http.HttpConfig;
import dev.cairn.log.http.LogServer;
import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.note.SignedNote;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.tile.EntryBundle;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A Cairn log served from this JVM: {@link TransparencyLog} on a data directory and {@link
 * LogServer} on a loopback port, with short sequencing and checkpoint intervals, a client, and a
 * {@link Ledger} of what it acknowledged to {@link #write}.
 */
final class LiveLog implements AutoCloseable {
  /** The origin of every such log. */
  static final String ORIGIN = "cairn.example/live";

  final TransparencyLog log;
  final LogServer server;
  final LogClient client;
  final Ledger ledger = new Ledger();

  private LiveLog(TransparencyLog log, LogServer server) {
    this.log = log;
    this.server = server;
    this.client = new LogClient(URI.create("http://127.0.0.1:" + server.port() + "/"));
  }

  static LiveLog start(Path data) throws Exception {
    TransparencyLog log = TransparencyLog.open(new LogConfig(data, Optional.of(ORIGIN),
        new SequencerConfig(Duration.ofMillis(5), 4_096, 65_536), Duration.ofMillis(50),
        Clock.systemUTC()));
    try {
      return new LiveLog(log, LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0)));
    } catch (Exception e) {
      log.close();
      throw e;
    }
  }

  /** The Ed25519 verifier key, the first line of {@code log.vkey}. */
  String vkey() throws IOException {
    return Files.readAllLines(log.dataDir().resolve("log.vkey"), StandardCharsets.UTF_8)
        .get(0);
  }

  /**
   * Writes {@code count} entries from three virtual threads, each alternating {@code /add}
   * and {@code /add-batch} of up to {@code batch} entries, then one more with {@code Accept:
   * application/json}, which returns once a checkpoint covers it and so every entry before it.
   */
  void write(String tag, int count, int batch) throws Exception {
    int threads = 3;
    List<Callable<Void>> writers = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      int writer = w;
      int share = count / threads + (w < count % threads ? 1 : 0);
      writers.add(() -> {
        int written = 0;
        for (int k = 0; written < share; k++) {
          int n = k % 2 == 0 ? 1 : Math.min(batch, share - written);
          List<byte[]> entries = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            entries.add((tag + " writer " + writer + " #" + (written + i))
                .getBytes(StandardCharsets.UTF_8));
          }
          List<Long> indices = n == 1 ? List.of(client.add(entries.get(0)))
              : client.addBatch(entries);
          for (int i = 0; i < n; i++) {
            ledger.acknowledge(indices.get(i), entries.get(i));
          }
          written += n;
        }
        return null;
      });
    }
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Future<Void> f : pool.invokeAll(writers)) {
        f.get();
      }
    }
    byte[] last = (tag + " last").getBytes(StandardCharsets.UTF_8);
    ledger.acknowledge(client.addAndAwaitCheckpoint(last), last);
    assertThat(ledger.contradictions()).isEmpty();
  }

  /** Every acknowledged index holds its entry in the served bundles. */
  void checkAcknowledged() throws IOException, InterruptedException {
    long size = size(client.checkpoint());
    Map<Long, byte[]> acknowledged = ledger.acknowledged();
    assertThat(acknowledged).hasSize((int) size);
    for (long b = 0; b * EntryBundle.FULL_WIDTH < size; b++) {
      int width = (int) Math.min(EntryBundle.FULL_WIDTH, size - b * EntryBundle.FULL_WIDTH);
      List<byte[]> entries = client.bundle(b, width);
      for (int k = 0; k < width; k++) {
        long index = b * EntryBundle.FULL_WIDTH + k;
        assertThat(Arrays.equals(entries.get(k), acknowledged.get(index)))
            .as("entry %d", index).isTrue();
      }
    }
  }

  /** The size of the checkpoint in a note. */
  static long size(byte[] note) {
    return Checkpoint.parse(SignedNote.parse(note).text()).size();
  }

  /** The Go auditor with {@code -vkey} of this log, {@code -api} and {@code extra}. */
  GoTool.Result audit(String... extra) throws IOException {
    List<String> args = new ArrayList<>(List.of("-vkey", vkey(), "-api"));
    args.addAll(List.of(extra));
    args.add(client.base().toString());
    return GoTool.run(GoTool.program("auditor"), args.toArray(String[]::new));
  }

  @Override
  public void close() throws Exception {
    client.close();
    try {
      server.close();
    } finally {
      log.close();
    }
  }
}
