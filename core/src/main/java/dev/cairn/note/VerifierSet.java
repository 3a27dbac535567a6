package dev.cairn.note;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The keys a reader trusts, looked up by key name and key ID together. Immutable. */
public final class VerifierSet {
  private record Id(String name, int keyId) {}

  private final Map<Id, NoteVerifier> byId;

  private VerifierSet(Map<Id, NoteVerifier> byId) {
    this.byId = Map.copyOf(byId);
  }

  /**
   * A set of verifiers.
   *
   * @throws IllegalArgumentException if two verifiers share a name and key ID
   */
  public static VerifierSet of(Collection<? extends NoteVerifier> verifiers) {
    Map<Id, NoteVerifier> m = new HashMap<>();
    for (NoteVerifier v : verifiers) {
      if (m.putIfAbsent(new Id(v.name(), v.keyId()), v) != null) {
        throw new IllegalArgumentException(
            "two trusted keys share name " + v.name() + " and key id " + KeyNames.hex(v.keyId()));
      }
    }
    return new VerifierSet(m);
  }

  /** A set of verifiers. */
  public static VerifierSet of(NoteVerifier... verifiers) {
    return of(List.of(verifiers));
  }

  /** The verifiers of these keys. */
  public static VerifierSet ofKeys(Collection<VerifierKey> keys) {
    return of(keys.stream().map(VerifierKey::verifier).toList());
  }

  /** The verifier for the key with this name and ID, if trusted. */
  public Optional<NoteVerifier> find(String name, int keyId) {
    return Optional.ofNullable(byId.get(new Id(name, keyId)));
  }

  /** The number of keys. */
  public int size() {
    return byId.size();
  }
}
