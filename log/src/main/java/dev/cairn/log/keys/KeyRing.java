package dev.cairn.log.keys;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cairn.note.VerifierKey;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Every checkpoint key a log has had, in {@code keys/ring.json}: its verifier key, whether it
 * still signs ({@code active}) or no longer does ({@code retired}), where its private key lives
 * (a file under {@code keys/} or a key label on the PKCS#11 token), and when it was added and
 * retired. Active keys sign every checkpoint; retired keys stay listed so that checkpoints they
 * signed still verify. The ring holds no secret. Immutable: changes make a new ring.
 *
 * @param schemaVersion the format version, 1
 * @param keys the keys, oldest first
 */
public record KeyRing(@JsonProperty("schema_version") int schemaVersion, List<Entry> keys) {
  /** The file, relative to the data directory. */
  public static final String FILE = "keys/ring.json";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** Whether a key signs. */
  public enum State {
    @JsonProperty("active") ACTIVE,
    @JsonProperty("retired") RETIRED
  }

  /**
   * One key.
   *
   * @param vkey the verifier key text
   * @param state active or retired
   * @param file the private key's file name under {@code keys/}, for a file key
   * @param pkcs11Label the key's label on the PKCS#11 token, for an HSM key
   * @param added when the key was added (the log's creation for the first keys)
   * @param retired when it was retired
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Entry(String vkey, State state, String file,
      // Rings written before the field's rename (the first release of rotation) say alias.
      @JsonProperty("pkcs11_label") @JsonAlias("pkcs11_alias") String pkcs11Label,
      String added, String retired) {
    /** Checks the fields. */
    public Entry {
      VerifierKey.parse(vkey);
      if ((file == null) == (pkcs11Label == null)) {
        throw new IllegalArgumentException("key " + vkey.split("\\+", 3)[0] + "+"
            + vkey.split("\\+", 3)[1] + " must name exactly one of a file or a pkcs11_label");
      }
      if (file != null && !file.matches("[A-Za-z0-9._-]+\\.skey")) {
        throw new IllegalArgumentException("key file name \"" + file
            + "\" must be a plain name ending in .skey");
      }
      Instant.parse(added);
      if (state == State.RETIRED) {
        Instant.parse(retired);
      }
    }

    /** An active key whose private half is the file {@code file} under {@code keys/}. */
    public static Entry inFile(VerifierKey key, String file, Instant added) {
      return new Entry(key.encode(), State.ACTIVE, file, null, added.toString(), null);
    }

    /** An active key whose private half is the key labelled {@code label} on the token. */
    public static Entry onToken(VerifierKey key, String label, Instant added) {
      return new Entry(key.encode(), State.ACTIVE, null, label, added.toString(), null);
    }

    /** The parsed verifier key. */
    public VerifierKey key() {
      return VerifierKey.parse(vkey);
    }

    /** The key in short, {@code name+keyid (TYPE)}, for messages and the audit log. */
    public String describe() {
      return KeyRing.describe(key());
    }
  }

  /** A key in short, {@code name+keyid (TYPE)}: a whole ML-DSA-44 key is 1,800 characters. */
  public static String describe(VerifierKey k) {
    return k.name() + "+" + dev.cairn.note.KeyNames.hex(k.keyId()) + " (" + k.type() + ")";
  }

  /** Checks the ring: version 1, at least one key, no key twice. */
  public KeyRing {
    keys = List.copyOf(keys);
    if (schemaVersion != 1) {
      throw new IllegalArgumentException("key ring schema_version must be 1, got "
          + schemaVersion);
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("the key ring lists no key");
    }
    for (int i = 0; i < keys.size(); i++) {
      for (int j = 0; j < i; j++) {
        if (keys.get(i).key().sameKeyAs(keys.get(j).key())) {
          throw new IllegalArgumentException("the key ring lists " + keys.get(i).describe()
              + " twice");
        }
      }
    }
  }

  /** Parses {@code ring.json}. */
  public static KeyRing parse(byte[] json) throws IOException {
    try {
      return JSON.readValue(json, KeyRing.class);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IOException("the key ring is unreadable: " + e.getOriginalMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IOException("the key ring is invalid: " + e.getMessage(), e);
    }
  }

  /** The JSON form. */
  public byte[] encode() {
    try {
      return (JSON.writeValueAsString(this) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The active keys, oldest first. */
  public List<Entry> active() {
    return keys.stream().filter(e -> e.state() == State.ACTIVE).toList();
  }

  /**
   * The active keys in the order their signatures go on a checkpoint: the classical ones
   * (Ed25519, ECDSA) first, then ML-DSA-44, each oldest first.
   */
  public List<Entry> signingOrder() {
    return active().stream().sorted(Comparator.comparing(
        e -> e.key().type().isPostQuantum())).toList();
  }

  /** Every key, active or retired. */
  public List<VerifierKey> all() {
    return keys.stream().map(Entry::key).toList();
  }

  /** This ring with {@code entry} added. */
  public KeyRing with(Entry entry) {
    List<Entry> more = new ArrayList<>(keys);
    more.add(entry);
    return new KeyRing(1, more);
  }

  /**
   * This ring with the active key of this key ID retired at {@code now}.
   *
   * @throws IllegalArgumentException if no active key has that ID, or retiring it would leave
   *     no active Ed25519 or ECDSA key, or no ML-DSA-44 key where one was active
   */
  public KeyRing retire(int keyId, Instant now) {
    List<Entry> next = new ArrayList<>();
    Optional<Entry> found = Optional.empty();
    for (Entry e : keys) {
      if (e.state() == State.ACTIVE && e.key().keyId() == keyId) {
        if (found.isPresent()) {
          throw new IllegalArgumentException("two active keys have key ID "
              + dev.cairn.note.KeyNames.hex(keyId) + ": name the key in full");
        }
        found = Optional.of(e);
        next.add(new Entry(e.vkey(), State.RETIRED, e.file(), e.pkcs11Label(), e.added(),
            now.toString()));
      } else {
        next.add(e);
      }
    }
    if (found.isEmpty()) {
      throw new IllegalArgumentException("no active key has key ID "
          + dev.cairn.note.KeyNames.hex(keyId));
    }
    KeyRing after = new KeyRing(1, next);
    if (successors(keyId).isEmpty()) {
      throw new IllegalArgumentException("retiring " + found.get().describe() + " would leave no"
          + " active " + (found.get().key().type().isPostQuantum() ? "ML-DSA-44"
              : "Ed25519 or ECDSA") + " key: rotate a new one in first");
    }
    return after;
  }

  /**
   * The active keys that sign in place of the active key {@code keyId} once it is retired: the
   * others of its kind (classical or post-quantum). Empty if there are none, or no such key.
   */
  public List<Entry> successors(int keyId) {
    Optional<Entry> key = active().stream().filter(e -> e.key().keyId() == keyId).findFirst();
    if (key.isEmpty()) {
      return List.of();
    }
    boolean postQuantum = key.get().key().type().isPostQuantum();
    return active().stream().filter(e -> e.key().keyId() != keyId
        && e.key().type().isPostQuantum() == postQuantum).toList();
  }
}
