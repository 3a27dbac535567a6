package dev.cairn.monitor.testing;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.VerifierKey;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileLayout;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongFunction;

/**
 * A C2SP tlog-tiles log that misbehaves on command, for the monitor's tests: an HTTP server on
 * loopback serving, from memory, {@code <prefix>checkpoint}, {@code <prefix>tile/<L>/<N>[.p/<W>]}
 * and {@code <prefix>tile/entries/<N>[.p/<W>]} of a log it builds itself, plus, for each witness
 * whose key it holds, the witness's monitoring endpoint {@code
 * <prefix>witness/<name>/<hex SHA-256(origin)>/checkpoint} (the latest checkpoint that witness
 * cosigned: the log's signature and its cosignature, as a Cairn witness serves it).
 *
 * <p>The log signs with an Ed25519 key named for the origin, and every cosigning witness adds a
 * {@code cosignature/v1} cosignature timestamped by the injected clock. Keys derive from a seed
 * ({@link #logKey}, {@link #witnessKey}), so a test, or a test running this as a process, knows
 * the verifier keys in advance. Entries are {@code "entry <i>"} unless the builder says
 * otherwise.
 *
 * <p>Each mutator publishes a new state at once and returns what the log now serves; they may
 * be called from any thread while clients read. Misbehaviour stays until {@link #repair()}: a
 * {@link #badSignature()} log keeps signing badly as it {@link #grow}s. A {@link #fork} rewrites
 * history for good, as a real fork would: {@code repair()} does not undo it. The witnesses whose
 * keys the log holds are its accomplices: they cosign whatever it publishes (a fork included)
 * unless {@link #cosigners} says otherwise.
 *
 * <p>Run as a process with {@link #main}; see {@link RogueLogCli} for the command protocol.
 */
public final class RogueLog implements AutoCloseable {
  /** The origin unless the builder sets one. */
  public static final String DEFAULT_ORIGIN = "rogue.example/log";

  /**
   * What the log serves at a moment.
   *
   * @param size the size of the served checkpoint
   * @param root its root
   */
  public record Status(long size, Hash root) {}

  /** How {@link #badRootTiles(Corruption)} breaks the link between tiles and the signed root. */
  public enum Corruption {
    /** The newest entry's bytes change in its bundles; the level-0 tile keeps its old hash. */
    ENTRY,
    /** The newest entry's leaf hash changes in the level-0 tile of the current size. */
    LEAF_HASH,
    /** The last hash of the level-1 tile of the current size changes (needs 256 entries). */
    LEVEL_1
  }

  private static final HexFormat HEX = HexFormat.of();

  private final String origin;
  private final RogueKeys keys;
  private final Clock clock;
  private final LongFunction<byte[]> entrySource;
  private final String originHash;
  private final RogueHttp http;

  // Guarded by this.
  private final List<byte[]> entries = new ArrayList<>();
  private final TreeSet<Long> sizes = new TreeSet<>();
  private final Map<Long, byte[]> bundleLies = new HashMap<>();
  private final Map<String, Integer> tileFlips = new HashMap<>();
  private final Map<String, byte[]> witnessHeld = new HashMap<>();
  private final Map<String, byte[]> witnessOverrides = new HashMap<>();
  private final Set<String> cosigners = new LinkedHashSet<>();
  private boolean badSignature;
  private Duration cosignatureOffset = Duration.ZERO;
  private int rewrites;
  private Status status;
  private byte[] served;

  private RogueLog(Builder b) throws IOException {
    this.origin = b.origin;
    this.keys = new RogueKeys(origin, b.seed, b.witnesses);
    this.clock = b.clock;
    this.entrySource = b.entries;
    this.originHash = HEX.formatHex(RogueKeys.sha256(origin.getBytes(StandardCharsets.UTF_8)));
    cosigners.addAll(keys.witnessNames());
    sizes.add(0L);
    this.http = new RogueHttp(b.port);
    try {
      grow(b.size);
    } catch (RuntimeException e) {
      http.close();
      throw e;
    }
  }

  /** A builder with the defaults: origin {@value #DEFAULT_ORIGIN}, seed 0, no witnesses. */
  public static Builder builder() {
    return new Builder();
  }

  /** Settings of a {@link RogueLog}. */
  public static final class Builder {
    private String origin = DEFAULT_ORIGIN;
    private long seed;
    private final List<String> witnesses = new ArrayList<>();
    private Clock clock = Clock.systemUTC();
    private LongFunction<byte[]> entries =
        i -> ("entry " + i).getBytes(StandardCharsets.UTF_8);
    private long size;
    private int port;

    private Builder() {}

    /** The log's origin, which also names its key. */
    public Builder origin(String origin) {
      this.origin = origin;
      return this;
    }

    /** The seed every key derives from. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Witnesses whose keys the log holds, by name (letters, digits, {@code .}, {@code _}, {@code
     * -}); the name also names the witness's key.
     */
    public Builder witnesses(String... names) {
      for (String n : names) {
        if (!n.matches("[A-Za-z0-9][A-Za-z0-9._-]*") || witnesses.contains(n)) {
          throw new IllegalArgumentException("bad or repeated witness name \"" + n + "\"");
        }
        witnesses.add(n);
      }
      return this;
    }

    /** The clock that timestamps cosignatures. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Entry {@code i} of the log, for every {@code i} it grows to. */
    public Builder entries(LongFunction<byte[]> entries) {
      this.entries = entries;
      return this;
    }

    /** The size the log starts at (0 by default). */
    public Builder size(long size) {
      this.size = size;
      return this;
    }

    /** The loopback port to listen on; 0 (the default) picks a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Starts the log's server. */
    public RogueLog start() throws IOException {
      return new RogueLog(this);
    }
  }

  /** The log's Ed25519 key for {@code origin} with {@code seed} (see {@link RogueKeys}). */
  public static VerifierKey logKey(String origin, long seed) {
    return RogueKeys.logSigner(origin, seed).verifierKey();
  }

  /** Witness {@code name}'s cosignature/v1 key with {@code seed} (see {@link RogueKeys}). */
  public static VerifierKey witnessKey(String name, long seed) {
    return RogueKeys.witnessSigner(name, seed).verifierKey();
  }

  // ---- Phases -------------------------------------------------------------------------------

  /** Appends {@code n} entries from the entry source and publishes the new size. */
  public synchronized Status grow(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("cannot grow by " + n);
    }
    List<byte[]> more = new ArrayList<>();
    for (long i = entries.size(); i < entries.size() + n; i++) {
      more.add(entrySource.apply(i));
    }
    return append(more);
  }

  /** Appends these entries and publishes the new size. */
  public synchronized Status append(List<byte[]> more) {
    more.forEach(e -> entries.add(e.clone()));
    sizes.add((long) entries.size());
    return publish();
  }

  /** {@link #badRootTiles(Corruption)} with {@link Corruption#ENTRY}. */
  public synchronized Status badRootTiles() {
    return badRootTiles(Corruption.ENTRY);
  }

  /**
   * Serves tiles or bundles that no longer lead to the signed root, as {@code how} says; the
   * checkpoint stays as it is.
   *
   * @throws IllegalStateException if the log is too small for that corruption
   */
  public synchronized Status badRootTiles(Corruption how) {
    long size = status.size();
    switch (how) {
      case ENTRY -> {
        requireSize(1, how);
        byte[] real = entries.get(Math.toIntExact(size - 1));
        byte[] fake = new byte[real.length + 1];
        System.arraycopy(real, 0, fake, 1, real.length);
        fake[0] = '!';
        bundleLies.put(size - 1, fake);
      }
      case LEAF_HASH -> {
        requireSize(1, how);
        HashTile tile = TileLayout.tileFor(0, size - 1, size);
        tileFlips.put(tile.path(), (int) ((size - 1) % 256) * Hash.SIZE);
      }
      case LEVEL_1 -> {
        requireSize(256, how);
        long c = TileLayout.hashesAtLevel(1, size);
        HashTile tile = TileLayout.tileFor(1, c - 1, size);
        tileFlips.put(tile.path(), (int) ((c - 1) % 256) * Hash.SIZE);
      }
    }
    return publish();
  }

  /**
   * Rewrites the newest entry of the current checkpoint, appends {@code n} entries and publishes
   * the rewritten history: the new checkpoint (of the same size if {@code n} is 0) is not an
   * extension of the old one, though its own tiles are coherent with it.
   *
   * @throws IllegalStateException if the log is empty
   */
  public synchronized Status fork(long n) {
    requireSize(1, "a fork");
    int last = entries.size() - 1;
    entries.set(last, rewritten(last));
    return grow(n);
  }

  /** {@link #splitView(String, long)} for the first witness at the log's size. */
  public synchronized Checkpoint splitView() {
    return splitView(firstWitness(), 0);
  }

  /** {@link #splitView(String, long)} at the log's size. */
  public synchronized Checkpoint splitView(String witness) {
    return splitView(witness, 0);
  }

  /**
   * Makes {@code witness} hold a checkpoint the log signed (and the witness cosigned) that is
   * not the log's: of the log's size plus {@code ahead}, over the log's entries with the newest
   * one rewritten. With {@code ahead == 0} it has the log's size and another root; otherwise it
   * is larger and will never be consistent with the log's. The log itself goes on serving its
   * own view.
   *
   * @return the checkpoint the witness now holds
   * @throws IllegalStateException if the log is empty
   */
  public synchronized Checkpoint splitView(String witness, long ahead) {
    requireWitness(witness);
    requireSize(1, "a split view");
    List<byte[]> other = new ArrayList<>(entries);
    int last = entries.size() - 1;
    other.set(last, rewritten(last));
    for (long i = entries.size(); i < entries.size() + ahead; i++) {
      other.add(entrySource.apply(i));
    }
    Checkpoint cp = new Checkpoint(origin, other.size(), RogueTree.root(other, other.size()));
    byte[] text = cp.format().getBytes(StandardCharsets.UTF_8);
    witnessOverrides.put(witness, RogueKeys.note(cp.format(), List.of(keys.logSignature(text),
        keys.cosignature(witness, text, cosignatureClock()))));
    publish();
    return cp;
  }

  /** Makes {@code witness}'s monitoring endpoint serve {@code note}, whatever it is. */
  public synchronized void witnessHolds(String witness, byte[] note) {
    requireWitness(witness);
    witnessOverrides.put(witness, note.clone());
    publish();
  }

  /**
   * Dates the cosignatures {@code age} before the clock's time, now and at every publication
   * until {@link #repair()}: the log looks as if its witnesses stopped cosigning that long ago.
   */
  public synchronized Status stale(Duration age) {
    cosignatureOffset = age.negated();
    return publish();
  }

  /** Dates the cosignatures {@code ahead} after the clock's time, until {@link #repair()}. */
  public synchronized Status futureCosignature(Duration ahead) {
    cosignatureOffset = ahead;
    return publish();
  }

  /**
   * Serves the checkpoint with its log signature corrupted (one bit flipped), so it still parses
   * but does not verify; the witnesses' endpoints keep the good signature.
   */
  public synchronized Status badSignature() {
    badSignature = true;
    return publish();
  }

  /** Only these witnesses cosign from now on (none if empty); the others keep what they hold. */
  public synchronized Status cosigners(String... names) {
    for (String n : names) {
      requireWitness(n);
    }
    cosigners.clear();
    cosigners.addAll(List.of(names));
    return publish();
  }

  /**
   * Undoes every misbehaviour but forks: bundles and tiles tell the truth again, the signature
   * is good, cosignatures carry the clock's time, every witness cosigns and holds the log's
   * checkpoint.
   */
  public synchronized Status repair() {
    bundleLies.clear();
    tileFlips.clear();
    witnessOverrides.clear();
    cosigners.addAll(keys.witnessNames());
    badSignature = false;
    cosignatureOffset = Duration.ZERO;
    return publish();
  }

  // ---- Transport faults ---------------------------------------------------------------------

  /** Answers every request, to any path, with {@code status} until {@link #up()}. */
  public void down(int status) {
    http.down(checkStatus(status));
  }

  /** Closes every connection early (headers, then no body) until {@link #up()}. */
  public void dropConnections() {
    http.down(RogueHttp.DROP);
  }

  /** Answers normally again (a pending {@link #failNext} still applies). */
  public void up() {
    http.down(RogueHttp.UP);
  }

  /** Answers the next {@code n} requests with 503, then recovers. */
  public void failNext(int n) {
    failNext(n, 503);
  }

  /** Answers the next {@code n} requests with {@code status}, then recovers. */
  public void failNext(int n, int status) {
    if (n < 0) {
      throw new IllegalArgumentException("cannot fail " + n + " requests");
    }
    http.failNext(n, checkStatus(status));
  }

  private static int checkStatus(int status) {
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("not an HTTP status to fail with: " + status);
    }
    return status;
  }

  // ---- Accessors ----------------------------------------------------------------------------

  /** The log's origin. */
  public String origin() {
    return origin;
  }

  /** The log's verifier key. */
  public VerifierKey verifierKey() {
    return keys.logKey();
  }

  /** The log's verifier key, encoded (a {@code vkey}). */
  public String vkey() {
    return verifierKey().encode();
  }

  /** The witnesses' names, in the builder's order. */
  public List<String> witnessNames() {
    return keys.witnessNames();
  }

  /** Witness {@code name}'s cosignature/v1 verifier key. */
  public VerifierKey witnessVerifierKey(String name) {
    return keys.witnessKey(name);
  }

  /** Witness {@code name}'s verifier key, encoded. */
  public String witnessVkey(String name) {
    return witnessVerifierKey(name).encode();
  }

  /**
   * A tlog-policy trusting the log and every witness, with {@code quorum} (a witness name or
   * {@code none}).
   */
  public String policy(String quorum) {
    StringBuilder sb = new StringBuilder("log ").append(vkey()).append(' ').append(url())
        .append('\n');
    for (String w : keys.witnessNames()) {
      sb.append("witness ").append(w).append(' ').append(witnessVkey(w)).append('\n');
    }
    return sb.append("quorum ").append(quorum).append('\n').toString();
  }

  /** The size and root of the checkpoint served now. */
  public synchronized Status status() {
    return status;
  }

  /** The size of the checkpoint served now. */
  public long size() {
    return status().size();
  }

  /** The root of the checkpoint served now. */
  public Hash root() {
    return status().root();
  }

  /** The checkpoint note served now, as served. */
  public synchronized byte[] checkpoint() {
    return served.clone();
  }

  /** What witness {@code name}'s monitoring endpoint serves now, if anything. */
  public synchronized Optional<byte[]> witnessCheckpoint(String name) {
    requireWitness(name);
    byte[] note = witnessOverrides.getOrDefault(name, witnessHeld.get(name));
    return Optional.ofNullable(note).map(byte[]::clone);
  }

  /** The log's URL prefix, {@code http://127.0.0.1:<port>/}. */
  public URI url() {
    return URI.create("http://" + loopback() + ":" + http.port() + "/");
  }

  /** Witness {@code name}'s URL prefix, below which {@code <hex origin hash>/checkpoint} is. */
  public URI witnessUrl(String name) {
    requireWitness(name);
    return url().resolve("witness/" + name + "/");
  }

  /** The full URL of witness {@code name}'s monitoring endpoint for this log. */
  public URI witnessCheckpointUrl(String name) {
    return witnessUrl(name).resolve(originHash + "/checkpoint");
  }

  /** The lowercase hex SHA-256 of the origin, as witness endpoints name the log. */
  public String originHash() {
    return originHash;
  }

  /**
   * How many requests arrived for {@code path} (below the prefix, no leading slash: {@code
   * checkpoint}, {@code tile/0/000.p/5}), failed ones included.
   */
  public long requests(String path) {
    return http.requests(path);
  }

  /** The request count of every path asked for, sorted by path. */
  public Map<String, Long> requests() {
    return http.requests();
  }

  /** The number of requests that arrived, for any path. */
  public long totalRequests() {
    return http.requests().values().stream().mapToLong(Long::longValue).sum();
  }

  /** Forgets the request counts. */
  public void resetRequests() {
    http.resetRequests();
  }

  /** Stops the server. */
  @Override
  public void close() {
    http.close();
  }

  /**
   * Runs the log as a process: see {@link RogueLogCli} for the arguments and the stdin/stdout
   * protocol.
   */
  public static void main(String[] args) throws IOException {
    System.exit(RogueLogCli.run(args, System.in, System.out, System.err));
  }

  // ---- Publishing ---------------------------------------------------------------------------

  /** Builds and signs the current state and hands it to the server. Caller holds the lock. */
  private Status publish() {
    RogueTree.Built built = RogueTree.build(entries, sizes, bundleLies);
    Map<String, byte[]> objects = new HashMap<>(built.objects());
    tileFlips.forEach((path, offset) -> objects.computeIfPresent(path, (p, data) -> {
      byte[] lie = data.clone();
      lie[offset] ^= 1;
      return lie;
    }));
    Checkpoint cp = new Checkpoint(origin, sizes.last(), built.root());
    String text = cp.format();
    byte[] textBytes = text.getBytes(StandardCharsets.UTF_8);
    NoteSignature logSig = keys.logSignature(textBytes);
    List<NoteSignature> sigs = new ArrayList<>();
    sigs.add(badSignature ? RogueKeys.flipped(logSig) : logSig);
    for (String w : cosigners) {
      NoteSignature cosig = keys.cosignature(w, textBytes, cosignatureClock());
      sigs.add(cosig);
      witnessHeld.put(w, RogueKeys.note(text, List.of(logSig, cosig)));
    }
    served = RogueKeys.note(text, sigs);
    objects.put("checkpoint", served);
    for (String w : keys.witnessNames()) {
      byte[] held = witnessOverrides.getOrDefault(w, witnessHeld.get(w));
      if (held != null) {
        objects.put("witness/" + w + "/" + originHash + "/checkpoint", held);
      }
    }
    http.serve(objects);
    status = new Status(cp.size(), cp.root());
    return status;
  }

  private Clock cosignatureClock() {
    return Clock.offset(clock, cosignatureOffset);
  }

  /** A different entry in place of entry {@code i}, unique to each rewrite. */
  private byte[] rewritten(int i) {
    return ("rewrite " + ++rewrites + " of entry " + i).getBytes(StandardCharsets.UTF_8);
  }

  private void requireSize(long min, Object what) {
    if (status.size() < min) {
      throw new IllegalStateException(what + " needs a log of at least " + min
          + " entries, this one has " + status.size());
    }
  }

  private void requireWitness(String name) {
    keys.witnessKey(name);
  }

  private String firstWitness() {
    if (keys.witnessNames().isEmpty()) {
      throw new IllegalStateException("the log holds no witness keys");
    }
    return keys.witnessNames().get(0);
  }

  private static String loopback() {
    return java.net.InetAddress.getLoopbackAddress().getHostAddress();
  }
}
