package dev.cairn.log.http;

import static dev.cairn.log.testing.LogClient.assertError;
import static dev.cairn.log.testing.LogClient.header;
import static dev.cairn.log.testing.LogClient.text;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.merkle.Hasher;
import dev.cairn.merkle.Proofs;
import dev.cairn.note.VerifierKey;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.health.StorageFault;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.testing.LogClient;
import dev.cairn.log.testing.Poll;
import dev.cairn.log.testing.ScratchMount;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileHashReader;
import dev.cairn.tile.TileLayout;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerifiedCheckpoint;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Fault drills on real file systems, over real HTTP: the data directory fills up, turns
 * read-only, or its disk fails with EIO while writers keep writing. Each time the log must stop
 * acknowledging (503 with Retry-After and the reason), say why on {@code /readyz} and {@code
 * /metrics}, keep serving reads, log the fault once and its end once, and — where the fault can
 * clear in place — resume by itself. Afterwards every acknowledged entry is at its index after a
 * restart, the tiles give the checkpoint's root, and the checkpoint on disk verifies.
 *
 * <p>The file systems are mounted for each test (tmpfs, or ext4 on a loop device), so the tests
 * need root; elsewhere they are skipped with the reason.
 */
class DiskFaultTest {
  private static final String ORIGIN = "example.com/disk-fault-test";
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final int WRITERS = 4;

  @TempDir Path scratch;
  /** Mounted in this order, unmounted in reverse. */
  private final Deque<ScratchMount> mounts = new ArrayDeque<>();
  private Path dataDir;
  private TransparencyLog log;
  private LogServer server;
  private LogClient client;
  private Writers writers;
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger cairnLogger = (Logger) LoggerFactory.getLogger("dev.cairn");

  @BeforeEach
  void captureLogs() {
    logged.start();
    cairnLogger.addAppender(logged);
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (writers != null) {
        writers.halt();
      }
      for (ScratchMount m : mounts) {
        m.undoFaults(); // so that the log can close cleanly whatever the drill left behind
      }
      stopLog();
    } finally {
      cairnLogger.detachAppender(logged);
      while (!mounts.isEmpty()) {
        mounts.pop().close();
      }
    }
  }

  private ScratchMount mounted(ScratchMount m) {
    mounts.push(m);
    return m;
  }

  private LogConfig config() {
    return new LogConfig(dataDir, Optional.of(ORIGIN),
        new SequencerConfig(Duration.ofMillis(5), 256, 10_000), Duration.ofMillis(50),
        Clock.systemUTC());
  }

  private void startLog() throws Exception {
    log = TransparencyLog.open(config());
    server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0));
    client = new LogClient(server.port());
  }

  private void stopLog() throws Exception {
    try {
      if (log != null) {
        log.close();
      }
    } finally {
      log = null;
      if (server != null) {
        server.close();
        server = null;
      }
    }
  }

  /**
   * The data directory fills up completely under load: writes get 503 naming the full disk,
   * reads go on, and when space is freed the log takes writes again and is ready, without a
   * restart.
   */
  @Test
  void aFullDiskPushesWritersBackAndHealsWhenSpaceIsFreed() throws Exception {
    ScratchMount data = mounted(ScratchMount.tmpfs(scratch.resolve("data"), 48L << 20));
    dataDir = data.path().resolve("log");
    startLog();
    warmUp();

    Path filler = data.path().resolve("filler");
    HttpResponse<byte[]> refused = writeUntilRefused(() -> fill(filler, 0));
    assertFaultShown(refused, "[a-z]+", StorageException.Kind.NO_SPACE, "No space left on device");
    assertReadsServed();

    Files.delete(filler);
    awaitWritesAcknowledged();
    assertReady();
    writers.stop();
    retryRefusedAndCheckDedup();
    assertFaultLoggedOnceAndCleared(StorageException.Kind.NO_SPACE);
    verifyAfterRestart();
  }

  /**
   * The volume holding the sequence log — the commit point — fills: appends fail (some part
   * way through a record), and nothing is acknowledged. Once the volume is grown the log is
   * ready again by itself, before any writer comes back, and the partial records are gone.
   */
  @Test
  void aFullSequenceLogVolumeStopsCommitsAndReadinessReturnsWithoutWriters() throws Exception {
    ScratchMount data = mounted(ScratchMount.tmpfs(scratch.resolve("data"), 48L << 20));
    dataDir = data.path().resolve("log");
    ScratchMount wal = mounted(ScratchMount.tmpfs(dataDir.resolve("sequence-log"), 1L << 20));
    startLog();
    warmUp();

    // 1 MiB holds a few hundred 1 KiB entries: the writers fill it themselves.
    HttpResponse<byte[]> refused = writeUntilRefused(() -> { });
    assertFaultShown(refused, "sequencer", StorageException.Kind.NO_SPACE, "No space left on device");
    assertThat(text(refused)).contains("couldn't append");
    assertReadsServed();
    writers.stop();

    wal.resize(8L << 20);
    Poll.until("/readyz to return 200 with no writes", DEADLINE,
        () -> client.get("/readyz").statusCode() == 200);
    assertReady();
    writers.start();
    awaitWritesAcknowledged();
    writers.stop();
    retryRefusedAndCheckDedup();
    assertFaultLoggedOnceAndCleared(StorageException.Kind.NO_SPACE);
    verifyAfterRestart();
  }

  /**
   * The volume holding the tiles is remounted read-only while writes flow (the whole data
   * directory cannot be: Linux refuses while the sequence log and RocksDB hold files open for
   * writing). Tile writes fail with EROFS, writers get 503, reads go on; remounted read-write,
   * the log resumes by itself.
   */
  @Test
  void aReadOnlyTileVolumePushesWritersBackAndHealsWhenWritable() throws Exception {
    ScratchMount data = mounted(ScratchMount.tmpfs(scratch.resolve("data"), 48L << 20));
    dataDir = data.path().resolve("log");
    ScratchMount tiles = mounted(ScratchMount.tmpfs(dataDir.resolve("tiles"), 32L << 20));
    startLog();
    warmUp();

    HttpResponse<byte[]> refused = writeUntilRefused(() -> {
      try {
        tiles.remountReadOnly(DEADLINE);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    assertFaultShown(refused, "integrator", StorageException.Kind.READ_ONLY, "Read-only file system");
    assertReadsServed();

    tiles.remountReadWrite();
    awaitWritesAcknowledged();
    assertReady();
    writers.stop();
    retryRefusedAndCheckDedup();
    assertFaultLoggedOnceAndCleared(StorageException.Kind.READ_ONLY);
    verifyAfterRestart();
  }

  /**
   * The kernel turns the whole data directory read-only under load, as ext4 does after an error
   * ({@code errors=remount-ro}), open files included. Nothing can be written — not the sequence
   * log, the tiles, the index or the checkpoint — so writers get 503 and reads go on. That state
   * only ends with an unmount: the log is stopped, the file system checked and mounted again,
   * and the log started; nothing acknowledged is lost.
   */
  @Test
  void aDataDirectoryTheKernelMadeReadOnlyLosesNothingAcrossARestart() throws Exception {
    ScratchMount data = mounted(ScratchMount.ext4OnLoop(scratch.resolve("data"),
        scratch.resolve("data.img"), 96L << 20, "remount-ro"));
    dataDir = data.path().resolve("log");
    startLog();
    warmUp();

    HttpResponse<byte[]> refused = writeUntilRefused(() -> {
      try {
        data.triggerFsError("cairn fault drill");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    assertFaultShown(refused, "[a-z]+", StorageException.Kind.READ_ONLY, "Read-only file system");
    assertReadsServed();
    writers.stop();

    try {
      stopLog();
    } catch (IOException expected) {
      // Closing publishes, which cannot work on a read-only file system.
      System.out.println("closing on the read-only file system: " + expected);
    }
    data.remountAfterCheck();
    startLog();
    retryRefusedAndCheckDedup();
    assertFaultLoggedOnceAndCleared(StorageException.Kind.READ_ONLY, false);
    verifyAfterRestart();
  }

  /**
   * The disk under the data directory fails every write with EIO (a failing device, under ext4
   * that carries on after errors): syncs fail, so nothing is acknowledged; reads of what is
   * cached go on. When the device works again the log resumes by itself — and after an unmount,
   * a file system check and a restart, every entry it acknowledged is still there.
   */
  @Test
  void aDiskFailingWithIoErrorsHealsInPlaceAndLosesNothing() throws Exception {
    ScratchMount data = mounted(ScratchMount.ext4OnLoop(scratch.resolve("data"),
        scratch.resolve("data.img"), 96L << 20, "continue"));
    dataDir = data.path().resolve("log");
    startLog();
    warmUp();

    HttpResponse<byte[]> refused = writeUntilRefused(() -> {
      try {
        data.failWrites();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    assertFaultShown(refused, "[a-z]+", StorageException.Kind.IO_ERROR, "Input/output error");
    assertReadsServed();
    Poll.until("several refusals", DEADLINE, () -> writers.refusals() >= 20);

    data.healWrites();
    awaitWritesAcknowledged();
    assertReady();
    writers.stop();
    retryRefusedAndCheckDedup();
    assertFaultLoggedOnceAndCleared(StorageException.Kind.IO_ERROR);

    stopLog();
    data.remountAfterCheck();
    verifyAfterRestart();
  }

  /**
   * Only the checkpoint history's disk ({@code index/}, RocksDB) fails every write with EIO:
   * entries are still sequenced and integrated, but no checkpoint can be recorded, so none is
   * published, and {@code /readyz} and {@code /metrics} name the publisher. RocksDB refuses
   * every write after one failed until it is reopened: once the disk works, the log reopens it
   * by itself and publishes what waited; after a restart nothing acknowledged is lost.
   */
  @Test
  void aFailingHistoryDiskHoldsPublicationBackUntilItHealsAndLosesNothing() throws Exception {
    dataDir = scratch.resolve("log");
    ScratchMount history = mounted(ScratchMount.ext4OnLoop(dataDir.resolve("index"),
        scratch.resolve("index.img"), 64L << 20, "continue"));
    startLog();
    warmUp();
    writers.start();
    Poll.until("a few writes to be acknowledged", DEADLINE,
        () -> writers.acknowledged.size() > 310);
    history.failWrites();

    AtomicReference<HttpResponse<byte[]>> ready = new AtomicReference<>();
    Poll.until("/readyz to report the publisher's fault", DEADLINE, () -> {
      ready.set(client.get("/readyz"));
      return ready.get().statusCode() == 503;
    });
    System.out.println("/readyz: HTTP 503\n  " + text(ready.get()).strip());
    assertThat(assertError(ready.get(), 503)).containsPattern("publisher failing since ")
        .contains(StorageException.Kind.IO_ERROR.description());
    Poll.until("/metrics to report the publisher's fault", DEADLINE,
        () -> text(client.get("/metrics")).contains("cairn_fault{component=\"publisher\",kind=\""
            + StorageException.Kind.IO_ERROR.label() + "\"} 1.0"));
    long published = log.publisher().latest().checkpoint().size();
    Poll.until("entries sequenced past the last checkpoint", DEADLINE,
        () -> log.sequencer().sequenced().size() > published + 100);
    assertThat(log.publisher().latest().checkpoint().size())
        .as("no checkpoint published over many intervals while the history fails")
        .isEqualTo(published);
    assertReadsServed();

    history.healWrites();
    assertReady();
    writers.stop();
    retryRefusedAndCheckDedup();
    long sequenced = log.sequencer().sequenced().size();
    log.publisher().awaitSize(sequenced).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    assertFaultLoggedOnceAndCleared(StorageException.Kind.IO_ERROR);

    stopLog();
    history.remountAfterCheck();
    verifyAfterRestart();
  }

  // --- the drill's steps -----------------------------------------------------------------------

  /** Some entries before the fault, published, so there are tiles and a checkpoint to read. */
  private void warmUp() throws Exception {
    writers = new Writers(client, 1024);
    for (int i = 0; i < 300; i++) {
      writers.addOnce();
    }
    log.publisher().awaitSize(300).get(10, TimeUnit.SECONDS);
  }

  /** Starts the writers, brings on the fault, and returns the first refusal. */
  private HttpResponse<byte[]> writeUntilRefused(Runnable fault) {
    writers.start();
    Poll.until("a few writes to be acknowledged", DEADLINE, () -> writers.acknowledged.size()
        > 310);
    fault.run();
    HttpResponse<byte[]> refused = writers.awaitRefusal();
    System.out.println("refused: HTTP " + refused.statusCode() + " Retry-After: "
        + header(refused, "Retry-After") + "\n  " + text(refused).strip());
    return refused;
  }

  /**
   * Fills the file system with a file until about {@code leave} bytes are left, or until it is
   * full: the log's own writes may take the last bytes first.
   */
  private static void fill(Path filler, long leave) {
    try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
      byte[] block = new byte[64 << 10];
      long want = Math.max(0, Files.getFileStore(filler.getParent()).getUsableSpace() - leave);
      for (long written = 0; written < want; written += block.length) {
        f.write(block, 0, (int) Math.min(block.length, want - written));
      }
    } catch (IOException e) {
      if (leave > 0 || !e.getMessage().contains("No space left on device")) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * The refusal, {@code /readyz} and {@code /metrics} all name the fault: its kind and the
   * failing part ({@code component}, a pattern); the refusal (to a client that may write) also
   * the operating system's error, {@code /readyz} (to anyone) not.
   */
  private void assertFaultShown(HttpResponse<byte[]> refused, String component,
      StorageException.Kind kind, String osError) {
    String reason = assertError(refused, 503);
    assertThat(reason).contains("could not store").contains(kind.description())
        .contains(osError);
    assertThat(Long.parseLong(header(refused, "Retry-After"))).isPositive();

    // At the edge of full a smaller write may still fit: wait for the fault to be current.
    AtomicReference<HttpResponse<byte[]>> ready = new AtomicReference<>();
    Poll.until("/readyz to report the fault", DEADLINE, () -> {
      ready.set(client.get("/readyz"));
      return ready.get().statusCode() == 503;
    });
    System.out.println("/readyz: HTTP 503\n  " + text(ready.get()).strip());
    assertThat(assertError(ready.get(), 503)).startsWith("not ready: ")
        .containsPattern(component + " failing since ").contains(kind.description())
        .as("the files and the error are for the server's log").doesNotContain(osError)
        .doesNotContain(scratch.toString());

    Pattern faultMetric = Pattern.compile("cairn_fault\\{component=\"" + component
        + "\",kind=\"" + kind.label() + "\"} 1.0");
    AtomicReference<String> metrics = new AtomicReference<>();
    Poll.until("/metrics to report the fault", DEADLINE, () -> {
      metrics.set(text(client.get("/metrics")));
      return faultMetric.matcher(metrics.get()).find()
          && metrics.get().contains("cairn_up 0.0");
    });
    System.out.println("/metrics:");
    metrics.get().lines()
        .filter(l -> l.startsWith("cairn_up") || l.startsWith("cairn_fault"))
        .filter(l -> !l.endsWith(" 0.0") || l.startsWith("cairn_up"))
        .forEach(l -> System.out.println("  " + l));
    assertThat(metrics.get()).containsPattern("cairn_faults_total\\{component=\"" + component + "\",kind=\""
            + kind.label() + "\"} [1-9]");
    // The fault's 503s are errors (the availability SLI counts them), not pushback.
    assertThat(sum(metrics.get(), "cairn_http_requests_total{code=\"503\""))
        .as("503s beyond those counted as pushback")
        .isGreaterThan(sum(metrics.get(), "cairn_http_pushback_total{"));
  }

  /** The sum of the samples whose name and labels start with {@code prefix}. */
  private static double sum(String metrics, String prefix) {
    return metrics.lines().filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  /** The checkpoint, a tile and a bundle under it, and a proof are all still served. */
  private void assertReadsServed() throws Exception {
    HttpResponse<byte[]> cp = client.get("/checkpoint");
    assertThat(cp.statusCode()).isEqualTo(200);
    VerifiedCheckpoint v = verifier().verifyCheckpoint(cp.body());
    long n = v.checkpoint().size();
    assertThat(n).isPositive();
    HashTile tile = TileLayout.tileFor(0, n - 1, n);
    HttpResponse<byte[]> t = client.get("/" + tile.path());
    assertThat(t.statusCode()).as(tile.path()).isEqualTo(200);
    assertThat(t.body()).hasSize(tile.width() * 32);
    EntryBundle bundle = TileLayout.bundleFor(n - 1, n);
    assertThat(client.get("/" + bundle.path()).statusCode()).as(bundle.path()).isEqualTo(200);
    assertThat(client.get("/proof/inclusion?index=0").statusCode()).isEqualTo(200);
  }

  private void awaitWritesAcknowledged() {
    writers.awaitAcknowledgement();
  }

  /** Ready again, and the metrics say so. */
  private void assertReady() {
    Poll.until("/readyz to return 200", DEADLINE,
        () -> client.get("/readyz").statusCode() == 200);
    String metrics = text(client.get("/metrics"));
    assertThat(metrics).contains("cairn_up 1.0")
        .doesNotContainPattern("cairn_fault\\{[^}]*} 1.0");
  }

  /**
   * A refused write may or may not have landed; retried, each gets one index (a new one, or the
   * one it landed at). An acknowledged entry resubmitted gets its index again.
   */
  private void retryRefusedAndCheckDedup() {
    for (String entry : writers.refused) {
      HttpResponse<byte[]> r = client.post("/add", entry.getBytes(UTF_8));
      assertThat(r.statusCode()).as("retry: %s", text(r)).isEqualTo(200);
      writers.acknowledged.put(entry, Long.parseLong(text(r).strip()));
    }
    int checked = 0;
    for (Map.Entry<String, Long> a : writers.acknowledged.entrySet()) {
      if (checked++ == 50) {
        break;
      }
      HttpResponse<byte[]> r = client.post("/add", a.getKey().getBytes(UTF_8));
      assertThat(text(r)).as("resubmitted %s", a.getKey()).isEqualTo(a.getValue() + "\n");
    }
  }

  /**
   * The fault is logged when it starts and when it clears — a handful of lines however many
   * requests failed meanwhile.
   */
  private void assertFaultLoggedOnceAndCleared(StorageException.Kind kind) {
    assertFaultLoggedOnceAndCleared(kind, true);
  }

  private void assertFaultLoggedOnceAndCleared(StorageException.Kind kind, boolean clearsInPlace) {
    List<ILoggingEvent> events = List.copyOf(logged.list);
    List<String> warnings = events.stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .map(e -> e.getLevel() + " " + e.getLoggerName() + " -- " + e.getFormattedMessage())
        .toList();
    List<String> recoveries = events.stream().map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.contains("recovered")).toList();
    System.out.println("log lines at WARN and above (" + warnings.size() + ") for "
        + writers.refusals() + " refused writes:");
    warnings.forEach(l -> System.out.println("  " + l));
    System.out.println("recoveries:");
    recoveries.forEach(l -> System.out.println("  " + l));
    assertThat(warnings).anySatisfy(m -> assertThat(m).contains(kind.description()));
    assertThat(warnings).as("fault log lines").hasSizeLessThan(10);
    if (clearsInPlace) {
      assertThat(recoveries).isNotEmpty();
    }
  }

  /**
   * Closes the log, opens it again and checks what is on disk: every acknowledged entry at its
   * index and none twice, tiles that give the checkpoint's root, a checkpoint that verifies, and
   * no temporary files left behind.
   */
  private void verifyAfterRestart() throws Exception {
    stopLog();
    log = TransparencyLog.open(config());
    VerifiedCheckpoint cp = verifier().verifyCheckpoint(
        Files.readAllBytes(dataDir.resolve("checkpoint")));
    long n = cp.checkpoint().size();
    assertThat(log.publisher().latest().checkpoint()).isEqualTo(cp.checkpoint());
    long highest = writers.acknowledged.values().stream().mapToLong(Long::longValue).max()
        .orElseThrow();
    assertThat(n).as("checkpoint size").isGreaterThan(highest);
    assertThat(log.tiles().treeHash(n))
        .as("root of the stored tiles at size %d", n).isEqualTo(cp.checkpoint().root());

    List<String> entries = new ArrayList<>();
    for (long first = 0; first < n; first += EntryBundle.FULL_WIDTH) {
      EntryBundle bundle = TileLayout.bundleFor(first, n);
      byte[] level0 = log.tiles().readTile(TileLayout.tileFor(0, first, n));
      List<byte[]> got = log.tiles().entries(bundle);
      for (int i = 0; i < got.size(); i++) {
        assertThat(Hasher.threadLocal().leaf(got.get(i)).toByteArray())
            .as("leaf hash of entry %d", first + i)
            .isEqualTo(Arrays.copyOfRange(level0, i * 32, i * 32 + 32));
        entries.add(new String(got.get(i), UTF_8));
      }
    }
    assertThat(new HashSet<>(entries)).as("distinct entries").hasSize(entries.size());
    for (Map.Entry<String, Long> a : writers.acknowledged.entrySet()) {
      assertThat(entries.get(a.getValue().intValue())).as("entry acknowledged at %d",
          a.getValue()).isEqualTo(a.getKey());
    }
    assertThat(log.history().last().orElseThrow().size()).isEqualTo(n);
    for (Path tmp : List.of(dataDir.resolve(".tmp"), dataDir.resolve("tiles/.tmp"))) {
      try (var leftovers = Files.list(tmp)) {
        assertThat(leftovers).as("temporary files in %s", tmp).isEmpty();
      }
    }
    System.out.printf("verified after restart: %d entries, %d acknowledged, %d refused"
        + " (all retried)%n", n, writers.acknowledged.size(), writers.refused.size());
  }

  private LogVerifier verifier() throws IOException {
    List<VerifierKey> keys = Files.readAllLines(dataDir.resolve("log.vkey"), UTF_8)
        .stream().filter(l -> !l.isBlank()).map(VerifierKey::parse).toList();
    return LogVerifier.ofLogKeys(keys);
  }

  /**
   * Writers posting distinct entries as fast as the log answers, recording which were
   * acknowledged (and where) and which were refused with 503.
   */
  private static final class Writers {
    private final LogClient client;
    private final int entryBytes;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicInteger acksSinceMark = new AtomicInteger();
    final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<String> refused = new ConcurrentLinkedQueue<>();
    private volatile HttpResponse<byte[]> firstRefusal;
    private final ConcurrentLinkedQueue<Throwable> surprises = new ConcurrentLinkedQueue<>();
    private ExecutorService pool;

    Writers(LogClient client, int entryBytes) {
      this.client = client;
      this.entryBytes = entryBytes;
    }

    String nextEntry() {
      String head = "entry " + next.getAndIncrement() + " ";
      return head + "x".repeat(Math.max(0, entryBytes - head.length()));
    }

    /** Adds one entry, which must be acknowledged. */
    void addOnce() {
      String e = nextEntry();
      HttpResponse<byte[]> r = client.post("/add", e.getBytes(UTF_8));
      assertThat(r.statusCode()).as("POST /add: %s", text(r)).isEqualTo(200);
      acknowledged.put(e, Long.parseLong(text(r).strip()));
    }

    void start() {
      running.set(true);
      pool = Executors.newFixedThreadPool(WRITERS);
      for (int i = 0; i < WRITERS; i++) {
        pool.execute(() -> {
          while (running.get()) {
            String e = nextEntry();
            try {
              HttpResponse<byte[]> r = client.post("/add", e.getBytes(UTF_8));
              if (r.statusCode() == 200) {
                acknowledged.put(e, Long.parseLong(text(r).strip()));
                acksSinceMark.incrementAndGet();
              } else if (r.statusCode() == 503) {
                refused.add(e);
                if (firstRefusal == null) {
                  firstRefusal = r;
                }
              } else {
                surprises.add(new AssertionError("POST /add answered " + r.statusCode()
                    + ": " + text(r)));
              }
            } catch (RuntimeException ex) {
              surprises.add(ex);
              refused.add(e); // unknown outcome: retried like a refusal
            }
          }
        });
      }
    }

    int refusals() {
      return refused.size();
    }

    HttpResponse<byte[]> awaitRefusal() {
      Poll.until("a write to be refused", DEADLINE, () -> firstRefusal != null);
      return firstRefusal;
    }

    /** Waits for writes to be acknowledged again. */
    void awaitAcknowledgement() {
      acksSinceMark.set(0);
      Poll.until("writes to be acknowledged again", DEADLINE, () -> acksSinceMark.get() >= 10);
    }

    /** Stops writing and checks that every answer was 200 or 503. */
    void stop() throws InterruptedException {
      halt();
      assertThat(surprises).as("unexpected answers").isEmpty();
    }

    void halt() throws InterruptedException {
      running.set(false);
      if (pool != null) {
        pool.shutdown();
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        pool = null;
      }
    }
  }

}
