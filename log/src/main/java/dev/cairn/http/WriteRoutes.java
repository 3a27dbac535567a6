package dev.cairn.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.log.LogMetrics;
import dev.cairn.log.LogProofs;
import dev.cairn.sequencer.PushbackException;
import dev.cairn.sequencer.Publisher;
import dev.cairn.sequencer.Sequencer;
import dev.cairn.tile.Bundles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST /add} and {@code POST /add-batch}. The answer comes once the entry is durably
 * sequenced (its index is final); with {@code Accept: application/json}, {@code /add} waits
 * further for a published checkpoint that covers it and includes its inclusion proof.
 */
final class WriteRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Sequencing answers within one batch interval plus a few fsyncs; this is a safety net. */
  private static final Duration SEQUENCING_WAIT = Duration.ofSeconds(60);

  private final Sequencer sequencer;
  private final Publisher publisher;
  private final LogProofs proofs;
  private final LogMetrics metrics;
  private final HttpConfig config;

  WriteRoutes(Sequencer sequencer, Publisher publisher, LogProofs proofs, LogMetrics metrics,
      HttpConfig config) {
    this.sequencer = sequencer;
    this.publisher = publisher;
    this.proofs = proofs;
    this.metrics = metrics;
    this.config = config;
  }

  void add(Exchange x) throws IOException {
    long started = System.nanoTime();
    byte[] entry = x.body(Bundles.MAX_ENTRY_SIZE);
    if (entry.length == 0) {
      throw HttpError.badRequest("empty entry: the request body is the entry, 1 to "
          + Bundles.MAX_ENTRY_SIZE + " bytes");
    }
    Sequencer.Added added = await(sequencer.add(entry), SEQUENCING_WAIT, "sequencing");
    if (!x.accepts("application/json")) {
      x.text(200, "no-store", added.index() + "\n");
      metrics.added("sequenced", System.nanoTime() - started);
      return;
    }
    Publisher.Published p = await(publisher.awaitSize(added.index() + 1), config.proofWait(),
        "a checkpoint covering index " + added.index());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("index", added.index());
    body.put("duplicate", added.duplicate());
    body.put("proof", new String(proofs.inclusion(added.index(), p), StandardCharsets.UTF_8));
    x.send(200, "application/json", "no-store", JSON.writeValueAsBytes(body));
    metrics.added("proof", System.nanoTime() - started);
  }

  void addBatch(Exchange x) throws IOException {
    long started = System.nanoTime();
    byte[] body = x.body(config.maxBatchBytes());
    List<byte[]> entries;
    try {
      entries = Bundles.decodeAtMost(body, config.maxBatchEntries());
    } catch (IllegalArgumentException e) {
      throw HttpError.badRequest("malformed batch (expected uint16-length-prefixed entries, at"
          + " most " + config.maxBatchEntries() + "): " + e.getMessage());
    }
    if (entries.isEmpty()) {
      throw HttpError.badRequest("empty batch");
    }
    List<CompletableFuture<Sequencer.Added>> futures = sequencer.addAll(entries);
    List<Sequencer.Added> results = new ArrayList<>(futures.size());
    for (CompletableFuture<Sequencer.Added> f : futures) {
      results.add(await(f, SEQUENCING_WAIT, "sequencing"));
    }
    if (x.accepts("application/json")) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("indices", results.stream().map(Sequencer.Added::index).toList());
      json.put("duplicates", results.stream().map(Sequencer.Added::duplicate).toList());
      x.send(200, "application/json", "no-store", JSON.writeValueAsBytes(json));
    } else {
      StringBuilder sb = new StringBuilder(results.size() * 8);
      for (Sequencer.Added a : results) {
        sb.append(a.index()).append('\n');
      }
      x.text(200, "no-store", sb.toString());
    }
    metrics.added("sequenced", System.nanoTime() - started);
  }

  private static <T> T await(CompletableFuture<T> f, Duration timeout, String what) {
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new PushbackException("waiting for " + what + " failed: " + e.getCause(),
          Duration.ofSeconds(1));
    } catch (TimeoutException e) {
      throw new PushbackException("timed out waiting for " + what, Duration.ofSeconds(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PushbackException("interrupted waiting for " + what, Duration.ofSeconds(1));
    }
  }
}
