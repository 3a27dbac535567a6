package dev.cairn.log.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.log.LogKeys;
import dev.cairn.log.LogProofs;
import dev.cairn.note.KeyNames;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.SignedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.log.keys.KeyRing;
import dev.cairn.merkle.Hash;
import dev.cairn.log.storage.CheckpointHistory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The auditor's dynamic endpoints: inclusion proofs (tlog-proof), consistency proofs, and the
 * paginated history of every published checkpoint.
 */
final class AuditRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;

  /** Memory for full pages of the history, which never change: ~9 pages of 1,000. */
  static final long PAGE_CACHE_BYTES = 32L << 20;
  /** A full page is cached anywhere, a while: a reader paging through asks each once. */
  static final String FULL_PAGE = "public, max-age=86400";

  /** A query of the history, with the log keys its answer names. */
  private record Page(long after, long limit, Instant from, Instant to, List<String> ring) {}

  /** Each cached page weighs its answer and its key (the ring is shared by every key). */
  private final ByteCache<Page, byte[]> pages =
      new ByteCache<>(PAGE_CACHE_BYTES, b -> b.length + 128);
  private volatile List<String> lastRing = List.of();
  private final LogProofs proofs;
  private final CheckpointHistory history;
  private final LogKeys keys;

  private final java.util.Optional<dev.cairn.policy.Policy> witnesses;

  AuditRoutes(LogProofs proofs, CheckpointHistory history, LogKeys keys,
      java.util.Optional<dev.cairn.policy.Policy> witnesses) {
    this.witnesses = witnesses;
    this.proofs = proofs;
    this.history = history;
    this.keys = keys;
  }

  /** {@code GET /proof/inclusion?index=I[&size=S]} or {@code ?hash=<base64 leaf hash>}. */
  void inclusion(Exchange x) throws IOException {
    String hash = x.param("hash");
    long index = x.longParam("index", -1);
    if ((hash == null) == (index < 0)) {
      throw HttpError.badRequest("give exactly one of index=<n> or hash=<base64 leaf hash>");
    }
    if (hash != null) {
      try {
        index = proofs.indexOf(Hash.fromBase64(hash));
      } catch (IllegalArgumentException e) {
        throw HttpError.badRequest("hash: " + e.getMessage());
      }
    }
    long size = x.longParam("size", -1);
    byte[] proof = proofs.inclusion(index,
        size < 0 ? OptionalLong.empty() : OptionalLong.of(size));
    x.send(200, "text/plain; charset=utf-8",
        size < 0 ? ReadRoutes.CHECKPOINT_CACHE : ReadRoutes.IMMUTABLE, proof);
  }

  /** {@code GET /proof/consistency?old=M&new=N}: one base64 hash per line. */
  void consistency(Exchange x) throws IOException {
    long oldSize = x.longParam("old", -1);
    long newSize = x.longParam("new", -1);
    if (oldSize < 0 || newSize < 0) {
      throw HttpError.badRequest("give old=<size> and new=<size>");
    }
    StringBuilder sb = new StringBuilder();
    for (Hash h : proofs.consistency(oldSize, newSize)) {
      sb.append(h.toBase64()).append('\n');
    }
    x.text(200, ReadRoutes.IMMUTABLE, sb.toString());
  }

  /**
   * {@code GET /checkpoints?after=<size>&limit=<n>&from=<time>&to=<time>}: published checkpoints
   * oldest first, as JSON {@code {"checkpoints": [{"size", "time", "checkpoint", "signed_by",
   * "cosigned_by"}], "next"}} — {@code signed_by} names the key of each signature, {@code
   * name+keyid (TYPE)} for the log's own keys (so a key rotation shows in the history), {@code
   * cosigned_by} the witness policy's names of the witnesses whose cosignature the checkpoint
   * carries (checked when it was published; empty without a witness policy), and
   * {@code next} is the {@code after} of the following page when this one is full, else null
   * (a full last page is followed by an empty one). Times are
   * RFC 3339 or seconds since the epoch; {@code from} is inclusive, {@code to} exclusive.
   */
  void history(Exchange x) throws IOException {
    long after = x.longParam("after", -1);
    long limit = x.longParam("limit", DEFAULT_LIMIT);
    if (limit < 1 || limit > MAX_LIMIT) {
      throw HttpError.badRequest("limit must be 1 to " + MAX_LIMIT);
    }
    Instant from = x.query().time("from", Instant.EPOCH);
    Instant to = x.query().time("to", Instant.MAX);
    List<VerifierKey> ring = keys.verifierKeyList();
    Page query = new Page(after, limit, from, to, sharedRing(ring));
    byte[] cached = pages.get(query);
    if (cached != null) {
      x.send(200, "application/json", FULL_PAGE, cached);
      return;
    }
    List<CheckpointHistory.Entry> page = history.list(after, (int) limit, from, to);
    List<Map<String, Object>> items = new ArrayList<>(page.size());
    for (CheckpointHistory.Entry e : page) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("size", e.size());
      m.put("time", e.time().toString());
      m.put("checkpoint", new String(e.note(), StandardCharsets.UTF_8));
      m.put("signed_by", signers(e.note(), ring));
      m.put("cosigned_by", cosigners(e.note()));
      items.add(m);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("checkpoints", items);
    boolean full = page.size() == limit;
    body.put("next", full ? page.get(page.size() - 1).size() : null);
    byte[] json = JSON.writeValueAsBytes(body);
    if (full) {
      // The history only grows at its end, in size and time order: a full page never changes.
      pages.put(query, json, (kept, fresh) -> kept);
    }
    x.send(200, "application/json", full ? FULL_PAGE : "no-cache", json);
  }

  /** The ring's keys as text, one shared list while the ring stays the same. */
  private List<String> sharedRing(List<VerifierKey> ring) {
    List<String> now = ring.stream().map(VerifierKey::encode).toList();
    List<String> last = lastRing;
    if (now.equals(last)) {
      return last;
    }
    lastRing = now;
    return now;
  }

  /** The policy names of the witnesses whose key signed {@code note}. */
  private List<String> cosigners(byte[] note) {
    if (witnesses.isEmpty()) {
      return List.of();
    }
    List<NoteSignature> sigs = SignedNote.parse(note).signatures();
    return witnesses.get().witnesses().values().stream()
        .filter(w -> sigs.stream().anyMatch(s -> s.isBy(w.key().name(), w.key().keyId())))
        .map(dev.cairn.policy.Policy.Witness::name).toList();
  }

  private static List<String> signers(byte[] note, List<VerifierKey> ring) {
    List<String> out = new ArrayList<>();
    for (NoteSignature s : SignedNote.parse(note).signatures()) {
      out.add(ring.stream().filter(k -> s.isBy(k.name(), k.keyId())).findFirst()
          .map(KeyRing::describe).orElse(s.name() + "+" + KeyNames.hex(s.keyId())));
    }
    return out;
  }
}
