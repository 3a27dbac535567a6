package dev.cairn.cli;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.cluster.ClusterStorage;
import dev.cairn.log.backup.BackupManifest;
import dev.cairn.log.backup.BackupSource;
import dev.cairn.log.replay.DataDirSource;
import dev.cairn.log.replay.LogSource;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Proofs;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import dev.cairn.read.Divergence;
import dev.cairn.read.HttpLogReader;
import dev.cairn.read.Replay;
import dev.cairn.tile.TileHashReader;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerificationException;
import dev.cairn.verify.VerifiedCheckpoint;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn verify --url}: audits a log from the outside, trusting only its verifier keys;
 * {@code cairn verify --data}: replays a data directory or backup offline.
 */
@Command(name = "verify", description = {
    "Audit a log over HTTP (--url): verify its checkpoint's signatures, recompute the root from"
        + " its tiles, with --full replay every entry against its leaf hash and every tile, and"
        + " with --state check consistency with the checkpoint saved by the previous run.",
    "Or replay a data directory or a backup offline (--data), or a cluster's database and"
        + " bucket (--postgres and --objects), also while the log serves from it: recompute every leaf hash, tile and bundle, every checkpoint's root in the"
        + " history and check their signatures, and report the first divergence.",
    "Exits 0 if everything verifies, 3 if a checkpoint the log signed lacks the --policy"
        + " witness quorum, 1 with the reason otherwise."})
final class VerifyCommand implements Callable<Integer> {
  /** Exit code when the log fails verification. */
  static final int FAILED = 1;
  /**
   * Exit code when the log's signatures verify but the witness cosignatures do not meet the
   * policy's quorum: perhaps a witness is down, perhaps the log shows this view to few.
   */
  static final int UNWITNESSED = 3;
  /** A progress line every this many entries of a replay over HTTP. */
  private static final long PROGRESS_EVERY = 1L << 20;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--url", description = "The log's base URL.")
  String url;

  @Option(names = "--data", paramLabel = "DIR",
      description = "A data directory or a backup to replay offline; with --postgres and"
          + " --objects, a node's data directory, for the log's keys.")
  Path data;

  @CommandLine.Mixin ClusterOptions cluster;

  @Option(names = "--vkey", description = "A verifier key, or a file of them (one per line,"
      + " e.g. log.vkey). With --url, it or --policy is required; with --data the keys stored"
      + " with the data are used if it is not given.")
  String vkey;

  @Option(names = "--policy", paramLabel = "FILE", description = "With --url, instead of"
      + " --vkey: a tlog-policy file (log, witness, group and quorum lines). Its log lines are"
      + " the keys to trust, and the checkpoint must carry valid cosignatures meeting its"
      + " quorum. With --state the saved checkpoint needs only the log's signatures: its"
      + " quorum was checked when it was saved.")
  Path policyFile;

  @Option(names = "--accept-any-key-type", description = "Weaker: accept a checkpoint that any"
      + " one trusted key signed. Without it a checkpoint needs a signature by a trusted key of"
      + " each type among the trusted keys (classical Ed25519 or ECDSA, and ML-DSA-44), so that"
      + " one stolen key cannot forge one. To trust one type only, give only its keys to --vkey.")
  boolean acceptAnyKeyType;

  @Option(names = "--full", description = "Replay every entry and compare every tile.")
  boolean full;

  @Option(names = "--check-dedup", negatable = true, defaultValue = "true",
      fallbackValue = "true", description = "With --data (a data directory; a backup has"
      + " none): also check that the dedup index maps every entry to its own index, the"
      + " default (a lookup per entry, in sorted chunks of up to 4 M entries taking at most"
      + " an eighth of the heap; --no-check-dedup skips it).")
  boolean checkDedup;

  @Option(names = "--ca-cert", paramLabel = "FILE", description = "With an https --url:"
      + " trust the PEM certificates in FILE (a private CA) instead of the JDK's.")
  Path caCert;

  @Option(names = "--state", description = "File keeping the last verified checkpoint.")
  Path state;

  private PrintWriter out;

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    if (cluster.given()) {
      if (url != null) {
        throw new CliException(CliException.USAGE, "give either --url or --postgres and"
            + " --objects");
      }
      return verifyData();
    }
    if ((url == null) == (data == null)) {
      throw new CliException(CliException.USAGE, "give either --url or --data (or --postgres"
          + " and --objects)");
    }
    if (data != null) {
      return verifyData();
    }
    if ((vkey == null) == (policyFile == null)) {
      throw new CliException(CliException.USAGE, "--url needs the keys to trust: either"
          + " --vkey, or --policy whose log lines name them");
    }
    Policy policy = policyFile == null ? Policy.ofLogs(keys()) : policy(policyFile);
    LogVerifier verifier = verifier(policy);
    try (HttpLogReader log = open(url)) {
      byte[] note = log.checkpoint();
      VerifiedCheckpoint cp;
      try {
        cp = verifier.verifyCheckpoint(note);
      } catch (VerificationException e) {
        if (e.reason() == VerificationException.Reason.QUORUM_NOT_MET) {
          return fail(UNWITNESSED, e.getMessage());
        }
        throw e;
      }
      Checkpoint c = cp.checkpoint();
      out.println("checkpoint: " + c.origin() + " size " + c.size() + " root " + c.root()
          + " signed by " + cp.logSignatureTypes());
      if (policyFile != null) {
        out.println("witnesses: " + witnesses(policy, cp));
      }
      TileHashReader tiles = new TileHashReader(c.size(), log);
      Hash root = Proofs.treeHash(tiles, c.size());
      if (!root.equals(c.root())) {
        return fail("the tiles give root " + root + " at size " + c.size()
            + ", the checkpoint says " + c.root());
      }
      out.println("tiles: root recomputed from the tiles matches");
      if (full) {
        replay(log, c);
      }
      if (state != null) {
        // Only the log's signatures: the saved checkpoint met the quorum when it was saved,
        // and a policy since made stricter must not turn it into a failure.
        checkState(verifier(Policy.ofLogs(policy.logs().stream().map(Policy.Log::key)
            .toList())), cp, tiles);
      }
      out.println("OK");
      out.flush();
      return 0;
    } catch (VerificationException | Divergence | IOException e) {
      return fail(e.getMessage());
    }
  }

  /** The reader of the log at {@code url}, trusting {@code --ca-cert} if given. */
  private HttpLogReader open(String url) {
    if (!url.startsWith("http://") && !url.startsWith("https://")) {
      throw new CliException(CliException.USAGE, "--url must start with http:// or https://");
    }
    HttpLogReader.Builder b;
    try {
      b = HttpLogReader.builder(URI.create(url));
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, "--url is not a log's URL: " + e.getMessage());
    }
    if (caCert != null) {
      b.trusting(caCert);
    }
    try {
      return b.build();
    } catch (IOException e) {
      throw HttpClients.badCaCert(e);
    }
  }

  /**
   * Replays a data directory, a backup or a cluster's storage; the report goes to stdout,
   * progress to stderr.
   */
  private int verifyData() throws IOException {
    if (policyFile != null) {
      throw new CliException(CliException.USAGE, "--policy goes with --url: stored data"
          + " holds no cosignatures");
    }
    if (full || state != null) {
      throw new CliException(CliException.USAGE, "--full and --state go with --url; --data"
          + " always replays everything");
    }
    if (cluster.given() && data == null && vkey == null) {
      throw new CliException(CliException.USAGE, "a cluster's storage holds no keys: give"
          + " --vkey, or --data with a node's data directory");
    }
    if (data != null && !Files.isDirectory(data)) {
      throw new CliException(CliException.USAGE, "--data " + data + " is not a directory");
    }
    ClusterStorage storage = cluster.given() ? cluster.open("verify") : null;
    LogSource source;
    try {
      source = storage != null ? storage.source(data == null ? Path.of(".") : data)
          : Files.exists(data.resolve(BackupManifest.NAME)) ? BackupSource.open(data)
          : DataDirSource.open(data);
    } catch (IOException e) {
      if (storage != null) {
        storage.close();
      }
      throw new CliException(CliException.IO, e.getMessage());
    }
    try (storage; source) {
      return replay(source);
    }
  }

  private int replay(LogSource source) throws IOException {
    try {
      List<VerifierKey> keys;
      if (vkey != null) {
        keys = keys();
      } else {
        out.println("keys: those stored with the data (log.vkey); pass --vkey to check against"
            + " keys you trust");
        keys = parseKeys(source.verifierKeys(), "log.vkey");
      }
      out.println("verifying " + source.describe());
      out.flush();
      dev.cairn.log.replay.Replay.Result r = dev.cairn.log.replay.Replay.run(source,
          verifier(keys), ProgressBar.forStderr(spec.commandLine().getErr()),
          checkDedup);
      r.report().forEach(out::println);
      out.println("OK");
      out.flush();
      return 0;
    } catch (Divergence e) {
      return fail(e.getMessage());
    }
  }

  private LogVerifier verifier(List<VerifierKey> keys) {
    return verifier(Policy.ofLogs(keys));
  }

  private LogVerifier verifier(Policy policy) {
    LogVerifier v = LogVerifier.of(policy);
    return acceptAnyKeyType ? v.acceptingAnyKeyType() : v;
  }

  /** The tlog-policy in {@code file}, which must name at least one log key. */
  static Policy policy(Path file) {
    Policy p;
    try {
      if (Files.size(file) > Policy.MAX_SIZE) {
        throw new CliException(CliException.USAGE, "--policy " + file + " is larger than "
            + Policy.MAX_SIZE + " bytes");
      }
      p = Policy.parse(Files.readAllBytes(file));
    } catch (java.nio.file.NoSuchFileException e) {
      throw new CliException(CliException.IO, "--policy: no such file: " + file);
    } catch (IOException e) {
      throw new CliException(CliException.IO, "couldn't read --policy " + file + ": " + e);
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, "--policy " + file + ": " + e.getMessage());
    }
    if (p.logs().isEmpty()) {
      throw new CliException(CliException.USAGE, "--policy " + file + " has no log line:"
          + " add \"log <vkey>\" for each of the log's keys");
    }
    return p;
  }

  /** Who cosigned, in policy order, and the quorum they meet. */
  private static String witnesses(Policy policy, VerifiedCheckpoint cp) {
    if (policy.quorum().equals(Policy.NONE)) {
      return "the policy's quorum is none" + (cp.witnesses().isEmpty() ? ""
          : "; cosigned by " + inPolicyOrder(policy, cp));
    }
    return "cosigned by " + inPolicyOrder(policy, cp) + "; quorum \"" + policy.quorum()
        + "\" met";
  }

  private static String inPolicyOrder(Policy policy, VerifiedCheckpoint cp) {
    return String.join(", ", policy.witnesses().keySet().stream()
        .filter(cp.witnesses()::contains).toList());
  }

  private List<VerifierKey> keys() {
    return verifierKeys("--vkey", vkey);
  }

  /**
   * The verifier keys an option's value gives: a key itself, or a file of keys (one a line;
   * blank lines and {@code #} comments are ignored).
   */
  static List<VerifierKey> verifierKeys(String option, String value) {
    List<String> lines;
    try {
      lines = value.contains("+") && !Files.exists(Path.of(value)) ? List.of(value)
          : Files.readAllLines(Path.of(value));
    } catch (IOException | java.nio.file.InvalidPathException e) {
      throw new CliException(CliException.USAGE, option + " is neither a verifier key nor a"
          + " readable file: " + value);
    }
    return parseKeys(lines, value);
  }

  private static List<VerifierKey> parseKeys(List<String> lines, String from) {
    List<VerifierKey> keys = new ArrayList<>();
    for (String l : lines) {
      if (l.isBlank() || l.startsWith("#")) {
        continue;
      }
      try {
        keys.add(VerifierKey.parse(l.strip()));
      } catch (IllegalArgumentException e) {
        throw new CliException(CliException.USAGE, "bad verifier key: " + e.getMessage());
      }
    }
    if (keys.isEmpty()) {
      throw new CliException(CliException.USAGE, "no verifier key in " + from);
    }
    return keys;
  }

  /**
   * Replays every entry ({@link Replay}): each must hash to its leaf hash, every tile the entries
   * complete must equal the served one, and all of them must give the checkpoint's root.
   */
  private void replay(HttpLogReader log, Checkpoint c) throws Divergence, IOException {
    long size = c.size();
    long started = System.nanoTime();
    Replay.of(log).checking(Replay.Checkpoints.of(Map.of(size, c.root())))
        .reporting(done -> {
          if (done % PROGRESS_EVERY == 0) {
            out.printf("replay: %d of %d entries (%.0f entries/s)%n", done, size,
                done / ((System.nanoTime() - started) / 1e9));
            out.flush();
          }
        })
        .run(0, size);
    out.println("replay: all " + size + " entries hash to the checkpoint root and every tile"
        + " matches");
  }

  /** Checks consistency with the checkpoint saved by the last run, then saves this one. */
  private void checkState(LogVerifier verifier, VerifiedCheckpoint now, TileHashReader tiles)
      throws IOException, VerificationException {
    if (Files.exists(state)) {
      VerifiedCheckpoint before = verifier.verifyCheckpoint(Files.readAllBytes(state));
      long old = before.checkpoint().size();
      long size = now.checkpoint().size();
      List<Hash> proof = old == 0 || old > size ? List.of() : Proofs.consistency(tiles, old, size);
      verifier.verifyConsistency(before, now, proof);
      out.println("consistency: size " + old + " (from " + state + ") is a prefix of size "
          + size);
    } else {
      out.println("consistency: no earlier checkpoint in " + state + "; saving this one");
    }
    Path tmp = state.resolveSibling(state.getFileName() + ".tmp");
    Files.write(tmp, now.note().encode());
    Files.move(tmp, state, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private int fail(String reason) {
    return fail(FAILED, reason);
  }

  private int fail(int code, String reason) {
    spec.commandLine().getErr().println("cairn verify: FAILED: " + reason);
    spec.commandLine().getErr().flush();
    out.flush();
    return code;
  }
}
