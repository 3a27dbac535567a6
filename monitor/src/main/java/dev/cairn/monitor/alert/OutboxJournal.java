package dev.cairn.monitor.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.log.storage.embedded.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One channel's delivery state, in one file of JSON lines, each a record made durable (written
 * and fdatasync'd) before the call that writes it returns:
 *
 * <pre>
 * {"op":"queued","seq":7,"at":"...","alert":{...the webhook's JSON...}}
 * {"op":"delivered","seq":7,"at":"...","id":"...","fingerprint":"...","event":"opened"}
 * {"op":"failed","seq":7,"at":"...","id":"...","fingerprint":"...","event":"opened",
 *  "attempts":5,"error":"..."}
 * </pre>
 *
 * <p>Replaying the lines in order gives the state: the alerts pending in queue order, and those
 * done (delivered or given up). {@code seq} numbers queued alerts in order; for each
 * fingerprint, the event queued last is what deduplication compares with.
 *
 * <p>Crash safety: only the last line can be torn (each earlier one was synced before the next
 * was written), so on open a torn or unparsable tail is dropped, and an unparsable line followed
 * by good ones is corruption (an error, never guessed around). Open then rewrites the file as
 * its state alone (done records, then pending ones), dropping done records older than the
 * retention, with {@link AtomicFiles#write} (temporary file synced, renamed, directory synced):
 * a crash leaves the old file or the new. The same compaction runs when the file has grown well
 * past its state. A failed append is cut off again, so the file never holds a partial record
 * followed by more.
 *
 * <p>Thread-safe: every method holds the journal's lock, only for memory and local disk I/O.
 */
final class OutboxJournal implements Closeable {
  /** An alert waiting for delivery, {@code seq} its place in the queue. */
  record Queued(long seq, Alert alert) {}

  /**
   * A delivered ({@code failed} false) or given-up alert, kept to deduplicate; a given-up one
   * with its attempts and last error.
   */
  record Done(long seq, String id, String fingerprint, String event, boolean failed, Instant at,
      int attempts, String error) {}

  private static final int COMPACT_SLACK = 1024;

  private final Path file;
  private final Path tmpDir;
  private final Duration retention;
  private final Clock clock;
  private final LinkedHashMap<String, Queued> pending = new LinkedHashMap<>();
  private final LinkedHashMap<String, Done> done = new LinkedHashMap<>();
  private final Map<String, Long> lastSeq = new HashMap<>();
  private final Map<String, String> lastEvent = new HashMap<>();
  private long nextSeq = 1;
  private FileChannel out;
  private long size;
  private int appended;
  private boolean broken;

  private OutboxJournal(Path file, Path tmpDir, Duration retention, Clock clock) {
    this.file = file;
    this.tmpDir = tmpDir;
    this.retention = retention;
    this.clock = clock;
  }

  /**
   * Reads {@code file} (none is an empty state), compacts it, and opens it for appending.
   *
   * @param tmpDir on the same file system, for compaction
   * @throws IOException if it cannot be read or written, or a line before the last is corrupt
   */
  static OutboxJournal open(Path file, Path tmpDir, Duration retention, Clock clock)
      throws IOException {
    OutboxJournal j = new OutboxJournal(file, tmpDir, retention, clock);
    Optional<byte[]> bytes = AtomicFiles.read(file);
    if (bytes.isPresent()) {
      j.replay(bytes.get());
    }
    j.compact();
    return j;
  }

  private void replay(byte[] bytes) throws IOException {
    String text = new String(bytes, StandardCharsets.UTF_8);
    int line = 0;
    int start = 0;
    int badLine = 0;
    for (int nl = text.indexOf('\n'); nl >= 0; start = nl + 1, nl = text.indexOf('\n', start)) {
      line++;
      JsonNode r;
      try {
        r = AlertJson.MAPPER.readTree(text.substring(start, nl));
        if (r == null || !r.isObject()) {
          throw new IOException("not a JSON object");
        }
      } catch (IOException e) {
        badLine = badLine == 0 ? line : badLine;
        continue;
      }
      if (badLine != 0) {
        throw new IOException(file + " is corrupt: line " + badLine
            + " is not a record, yet line " + line + " is");
      }
      try {
        apply(r);
      } catch (IOException | RuntimeException e) {
        throw new IOException(file + " line " + line + ": " + e.getMessage(), e);
      }
    }
  }

  private void apply(JsonNode r) throws IOException {
    long seq = r.path("seq").asLong(0);
    if (seq < 1) {
      throw new IOException("no seq");
    }
    Instant at = Instant.parse(AlertJson.text(r, "at"));
    switch (AlertJson.text(r, "op")) {
      case "queued" -> {
        Alert a = AlertJson.decode(r.get("alert"));
        done.remove(a.id());
        pending.remove(a.id());
        pending.put(a.id(), new Queued(seq, a));
        noteLast(seq, a.finding().fingerprint(), a.event());
      }
      case "delivered", "failed" -> {
        boolean failed = r.get("op").textValue().equals("failed");
        Done d = new Done(seq, AlertJson.text(r, "id"), AlertJson.text(r, "fingerprint"),
            AlertJson.text(r, "event"), failed, at, r.path("attempts").asInt(0),
            failed ? AlertJson.text(r, "error") : "");
        pending.remove(d.id());
        done.remove(d.id());
        done.put(d.id(), d);
        noteLast(seq, d.fingerprint(), d.event());
      }
      default -> throw new IOException("unknown op " + r.get("op"));
    }
    nextSeq = Math.max(nextSeq, seq + 1);
  }

  private void noteLast(long seq, String fingerprint, String event) {
    if (seq >= lastSeq.getOrDefault(fingerprint, 0L)) {
      lastSeq.put(fingerprint, seq);
      lastEvent.put(fingerprint, event);
    }
  }

  /**
   * Queues the alerts not already here, durably, and returns them: an alert is already here if
   * it is pending, or if the event last queued for its finding is its event (delivered, given
   * up or pending: a rerun of a run does not alert again, while a finding resolved and then
   * found again is told again).
   */
  synchronized List<Alert> queue(List<Alert> alerts) throws IOException {
    List<Alert> added = new ArrayList<>();
    List<Queued> records = new ArrayList<>();
    Map<String, String> batchLast = new HashMap<>();
    long seq = nextSeq;
    for (Alert a : alerts) {
      String fp = a.finding().fingerprint();
      String last = batchLast.containsKey(fp) ? batchLast.get(fp) : lastEvent.get(fp);
      if (pending.containsKey(a.id()) || a.event().equals(last)
          || records.stream().anyMatch(q -> q.alert().id().equals(a.id()))) {
        continue;
      }
      batchLast.put(fp, a.event());
      records.add(new Queued(seq++, a));
      added.add(a);
    }
    if (records.isEmpty()) {
      return added;
    }
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    Instant now = clock.instant();
    for (Queued q : records) {
      line(b, queuedRecord(q, now));
    }
    append(b.toByteArray());
    for (Queued q : records) {
      done.remove(q.alert().id());
      pending.put(q.alert().id(), q);
      noteLast(q.seq(), q.alert().finding().fingerprint(), q.alert().event());
    }
    nextSeq = seq;
    return added;
  }

  /** The alert to deliver next, if any. */
  synchronized Optional<Queued> head() {
    return pending.values().stream().findFirst();
  }

  /** How many alerts are pending. */
  synchronized int pending() {
    return pending.size();
  }

  /** How many alerts are recorded delivered, and how many given up. */
  synchronized int[] doneCounts() {
    int failed = (int) done.values().stream().filter(Done::failed).count();
    return new int[] {done.size() - failed, failed};
  }

  /** The IDs recorded delivered. */
  synchronized List<String> delivered() {
    return done.values().stream().filter(d -> !d.failed()).map(Done::id).toList();
  }

  /** Records {@code q} delivered, durably. */
  synchronized void delivered(Queued q) throws IOException {
    finish(q, false, 0, "");
  }

  /** Records {@code q} given up after {@code attempts}, the last failing with {@code error}. */
  synchronized void failed(Queued q, int attempts, String error) throws IOException {
    finish(q, true, attempts, error);
  }

  private void finish(Queued q, boolean failed, int attempts, String error) throws IOException {
    Alert a = q.alert();
    Done d = new Done(q.seq(), a.id(), a.finding().fingerprint(), a.event(), failed,
        clock.instant(), attempts, error);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    line(b, doneRecord(d));
    append(b.toByteArray());
    if (pending.get(a.id()) == q) {
      pending.remove(a.id());
      done.put(a.id(), d);
    }
    if (appended > COMPACT_SLACK + 2 * (pending.size() + done.size())) {
      compact();
    }
  }

  private ObjectNode queuedRecord(Queued q, Instant at) {
    ObjectNode r = AlertJson.MAPPER.createObjectNode();
    r.put("op", "queued").put("seq", q.seq()).put("at", at.toString());
    r.set("alert", AlertJson.tree(q.alert()));
    return r;
  }

  private static ObjectNode doneRecord(Done d) {
    ObjectNode r = AlertJson.MAPPER.createObjectNode()
        .put("op", d.failed() ? "failed" : "delivered").put("seq", d.seq())
        .put("at", d.at().toString()).put("id", d.id()).put("fingerprint", d.fingerprint())
        .put("event", d.event());
    if (d.failed()) {
      r.put("attempts", d.attempts()).put("error", d.error());
    }
    return r;
  }

  private static void line(ByteArrayOutputStream b, ObjectNode r) throws IOException {
    b.write(AlertJson.MAPPER.writeValueAsBytes(r));
    b.write('\n');
  }

  /** Appends whole records and syncs them; on failure cuts the file back to where it was. */
  private void append(byte[] bytes) throws IOException {
    if (broken || out == null) {
      throw new IOException(file + " cannot be written (closed, or an earlier write failed)");
    }
    try {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        out.write(buf);
      }
      out.force(false);
      size += bytes.length;
      appended++;
    } catch (IOException e) {
      try {
        out.truncate(size);
        out.force(false);
      } catch (IOException t) {
        broken = true;
        e.addSuppressed(t);
      }
      throw new IOException("couldn't append to " + file + ": " + e.getMessage(), e);
    }
  }

  /** Rewrites the file as the state, without done records older than the retention. */
  private void compact() throws IOException {
    Instant horizon = clock.instant().minus(retention);
    done.values().removeIf(d -> d.at().isBefore(horizon));
    lastSeq.clear();
    lastEvent.clear();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (Done d : done.values()) {
      noteLast(d.seq(), d.fingerprint(), d.event());
      line(b, doneRecord(d));
    }
    Instant now = clock.instant();
    for (Queued q : pending.values()) {
      noteLast(q.seq(), q.alert().finding().fingerprint(), q.alert().event());
      line(b, queuedRecord(q, now));
    }
    byte[] bytes = b.toByteArray();
    // Renamed over the file while the old one is still open for appending: if this fails, the
    // old file, whole, is still the state, and appends go on there.
    AtomicFiles.write(file, bytes, tmpDir);
    FileChannel fresh = FileChannel.open(file, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
    if (out != null) {
      out.close();
    }
    out = fresh;
    size = bytes.length;
    appended = 0;
    broken = false;
  }

  @Override
  public synchronized void close() throws IOException {
    if (out != null) {
      out.close();
      out = null;
    }
  }
}
