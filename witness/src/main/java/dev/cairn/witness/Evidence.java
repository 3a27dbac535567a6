package dev.cairn.witness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cairn.log.storage.embedded.AtomicFiles;
import dev.cairn.merkle.Hash;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checkpoints signed by a log that contradict what the witness cosigned for it — a proof that
 * fails, the same size with another root, a size-0 checkpoint whose root is not the empty
 * tree's — kept durably as evidence that the log may have forked: {@code
 * evidence/<hex SHA-256(origin)>/<hex SHA-256(offered note)>.json}, holding both checkpoints
 * (the stored note and the offered one) and the proof.
 *
 * <p>Bounded: an offered note already kept is not kept again, and at most {@value #MAX_PER_LOG}
 * records are kept per origin (the first ones: a log that forked once is already caught; later
 * ones are only logged and counted as dropped). Written before the refusal is answered, under the
 * origin's lock.
 */
final class Evidence {
  /** The most records kept for one origin. */
  static final int MAX_PER_LOG = 64;
  /** The most records one {@code GET /evidence} lists (the newest). */
  static final int MAX_LISTED = 100;

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  /**
   * One record.
   *
   * @param origin the log
   * @param kind {@code inconsistent-proof}, {@code same-size-other-root} or {@code
   *     bad-empty-root}
   * @param reason what did not hold, in one line
   * @param detected when the witness saw it
   * @param old the old size of the request
   * @param proof the request's proof, in base64
   * @param stored the note the witness had cosigned, if any
   * @param offered the note the log offered (as sent, with all its signatures)
   */
  record Record(String origin, String kind, String reason, String detected, long old,
      List<String> proof, String stored, String offered) {}

  private final Path dir;
  private final Path tmp;
  private final Map<String, Integer> counts = new ConcurrentHashMap<>();
  /** The JSON of every origin's newest records, or null once a record was kept since. */
  private volatile byte[] cached;

  private Evidence(Path dir, Path tmp) {
    this.dir = dir;
    this.tmp = tmp;
  }

  static Evidence open(Path dataDir) throws IOException {
    Path dir = dataDir.resolve("evidence");
    Files.createDirectories(dir);
    AtomicFiles.syncDirectory(dataDir);
    Evidence e = new Evidence(dir, dataDir.resolve("tmp"));
    for (Path o : e.originDirectories()) {
      try (var files = Files.list(o)) {
        e.counts.put(o.getFileName().toString(),
            (int) files.filter(f -> f.toString().endsWith(".json")).count());
      }
    }
    return e;
  }

  /**
   * Keeps a record, durably, unless the same offered note is kept already or the origin has
   * {@value #MAX_PER_LOG}.
   *
   * @return whether it was kept now
   */
  boolean keep(String kind, String reason, Instant now, long old, List<Hash> proof,
      Optional<byte[]> stored, byte[] offered, String origin) throws IOException {
    String originHex = CosignedState.fileName(origin);
    Path originDir = dir.resolve(originHex);
    Path file = originDir.resolve(sha256Hex(offered) + ".json");
    if (Files.exists(file) || counts.getOrDefault(originHex, 0) >= MAX_PER_LOG) {
      return false;
    }
    if (!Files.isDirectory(originDir)) {
      Files.createDirectories(originDir);
      AtomicFiles.syncDirectory(dir);
    }
    Record r = new Record(origin, kind, reason, now.toString(), old,
        proof.stream().map(Hash::toBase64).toList(),
        stored.map(s -> new String(s, StandardCharsets.UTF_8)).orElse(null),
        new String(offered, StandardCharsets.UTF_8));
    AtomicFiles.write(file, JSON.writeValueAsBytes(r), tmp);
    counts.merge(originHex, 1, Integer::sum);
    cached = null;
    return true;
  }

  private List<Path> originDirectories() throws IOException {
    try (var origins = Files.list(dir)) {
      return origins.filter(Files::isDirectory).toList(); // anything else is not ours
    }
  }

  /**
   * The newest {@value #MAX_LISTED} records, oldest first, as a JSON list: of every origin, or
   * of the one whose origin hashes to {@code originHex}. The whole list is cached until a record
   * is kept, so that repeated anonymous reads cost no disk reads.
   */
  byte[] json(Optional<String> originHex) throws IOException {
    byte[] c = cached;
    if (originHex.isEmpty() && c != null) {
      return c;
    }
    List<Record> out = new ArrayList<>();
    for (Path o : originDirectories()) {
      if (originHex.isPresent() && !o.getFileName().toString().equals(originHex.get())) {
        continue;
      }
      try (var files = Files.list(o)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          if (f.toString().endsWith(".json")) {
            out.add(JSON.readValue(f.toFile(), Record.class));
          }
        }
      }
    }
    out.sort(Comparator.comparing(Record::detected).thenComparing(Record::offered));
    byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(
        out.subList(Math.max(0, out.size() - MAX_LISTED), out.size()));
    if (originHex.isEmpty()) {
      cached = json;
    }
    return json;
  }

  private static String sha256Hex(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
