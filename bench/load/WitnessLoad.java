import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.merkle.Proofs;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.witnessing.AddCheckpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load generator for {@code cairn witness serve}: many logs, each advanced one entry per
 * request by the one client thread that owns it, so every request is a valid, consistent
 * add-checkpoint that the witness must verify, cosign (Ed25519 and ML-DSA-44) and persist.
 *
 * <pre>
 *   java -cp CP WitnessLoad.java setup DIR LOGS          # DIR/log-keys, DIR/logs (the --logs file)
 *   java -cp CP WitnessLoad.java run DIR URL THREADS WARMUP_S SECONDS
 * </pre>
 *
 * Entry {@code i} of every log is the 8 bytes of {@code i}, so a later run catches up with what
 * the witness cosigned in an earlier one (from its first 409). Prints requests/s and latency
 * percentiles of the measured part; any other answer but 200 is counted and fails the run.
 */
public class WitnessLoad {
  /** One log: its signer and its tree, held as every complete subtree hash by level. */
  static final class Log {
    final NoteSigner signer;
    final String origin;
    final List<List<Hash>> levels = new ArrayList<>();
    long size;
    long cosigned;
    /** Whether the witness's size for this log is known (after a first answer). */
    boolean synced;
    final Hasher hasher = new Hasher();

    Log(SignerKey key) {
      signer = key.signer();
      origin = key.name();
      levels.add(new ArrayList<>());
    }

    void append() {
      byte[] entry = ByteBuffer.allocate(8).putLong(size).array();
      Hash h = hasher.leaf(entry);
      levels.get(0).add(h);
      size++;
      for (int l = 0; levels.get(l).size() % 2 == 0; l++) {
        List<Hash> level = levels.get(l);
        if (levels.size() == l + 1) {
          levels.add(new ArrayList<>());
        }
        levels.get(l + 1).add(hasher.node(level.get(level.size() - 2), level.getLast()));
      }
    }

    byte[] request() throws Exception {
      Hash root = Proofs.treeHash((l, i) -> levels.get(l).get((int) i), size);
      byte[] note = SignedNote.sign(new Checkpoint(origin, size, root).format(), List.of(signer))
          .encode();
      List<Hash> proof = cosigned == 0 ? List.of()
          : Proofs.consistency((l, i) -> levels.get(l).get((int) i), cosigned, size);
      return new AddCheckpoint(cosigned, proof, note).encode();
    }
  }

  public static void main(String[] a) throws Exception {
    Path dir = Path.of(a[1]);
    if (a[0].equals("setup")) {
      int n = Integer.parseInt(a[2]);
      Files.createDirectories(dir);
      StringBuilder keys = new StringBuilder();
      StringBuilder logs = new StringBuilder();
      SecureRandom random = new SecureRandom();
      for (int i = 0; i < n; i++) {
        SignerKey k = SignerKey.generate("bench.example/log" + i, SignatureType.ED25519, random);
        keys.append(k.encode()).append('\n');
        logs.append("log ").append(k.verifierKey().encode()).append('\n');
      }
      Files.writeString(dir.resolve("log-keys"), keys);
      Files.writeString(dir.resolve("logs"), logs);
      return;
    }
    URI url = URI.create(a[2] + "/add-checkpoint");
    int threads = Integer.parseInt(a[3]);
    long warmup = Long.parseLong(a[4]) * 1_000_000_000L;
    long measured = Long.parseLong(a[5]) * 1_000_000_000L;
    List<Log> logs = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("log-keys"))) {
      logs.add(new Log(SignerKey.parse(line)));
    }
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    long start = System.nanoTime();
    long measureFrom = start + warmup;
    long end = measureFrom + measured;
    long[][] latencies = new long[threads][];
    int[] counts = new int[threads];
    AtomicLong failures = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      latencies[t] = new long[1 << 20];
      workers.add(Thread.ofPlatform().start(() -> {
        List<Log> mine = new ArrayList<>();
        for (int i = id; i < logs.size(); i += threads) {
          mine.add(logs.get(i));
        }
        int next = 0;
        try {
          while (true) {
            Log log = mine.get(next++ % mine.size());
            log.append();
            byte[] body = log.request();
            long t0 = System.nanoTime();
            if (t0 >= end) {
              return;
            }
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(url)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
            long t1 = System.nanoTime();
            if (r.statusCode() == 409 && !log.synced) {
              // The witness remembers this log from an earlier run: catch the tree up to it.
              long stored = Long.parseLong(new String(r.body(), StandardCharsets.US_ASCII).strip());
              while (log.size < stored) {
                log.append();
              }
              log.cosigned = stored;
              log.synced = true;
              continue;
            }
            log.synced = true;
            if (r.statusCode() != 200) {
              if (failures.incrementAndGet() < 5) {
                System.err.println(log.origin + ": " + r.statusCode() + " "
                    + new String(r.body(), StandardCharsets.UTF_8).strip());
              }
              return;
            }
            log.cosigned = log.size;
            if (t0 >= measureFrom && counts[id] < latencies[id].length) {
              latencies[id][counts[id]++] = t1 - t0;
            }
          }
        } catch (Exception e) {
          failures.incrementAndGet();
          e.printStackTrace();
        }
      }));
    }
    for (Thread w : workers) {
      w.join();
    }
    long total = Arrays.stream(counts).sum();
    long[] all = new long[(int) total];
    int k = 0;
    for (int t = 0; t < threads; t++) {
      System.arraycopy(latencies[t], 0, all, k, counts[t]);
      k += counts[t];
    }
    Arrays.sort(all);
    System.out.printf("threads=%d logs=%d requests=%d req/s=%.0f p50=%.2fms p99=%.2fms"
        + " max=%.2fms failures=%d%n", threads, logs.size(), total, total / (measured / 1e9),
        pct(all, 0.50), pct(all, 0.99), all.length == 0 ? 0 : all[all.length - 1] / 1e6,
        failures.get());
    if (failures.get() > 0) {
      System.exit(1);
    }
  }

  static double pct(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1,
        Math.ceil(p * sorted.length) - 1)] / 1e6;
  }
}
