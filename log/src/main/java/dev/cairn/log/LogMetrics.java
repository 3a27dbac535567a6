package dev.cairn.log;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.cairn.log.health.ComponentHealth;
import dev.cairn.log.sequencing.Sequencer;
import dev.cairn.log.health.StorageFault;
import dev.cairn.log.storage.StorageException;
import dev.cairn.note.SignedNote;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryPoolAllocationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmNativeMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The log's Prometheus metrics: what an on-call person needs to see whether writes are fast,
 * durable and published.
 */
public final class LogMetrics implements Sequencer.BatchObserver,
    dev.cairn.log.http.Exchange.Recorder {
  private static final double[] LATENCY_BUCKETS = {
      0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5, 10};
  private static final double[] BATCH_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536};

  /**
   * The JVM's and the process's metrics ({@code jvm_*}, {@code process_*}): one set per
   * process, shared by every log it opens (their collectors listen to the garbage collector,
   * so registering them per log would add listeners without end).
   */
  private static final java.util.concurrent.CompletableFuture<PrometheusRegistry> JVM =
      // Registered beside the log's opening (they load the JVM's management beans), waited for
      // by the first scrape.
      java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        PrometheusRegistry jvm = new PrometheusRegistry();
        registerJvmMetrics(jvm);
        return jvm;
      }, runnable -> Thread.ofPlatform().daemon().name("cairn-jvm-metrics").start(runnable));

  /**
   * What {@code JvmMetrics} registers. Its native-memory collector registers {@code
   * jvm_native_memory_*} only when the JVM tracks native memory ({@code -XX:NativeMemoryTracking},
   * off by default), and asks the JVM through the platform MBean server, which it builds with all
   * its beans and their descriptions: ~0.1 s of CPU at every start on two cores. The HotSpot bean
   * alone tells, without the server, whether to ask.
   */
  private static void registerJvmMetrics(PrometheusRegistry jvm) {
    JvmThreadsMetrics.builder().register(jvm);
    JvmBufferPoolMetrics.builder().register(jvm);
    JvmClassLoadingMetrics.builder().register(jvm);
    JvmCompilationMetrics.builder().register(jvm);
    JvmGarbageCollectorMetrics.builder().register(jvm);
    JvmMemoryPoolAllocationMetrics.builder().register(jvm);
    JvmMemoryMetrics.builder().register(jvm);
    if (!ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
        .getVMOption("NativeMemoryTracking").getValue().equals("off")) {
      JvmNativeMemoryMetrics.builder().register(jvm);
    }
    JvmRuntimeInfoMetric.builder().register(jvm);
    ProcessMetrics.builder().register(jvm);
  }

  private final PrometheusRegistry registry = new PrometheusRegistry();
  /** Set by {@link #watch}: the freshness SLI. */
  private volatile CheckpointLag lag;
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final AtomicReference<Supplier<java.time.Instant>> certificateNotAfter =
      new AtomicReference<>();
  private final AtomicReference<LongSupplier> refusedConnections = new AtomicReference<>();
  private final AtomicReference<LongSupplier> tileCacheBytes = new AtomicReference<>();
  private final AtomicReference<LongSupplier> bodyBytes = new AtomicReference<>();
  /** Parts outside the log itself, by component (the audit log of the server serving it). */
  private final Map<String, ComponentHealth> moreParts = new ConcurrentHashMap<>();
  private final AtomicReference<AuditCounts> audit = new AtomicReference<>();
  /** What {@link #register} registered. */
  private final java.util.Set<Object> others = ConcurrentHashMap.newKeySet();

  /** What the audit log did not write one line per decision. */
  private record AuditCounts(LongSupplier repeated, LongSupplier dropped, LongSupplier lost) {}
  private final Histogram addSeconds = Histogram.builder().name("cairn_add_seconds")
      .help("Time from receiving a submission to answering it, by route (add, add-batch) and"
          + " what the client waited for")
      .labelNames("route", "wait").classicOnly().classicUpperBounds(LATENCY_BUCKETS)
      .register(registry);
  private final Histogram sequencingSeconds = Histogram.builder()
      .name("cairn_sequencing_seconds")
      .help("Time to sequence one batch: dedup, tiles and bundles durable, tree state committed")
      .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
  private final Histogram batchEntries = Histogram.builder().name("cairn_batch_entries")
      .help("Submissions per sequencing batch").classicOnly()
      .classicUpperBounds(BATCH_BUCKETS).register(registry);
  private final Histogram integrationSeconds = Histogram.builder()
      .name("cairn_integration_seconds")
      .help("Time to write one integration: sequenced batches' bundles and tiles durable in the"
          + " object store, then the head that claims them (failed attempts too)")
      .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
  private final Histogram integrationObjects = Histogram.builder()
      .name("cairn_integration_objects")
      .help("Bundles and tiles written per integration (failed attempts too)").classicOnly()
      .classicUpperBounds(BATCH_BUCKETS).register(registry);
  private final Counter integratedBytes = Counter.builder().name("cairn_integrated_bytes_total")
      .help("Bytes of bundles and tiles that integrations wrote to the object store").register(
          registry);
  private final Counter entries = Counter.builder().name("cairn_entries_total")
      .help("Submissions sequenced, by outcome (new, duplicate, failed)").labelNames("outcome")
      .register(registry);
  private final Counter requests = Counter.builder().name("cairn_http_requests_total")
      .help("HTTP requests by route and status code").labelNames("route", "code")
      .register(registry);
  private final Histogram requestSeconds = Histogram.builder()
      .name("cairn_http_request_seconds").help("HTTP request latency by route")
      .labelNames("route").classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
  private final Counter pushback = Counter.builder().name("cairn_http_pushback_total")
      .help("Requests answered 503 with Retry-After because the log pushed back (pool full,"
          + " request bodies over budget, waiting timed out), by route; also counted in"
          + " cairn_http_requests_total")
      .labelNames("route").register(registry);
  private final Counter signingFailures = Counter.builder().name("cairn_signing_failures_total")
      .help("Checkpoint signings that threw (a key file or the HSM failed); nothing is"
          + " published until one succeeds").register(registry);
  private final Counter cspReports = Counter.builder().name("cairn_ui_csp_reports_total")
      .help("Reports of something the explorer's Content-Security-Policy blocked (POST"
          + " /ui/csp-report): a page that injected or loaded what it must not, or an attack")
      .register(registry);
  private final Gauge configInfo = Gauge.builder().name("cairn_config_info")
      .help("The SHA-256 of the effective settings of cairn serve, secrets excluded (1 for the"
          + " hash in use); logged at start").labelNames("hash").register(registry);
  private final Gauge buildInfo = Gauge.builder().name("cairn_build_info")
      .help("The Cairn version and the commit it was built from (1)")
      .labelNames("version", "commit").register(registry);

  {
    registry.register((MultiCollector) LogMetrics::jvm);
  }

  /** The JVM's metrics; none (and a warning, once) if registering them failed. */
  private static io.prometheus.metrics.model.snapshots.MetricSnapshots jvm() {
    try {
      return JVM.join().scrape();
    } catch (java.util.concurrent.CompletionException e) {
      if (JVM_FAILURE_LOGGED.compareAndSet(false, true)) {
        org.slf4j.LoggerFactory.getLogger(LogMetrics.class).warn(
            "couldn't register the JVM's metrics; /metrics goes on without them: {}",
            String.valueOf(e.getCause()));
      }
      return io.prometheus.metrics.model.snapshots.MetricSnapshots.of();
    }
  }

  private static final java.util.concurrent.atomic.AtomicBoolean JVM_FAILURE_LOGGED =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** Counts a report of something the explorer's Content-Security-Policy blocked. */
  public void cspReport() {
    cspReports.inc();
  }

  /** Registers the gauges that read the log's state when scraped. */
  public void watch(Supplier<Integer> poolDepth, Supplier<Long> poolBytes,
      Supplier<Long> backlogBytes, Supplier<Long> sequencedSize,
      Supplier<Long> publishedSize, Supplier<java.time.Instant> publishedAt,
      Supplier<Boolean> healthy, Clock clock) {
    GaugeWithCallback.builder().name("cairn_pool_depth")
        .help("Submissions waiting for a sequencing batch")
        .callback(cb -> cb.call(poolDepth.get())).register(registry);
    GaugeWithCallback.builder().name("cairn_pool_bytes")
        .help("Bytes of the submissions waiting for a sequencing batch or being sequenced;"
            + " pool_bytes bounds it")
        .callback(cb -> cb.call(poolBytes.get())).register(registry);
    GaugeWithCallback.builder().name("cairn_integration_backlog_bytes")
        .help("Bytes of sequenced bundles and tiles not yet written to the object store;"
            + " beyond 128 MiB sequencing waits for them")
        .callback(cb -> cb.call(backlogBytes.get())).register(registry);
    GaugeWithCallback.builder().name("cairn_tree_size")
        .help("Entries durably sequenced").callback(cb -> cb.call(sequencedSize.get()))
        .register(registry);
    GaugeWithCallback.builder().name("cairn_checkpoint_size")
        .help("Tree size of the latest published checkpoint")
        .callback(cb -> cb.call(publishedSize.get())).register(registry);
    GaugeWithCallback.builder().name("cairn_checkpoint_age_seconds")
        .help("Seconds since the latest checkpoint was published")
        .callback(cb -> cb.call(
            (clock.millis() - publishedAt.get().toEpochMilli()) / 1000.0))
        .register(registry);
    CheckpointLag tracker = new CheckpointLag(sequencedSize::get, publishedSize::get, clock);
    lag = tracker;
    GaugeWithCallback.builder().name("cairn_checkpoint_lag_seconds")
        .help("Seconds the oldest entry sequenced but not in the latest published checkpoint"
            + " has waited; 0 while that checkpoint covers every sequenced entry. Freshness"
            + " SLI: good while at most cairn_checkpoint_freshness_objective_seconds")
        .callback(cb -> cb.call(tracker.seconds())).register(registry);
    GaugeWithCallback.builder().name("cairn_up")
        .help("1 if sequencing and publishing work, 0 while either is failing")
        .callback(cb -> cb.call(healthy.get() ? 1 : 0)).register(registry);
  }

  /**
   * Registers {@code cairn_checkpoint_freshness_objective_seconds}: the lag this log promises
   * not to exceed (twice the checkpoint interval and a witness round).
   */
  public void watchFreshnessObjective(Duration objective) {
    GaugeWithCallback.builder().name("cairn_checkpoint_freshness_objective_seconds")
        .help("The checkpoint lag this log promises not to exceed: 2 x checkpoint_interval +"
            + " the witness round time (0 without a witness policy)")
        .callback(cb -> cb.call(objective.toMillis() / 1000.0)).register(registry);
  }

  /**
   * Registers {@code cairn_data_free_bytes}: the bytes the file store of {@code dataDir} has
   * left for this process (a full volume stops sequencing).
   */
  public void watchDataDir(Path dataDir) throws IOException {
    FileStore store = Files.getFileStore(dataDir);
    GaugeWithCallback.builder().name("cairn_data_free_bytes")
        .help("Bytes usable on the file store of the data directory")
        .callback(cb -> {
          try {
            cb.call(store.getUsableSpace());
          } catch (IOException e) {
            // Not exported this scrape: an absent series, not a false number.
          }
        }).register(registry);
  }

  /**
   * Registers the dedup index's gauges: {@code cairn_dedup_memory_bytes}, the memory its pages
   * take in the process (about 90 bytes per entry for a busy log, beyond the heap), against
   * {@code cairn_dedup_memory_budget_bytes}; {@code cairn_dedup_unsynced_entries}, what a crash
   * now would make the log index again; {@code cairn_dedup_synced_timestamp_seconds}, when its
   * last sync ended; and {@code cairn_dedup_sync_failures_total}.
   */
  public void watchDedupIndex(LongSupplier memory, LongSupplier budget, LongSupplier unsynced,
      LongSupplier syncedAtMillis, LongSupplier syncFailures) {
    GaugeWithCallback.builder().name("cairn_dedup_memory_bytes")
        .help("Bytes of the dedup index's pages in the process's memory (copied by its stores;"
            + " a sync past the budget gives them back)")
        .callback(cb -> cb.call(memory.getAsLong())).register(registry);
    GaugeWithCallback.builder().name("cairn_dedup_memory_budget_bytes")
        .help("The memory the dedup index keeps its pages in before its syncs give them back"
            + " (half of the machine's or the container's)")
        .callback(cb -> cb.call(budget.getAsLong())).register(registry);
    GaugeWithCallback.builder().name("cairn_dedup_unsynced_entries")
        .help("Entries in the dedup index since its last sync, which a crash would make the log"
            + " index again from the sequence log (synced every 30 s or more)")
        .callback(cb -> cb.call(unsynced.getAsLong())).register(registry);
    GaugeWithCallback.builder().name("cairn_dedup_synced_timestamp_seconds")
        .help("When the dedup index's last sync ended (every 30 s, or longer for a large index"
            + " at its write rate of 64 MiB/s)")
        .callback(cb -> cb.call(syncedAtMillis.getAsLong() / 1000.0)).register(registry);
    CounterWithCallback.builder().name("cairn_dedup_sync_failures")
        .help("Syncs of the dedup index that failed (each is retried; the error is logged once"
            + " per failing stretch)")
        .callback(cb -> cb.call(syncFailures.getAsLong())).register(registry);
  }

  /** {@code signer}, with the signings that throw counted in cairn_signing_failures_total. */
  public Function<String, SignedNote> countingFailures(Function<String, SignedNote> signer) {
    return text -> {
      try {
        return signer.apply(text);
      } catch (RuntimeException e) {
        signingFailures.inc();
        throw e;
      }
    };
  }

  /** Sets {@code cairn_config_info}: {@code hash} is the configuration in use. */
  public void configInfo(String hash) {
    configInfo.clear();
    configInfo.labelValues(hash).set(1);
  }

  /** Sets {@code cairn_build_info}. */
  public void buildInfo(String version, String commit) {
    buildInfo.clear();
    buildInfo.labelValues(version, commit).set(1);
  }

  /**
   * Registers the fault metrics, read from each part's health when scraped: {@code
   * cairn_fault{component,kind}} is 1 while that part fails with that kind of failure, and
   * {@code cairn_faults_total{component,kind}} counts the faults that began (a run of failed
   * attempts counts once). Every combination is exported, zeros included, so alerts need no
   * absent-series rules.
   */
  public void watchHealth(List<ComponentHealth> parts) {
    GaugeWithCallback.builder().name("cairn_fault")
        .help("1 while a part of the log (sequencer, integrator, publisher, audit) is failing,"
            + " by kind of failure (no_space, read_only, io_error, other, and the fatal fenced,"
            + " conflict, corrupt)")
        .labelNames("component", "kind")
        .callback(cb -> {
          for (ComponentHealth h : all(parts)) {
            StorageException.Kind current = h.fault().map(StorageFault::kind).orElse(null);
            for (StorageException.Kind k : StorageException.Kind.values()) {
              cb.call(k == current ? 1 : 0, h.component(), k.label());
            }
          }
        }).register(registry);
    CounterWithCallback.builder().name("cairn_faults")
        .help("Faults that began, by part of the log and kind of failure")
        .labelNames("component", "kind")
        .callback(cb -> {
          for (ComponentHealth h : all(parts)) {
            for (StorageException.Kind k : StorageException.Kind.values()) {
              cb.call(h.faultsStarted(k), h.component(), k.label());
            }
          }
        }).register(registry);
  }

  private List<ComponentHealth> all(List<ComponentHealth> parts) {
    List<ComponentHealth> all = new java.util.ArrayList<>(parts);
    all.addAll(moreParts.values());
    return all;
  }

  /**
   * Adds {@code part} to {@code cairn_fault} and {@code cairn_faults_total}, replacing an earlier
   * part of the same component (a log served again in one process).
   */
  public void watchPart(ComponentHealth part) {
    moreParts.put(part.component(), part);
  }

  /**
   * Registers {@code cairn_audit_refusals_summarised_total{how}}: refusals of unauthenticated
   * requests the audit log counted instead of writing a line each ({@code repeats}: like the one
   * written for their address, route and status in that second; {@code dropped}: beyond its
   * bytes a second), and {@code cairn_audit_lines_lost_total}: lines it could not write.
   */
  public void watchAudit(LongSupplier repeated, LongSupplier dropped, LongSupplier lost) {
    if (audit.getAndSet(new AuditCounts(repeated, dropped, lost)) != null) {
      return;
    }
    CounterWithCallback.builder().name("cairn_audit_refusals_summarised")
        .help("Refusals of unauthenticated requests the audit log counted instead of writing a"
            + " line each: repeats (like the line of their address, route and status in that"
            + " second) or dropped (beyond its bytes a second)")
        .labelNames("how")
        .callback(cb -> {
          cb.call(audit.get().repeated().getAsLong(), "repeats");
          cb.call(audit.get().dropped().getAsLong(), "dropped");
        }).register(registry);
    CounterWithCallback.builder().name("cairn_audit_lines_lost")
        .help("Audit log lines that could not be written (see cairn_fault{component=\"audit\"})")
        .callback(cb -> cb.call(audit.get().lost().getAsLong())).register(registry);
  }

  /**
   * Registers {@code cairn_tls_certificate_expiry_timestamp_seconds}: when the certificate being
   * served expires (alert well before it; a renewed one is picked up from its files).
   */
  public void watchCertificate(Supplier<java.time.Instant> notAfter) {
    // A log served again (a restarted server in one process) replaces the source, not the gauge.
    if (certificateNotAfter.getAndSet(notAfter) != null) {
      return;
    }
    GaugeWithCallback.builder().name("cairn_tls_certificate_expiry_timestamp_seconds")
        .help("When the TLS certificate being served expires, in seconds since the epoch")
        .callback(cb -> cb.call(certificateNotAfter.get().get().getEpochSecond()))
        .register(registry);
  }

  /**
   * Registers {@code cairn_http_connections_refused_total}: connections closed as they opened
   * because their client address had {@code max_connections_per_address} open already.
   */
  public void watchRefusedConnections(LongSupplier refused) {
    if (refusedConnections.getAndSet(refused) != null) {
      return;
    }
    CounterWithCallback.builder().name("cairn_http_connections_refused")
        .help("Connections closed as they opened: their client address had the most allowed"
            + " open")
        .callback(cb -> cb.call(refusedConnections.get().getAsLong())).register(registry);
  }

  /** Registers {@code cairn_tile_cache_bytes}: memory held by served tiles and bundles. */
  public void watchTileCache(LongSupplier bytes) {
    if (tileCacheBytes.getAndSet(bytes) != null) {
      return;
    }
    GaugeWithCallback.builder().name("cairn_tile_cache_bytes")
        .help("Bytes of served tiles and bundles kept in memory (bounded)")
        .callback(cb -> cb.call(tileCacheBytes.get().getAsLong())).register(registry);
  }

  /**
   * Registers {@code cairn_http_body_bytes_in_flight}: the bytes of write bodies being read,
   * as counted against {@code max_body_bytes_in_flight}.
   */
  public void watchRequestBodies(LongSupplier inFlight) {
    if (bodyBytes.getAndSet(inFlight) != null) {
      return;
    }
    GaugeWithCallback.builder().name("cairn_http_body_bytes_in_flight")
        .help("Bytes of write bodies being read, counted from before their first byte (by"
            + " declared length, or the route's limit when chunked); max_body_bytes_in_flight"
            + " bounds it")
        .callback(cb -> cb.call(bodyBytes.get().getAsLong())).register(registry);
  }

  @Override
  public void batch(int submitted, int fresh, long nanos, boolean ok) {
    sequencingSeconds.observe(nanos / 1e9);
    batchEntries.observe(submitted);
    CheckpointLag l = lag;
    if (ok && l != null) {
      l.observe();
    }
    if (ok) {
      entries.labelValues("new").inc(fresh);
      entries.labelValues("duplicate").inc(submitted - fresh);
    } else {
      entries.labelValues("failed").inc(submitted);
    }
  }

  @Override
  public void integration(int objects, long bytes, long nanos, boolean ok) {
    integrationSeconds.observe(nanos / 1e9);
    integrationObjects.observe(objects);
    if (ok) {
      integratedBytes.inc(bytes);
    }
  }

  /**
   * Records an answered submission on {@code route} ("add" or "add-batch") that waited for
   * {@code wait} ("sequenced" or "proof").
   */
  public void added(String route, String wait, long nanos) {
    addSeconds.labelValues(route, wait).observe(nanos / 1e9);
  }

  /** Records an HTTP request. */
  @Override
  public void request(String route, int code, long nanos) {
    requests.labelValues(route, Integer.toString(code)).inc();
    requestSeconds.labelValues(route).observe(nanos / 1e9);
  }

  @Override
  public void pushback(String route) {
    pushback.labelValues(route).inc();
  }

  /**
   * Registers metrics another part keeps itself (a witness quorum's), built but not registered;
   * one already registered here is left alone.
   */
  public void register(io.prometheus.metrics.model.registry.Collector collector) {
    if (others.add(collector)) {
      registry.register(collector);
    }
  }

  /** The Prometheus text exposition. */
  public byte[] scrape() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    writer.write(out, registry.scrape(), io.prometheus.metrics.config.EscapingScheme.ALLOW_UTF8);
    return out.toByteArray();
  }

  /** The content type of {@link #scrape()}. */
  public String contentType() {
    return writer.getContentType();
  }
}
