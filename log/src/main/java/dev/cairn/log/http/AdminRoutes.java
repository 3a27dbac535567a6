package dev.cairn.log.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.log.auth.Principal;
import dev.cairn.log.auth.Role;
import dev.cairn.log.health.ComponentHealth;
import dev.cairn.log.health.StorageFault;
import dev.cairn.log.LogKeys;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.log.keys.KeyRing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The admin routes, role {@code admin}, each decision and each change in the audit log:
 *
 * <ul>
 *   <li>{@code GET /admin/keys} — the key ring (active and retired keys, where each lives);
 *   <li>{@code POST /admin/keys/rotate} {@code {"type":"ed25519"|"mldsa44"}} adds a new key
 *       file, {@code {"pkcs11_label":"<label>"}} the key of that label on the PKCS#11 token
 *       (with a {@code "type"} of {@code ed25519} or {@code ecdsa}, the key must have it); the
 *       new key signs from the next checkpoint on, beside the active ones;
 *   <li>{@code POST /admin/keys/retire} {@code {"key_id":"<8 hex digits>"}} — the key signs no
 *       more;
 *   <li>{@code GET /admin/config} — the settings the log runs with (no secrets);
 *   <li>{@code GET /admin/health} — what {@code /readyz} tells anyone, with the detail it
 *       leaves out: each part's latest error (naming files), the JWKS's location and its last
 *       fetch, the audit log's file and what it counted instead of writing.
 * </ul>
 *
 * <p>With authentication off they answer 403: an admin action is never unauthenticated.
 */
final class AdminRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BODY = 4096;

  private final LogKeys keys;
  private final Map<String, String> config;
  private final WriteGuard guard;
  private final Function<KeyRing, List<String>> keyPolicy;
  private final Supplier<List<ComponentHealth>> parts;
  private final Supplier<byte[]> latestCheckpoint;

  /**
   * @param keyPolicy what it refuses in a key ring (empty when allowed): a change leading to a
   *     refused ring is answered 409, e.g. a development key file rotated into a prod log
   * @param parts the health of each part that writes
   */
  AdminRoutes(LogKeys keys, Map<String, String> config, WriteGuard guard,
      Function<KeyRing, List<String>> keyPolicy, Supplier<List<ComponentHealth>> parts,
      Supplier<byte[]> latestCheckpoint) {
    this.keys = keys;
    this.config = Map.copyOf(config);
    this.guard = guard;
    this.keyPolicy = keyPolicy;
    this.parts = parts;
    this.latestCheckpoint = latestCheckpoint;
  }

  void keys(Exchange x) throws Exception {
    guard.check(x, Role.ADMIN);
    x.send(200, "application/json", "no-store", keys.ring().encode());
  }

  void config(Exchange x) throws Exception {
    guard.check(x, Role.ADMIN);
    x.send(200, "application/json", "no-store",
        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(new java.util.TreeMap<>(config)));
  }

  void health(Exchange x) throws Exception {
    guard.check(x, Role.ADMIN);
    ObjectNode o = JSON.createObjectNode();
    ArrayNode faults = o.putArray("parts");
    boolean ready = true;
    for (ComponentHealth h : parts.get()) {
      ObjectNode part = faults.addObject().put("component", h.component());
      Optional<StorageFault> f = h.fault();
      ready &= f.isEmpty();
      part.put("ok", f.isEmpty());
      f.ifPresent(fault -> part.put("kind", fault.kind().label()).put("fatal", fault.fatal())
          .put("since", fault.since().toString()).put("reason", fault.reason()));
    }
    o.put("ready", ready);
    guard.keys().ifPresent(k -> {
      ObjectNode jwks = o.putObject("jwks").put("location", k.location())
          .put("fetched_at", k.fetchedAt().map(Object::toString).orElse(null))
          .put("last_error", k.lastError());
      k.keyIds().forEach(jwks.putArray("key_ids")::add);
    });
    guard.audit().ifPresent(a -> o.putObject("audit_log").put("file", a.file().toString())
        .put("refusals_repeated", a.repeated()).put("refusals_dropped", a.dropped())
        .put("lines_lost", a.lost()));
    x.send(200, "application/json", "no-store",
        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o));
  }

  void rotate(Exchange x) throws Exception {
    Principal who = guard.check(x, Role.ADMIN);
    JsonNode body = body(x, "type", "pkcs11_label");
    Optional<SignatureType> type = text(body, "type").map(t -> switch (t) {
      case "ed25519" -> SignatureType.ED25519;
      case "ecdsa" -> SignatureType.ECDSA_P256;
      case "mldsa44" -> SignatureType.MLDSA44_SUBTREE_V1;
      default -> throw HttpError.badRequest("\"type\" must be ed25519, ecdsa or mldsa44, not \""
          + Exchange.oneLine(t, 40) + "\"");
    });
    KeyRing.Entry added = change(x, who, approval -> keys.rotate(type,
        text(body, "pkcs11_label"), approval));
    x.send(200, "application/json", "no-store", JSON.writeValueAsBytes(added));
  }

  void retire(Exchange x) throws Exception {
    Principal who = guard.check(x, Role.ADMIN);
    JsonNode body = body(x, "key_id", "force");
    String id = text(body, "key_id").orElseThrow(() ->
        HttpError.badRequest("give \"key_id\": the 8 hex digits of the key to retire"));
    if (!id.matches("[0-9a-f]{8}")) {
      throw HttpError.badRequest("\"key_id\" must be 8 lowercase hex digits");
    }
    JsonNode force = body.get("force");
    if (force != null && !force.isBoolean()) {
      throw HttpError.badRequest("\"force\" must be true or false");
    }
    int keyId = Integer.parseUnsignedInt(id, 16);
    if (force == null || !force.asBoolean()) {
      Optional<String> why = unpublishedSuccessor(keyId);
      if (why.isPresent()) {
        record(x, who, "key rotation refused: " + why.get());
        throw new HttpError(409, why.get());
      }
    }
    KeyRing.Entry retired = change(x, who, approval -> keys.retire(keyId, approval));
    x.send(200, "application/json", "no-store", JSON.writeValueAsBytes(retired));
  }

  /**
   * Why retiring {@code keyId} now would strand clients, if it would: the latest checkpoint
   * carries no signature by another active key of its type, so a client that trusts only the
   * keys left active (the new {@code log.vkey}) could not verify it until the log grows, as a
   * checkpoint needs a signature of each key type. A compromised key is retired at once anyway
   * ({@code "force": true}).
   */
  private Optional<String> unpublishedSuccessor(int keyId) {
    List<KeyRing.Entry> successors = keys.ring().successors(keyId);
    if (successors.isEmpty()) {
      return Optional.empty(); // no such key, or its last of a kind: the ring says which
    }
    List<NoteSignature> signatures = SignedNote.parse(latestCheckpoint.get()).signatures();
    boolean covered = successors.stream().anyMatch(e -> signatures.stream()
        .anyMatch(sig -> sig.isBy(e.key().name(), e.key().keyId())));
    boolean postQuantum = successors.getFirst().key().type().isPostQuantum();
    return covered ? Optional.empty() : Optional.of("the latest checkpoint carries no signature"
        + " by another active " + (postQuantum ? "ML-DSA-44" : "classical") + " key yet, so"
        + " clients that trust only the keys left active could not verify it: retire once a"
        + " checkpoint signed by the new key is published (after the next entry), or give"
        + " \"force\": true (a compromised key)");
  }

  private interface RingChange {
    KeyRing.Entry apply(LogKeys.Approval approval) throws IOException;
  }

  /**
   * Makes a change to the key ring that the key policy allows, recorded in the audit log before
   * it is made (a change that cannot be recorded is not made) and after, whatever the outcome.
   */
  private KeyRing.Entry change(Exchange x, Principal who, RingChange change) throws Exception {
    String[] pending = {null};
    LogKeys.Approval approval = (next, what) -> {
      List<String> refused = keyPolicy.apply(next);
      if (!refused.isEmpty()) {
        throw new IllegalArgumentException("refused by the key policy: "
            + String.join("; ", refused));
      }
      pending[0] = what;
      try {
        guard.recordAction(x, who, Role.ADMIN, "key rotation starting: " + what);
      } catch (IOException e) {
        throw new HttpError(503, "the audit log cannot be written, so the key ring is left as"
            + " it is: " + what + " was not done");
      }
    };
    KeyRing.Entry result;
    try {
      result = change.apply(approval);
    } catch (IllegalArgumentException e) {
      record(x, who, "key rotation refused: " + e.getMessage());
      throw new HttpError(409, e.getMessage());
    } catch (IOException | RuntimeException e) {
      if (e instanceof HttpError) {
        throw e;
      }
      record(x, who, "key rotation failed: " + pending[0] + ": " + e.getMessage());
      throw e;
    }
    record(x, who, "key rotation: " + pending[0]);
    return result;
  }

  /** Records an outcome; if it cannot be, the answer says so (the change stands). */
  private void record(Exchange x, Principal who, String what) {
    try {
      guard.recordAction(x, who, Role.ADMIN, what);
    } catch (IOException e) {
      // Not 503: a retry would make the change a second time.
      throw new HttpError(500, "the change was made, but its outcome cannot be recorded in the"
          + " audit log (it holds the line saying it was starting): " + what);
    }
  }

  /** The body, a JSON object of the {@code known} fields only (a misspelt one is refused). */
  private static JsonNode body(Exchange x, String... known) throws Exception {
    byte[] b;
    try {
      b = x.readBody(MAX_BODY).get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception c ? c : e;
    }
    try {
      JsonNode n = JSON.readTree(new String(b, StandardCharsets.UTF_8));
      if (n == null || !n.isObject()) {
        throw HttpError.badRequest("the body must be a JSON object");
      }
      for (String field : (Iterable<String>) n::fieldNames) {
        if (!java.util.List.of(known).contains(field)) {
          throw HttpError.badRequest("unknown field \"" + Exchange.oneLine(field, 40)
              + "\" (known: " + String.join(", ", known) + ")");
        }
      }
      return n;
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw HttpError.badRequest("the body is not JSON: " + Exchange.oneLine(
          e.getOriginalMessage(), 200));
    }
  }

  private static Optional<String> text(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return Optional.empty();
    }
    if (!n.isTextual()) {
      throw HttpError.badRequest("\"" + field + "\" must be a string");
    }
    return Optional.of(n.asText());
  }
}
