package dev.cairn.log.auth;

import dev.cairn.log.keys.KeyRing;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How strict the log is about its own configuration. {@code dev} (the default) runs with what it
 * is given and says loudly what is unsafe; {@code prod} refuses to start unless every safeguard
 * is configured — see {@link #problems}.
 */
public enum Profile {
  /** Local development: authentication may be off. */
  DEV,
  /** Production: fail fast on anything unsafe. */
  PROD;

  /** The profile named {@code name} ({@code dev} or {@code prod}). */
  public static Profile of(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "dev" -> DEV;
      case "prod" -> PROD;
      default -> throw new IllegalArgumentException("profile must be dev or prod, got \""
          + name + "\"");
    };
  }

  /**
   * What the {@code prod} profile refuses in a configuration, one line per missing setting (empty
   * when it may start; always empty for {@code dev}).
   *
   * @param auth the authentication settings
   * @param listenHost the address the server listens on
   * @param tls whether the server serves HTTPS itself
   * @param fileKeysAllowed whether the operator explicitly allowed signing with the key files in
   *     the data directory, or configured a PKCS#11 token for a log that exists or a new log's
   *     first key on it (then {@link #keyProblems} checks the keys once the ring is read)
   */
  public List<String> problems(AuthSettings auth, String listenHost, boolean tls,
      boolean fileKeysAllowed) {
    List<String> out = new ArrayList<>();
    if (this == DEV) {
      return out;
    }
    if (!auth.enabled()) {
      out.add("authentication is off: set --auth-jwks (auth_jwks) to the JWKS URL or file");
    } else if (auth.jwks().get().toLowerCase(Locale.ROOT).startsWith("http://")) {
      out.add("the JWKS is fetched over plain http, so anyone on the path can replace the keys:"
          + " use an https:// URL or a file for --auth-jwks (auth_jwks)");
    } else if (!auth.jwks().get().toLowerCase(Locale.ROOT).startsWith("https://")) {
      out.addAll(trustedFileProblems(Map.of("auth_jwks", Path.of(auth.jwks().get()))));
    }
    if (auth.issuer().isEmpty()) {
      out.add("no token issuer: set --auth-issuer (auth_issuer)");
    }
    if (auth.audience().isEmpty()) {
      out.add("no token audience: set --auth-audience (auth_audience)");
    }
    if (!fileKeysAllowed) {
      out.add("the checkpoint keys are (or, for a new log, would be) development key files in"
          + " the data directory: give a new log its key on a PKCS#11 token (--pkcs11-library,"
          + " --pkcs11-token, --pkcs11-pin-file, --pkcs11-key) or set --allow-file-keys"
          + " (allow_file_keys: true) to accept them explicitly");
    }
    if (!tls && !isLoopback(listenHost)) {
      out.add("listening on " + listenHost + " without TLS, so tokens cross the network in the"
          + " clear: set --tls-cert and --tls-key (tls_cert, tls_key), or listen on a loopback"
          + " address behind a TLS-terminating proxy");
    }
    return out;
  }

  /**
   * What the {@code prod} profile refuses in a witness's configuration (empty when it may
   * start; always empty for {@code dev}): an Ed25519 cosigner key that is a file in the data
   * directory, without {@code fileKeysAllowed} (a key on a PKCS#11 token is accepted; the
   * ML-DSA-44 key is a file key in any profile, since no token signs ML-DSA-44, as {@link
   * #keyProblems} accepts for a log); and plain HTTP on a non-loopback address, where anyone on
   * the path could change its answers.
   *
   * @param heldCosigner whether the Ed25519 cosigner key is on a PKCS#11 token
   */
  public List<String> witnessProblems(String listenHost, boolean tls, boolean heldCosigner,
      boolean fileKeysAllowed) {
    List<String> out = new ArrayList<>();
    if (this == DEV) {
      return out;
    }
    if (!heldCosigner && !fileKeysAllowed) {
      out.add("the witness's Ed25519 cosigner key is (or, for a new witness, would be) a key"
          + " file in the data directory: hold it on a PKCS#11 token (--pkcs11-library,"
          + " --pkcs11-token, --pkcs11-pin-file, --pkcs11-key) or set --allow-file-keys"
          + " (allow_file_keys: true) to accept it explicitly");
    }
    if (!tls && !isLoopback(listenHost)) {
      out.add("listening on " + listenHost + " without TLS, so its answers cross the network"
          + " unprotected: set --tls-cert and --tls-key (tls_cert, tls_key), or listen on a"
          + " loopback address behind a TLS-terminating proxy");
    }
    return out;
  }

  /**
   * What the {@code prod} profile refuses in the active keys: an Ed25519 file key signing
   * without {@code fileKeysAllowed}. ML-DSA-44 keys are file keys in any profile (no PKCS#11
   * token here signs ML-DSA-44), so they are accepted.
   */
  public List<String> keyProblems(KeyRing ring, boolean fileKeysAllowed) {
    List<String> out = new ArrayList<>();
    if (this == DEV || fileKeysAllowed) {
      return out;
    }
    for (KeyRing.Entry e : ring.active()) {
      if (e.file() != null && !e.key().type().isPostQuantum()) {
        out.add("the active checkpoint key " + e.describe() + " is the key file keys/" + e.file()
            + ": sign with an HSM key (--pkcs11-library, --pkcs11-token, --pkcs11-pin-file;"
            + " rotate it in and retire the file key) or set --allow-file-keys"
            + " (allow_file_keys: true)");
      }
    }
    return out;
  }

  /**
   * What the {@code prod} profile refuses in the files holding secrets (the PKCS#11 PIN, the
   * TLS key): any that group or others may read or write — but for one only the process's own
   * group may read (see {@link #secretFileProblems(Map, long)}). {@code files} maps each setting's
   * key to its file; a file that is missing is reported where it is read, and a file system
   * without POSIX permissions is not checked.
   */
  public List<String> secretFileProblems(Map<String, Path> files) {
    return secretFileProblems(files, processGroup());
  }

  /**
   * {@link #secretFileProblems(Map)} for a process whose effective group is {@code group} (-1 if
   * unknown). A file its group may read is still accepted when that group is the process's own
   * (not root's, 0) and the file is owned by root or by the process's user: a Kubernetes Secret
   * mounted under the pod's {@code fsGroup} ({@code root:<fsGroup>}, mode 0440), readable by the
   * pod's user and nobody else.
   */
  List<String> secretFileProblems(Map<String, Path> files, long group) {
    Map<String, Path> checked = new TreeMap<>(files);
    Map<String, Path> ownGroup = new TreeMap<>();
    for (var e : files.entrySet()) {
      if (readableByOwnGroupOnly(e.getValue(), group)) {
        checked.remove(e.getKey());
        ownGroup.put(e.getKey(), e.getValue());
      }
    }
    List<String> out = new ArrayList<>(openFiles(checked, EnumSet.of(
        PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE),
        "it holds a secret; chmod 600 it"));
    out.addAll(openFiles(ownGroup, EnumSet.of(PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE),
        "it holds a secret; chmod 600 it"));
    return out;
  }

  private static boolean readableByOwnGroupOnly(Path file, long group) {
    if (group <= 0) {
      return false;
    }
    try {
      Object fileGroup = Files.getAttribute(file, "unix:gid");
      Object owner = Files.getAttribute(file, "unix:uid");
      Object self = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return fileGroup instanceof Integer g && g == group && owner instanceof Integer o
          && (o == 0 || o.equals(self));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  /** The process's effective group ID, from {@code /proc/self/status}; -1 if unknown. */
  private static long processGroup() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Gid:")) {
          return Long.parseLong(line.substring(4).strip().split("\\s+")[1]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /**
   * What the {@code prod} profile refuses in the files the log trusts (a JWKS file: whoever may
   * write it can add a key and mint tokens): any that group or others may write.
   */
  private List<String> trustedFileProblems(Map<String, Path> files) {
    return openFiles(files, EnumSet.of(PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.OTHERS_WRITE), "whoever may write it decides who may write to the"
            + " log; chmod 644 it");
  }

  private List<String> openFiles(Map<String, Path> files, Set<PosixFilePermission> forbidden,
      String why) {
    List<String> out = new ArrayList<>();
    if (this == DEV) {
      return out;
    }
    for (var e : new TreeMap<>(files).entrySet()) {
      Set<PosixFilePermission> mode;
      try {
        mode = Files.getPosixFilePermissions(e.getValue());
      } catch (IOException | UnsupportedOperationException ex) {
        continue;
      }
      Set<PosixFilePermission> shared = EnumSet.noneOf(PosixFilePermission.class);
      shared.addAll(mode);
      shared.retainAll(forbidden);
      if (!shared.isEmpty()) {
        out.add(e.getKey() + " " + e.getValue() + " is open to group or others ("
            + PosixFilePermissions.toString(mode) + "): " + why + ", owned by the user the log"
            + " runs as");
      }
    }
    return out;
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
