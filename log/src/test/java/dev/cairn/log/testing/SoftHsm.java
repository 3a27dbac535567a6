package dev.cairn.log.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.cairn.log.keys.HsmSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.xipki.pkcs11.wrapper.PKCS11Constants;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.PKCS11Module;
import org.xipki.pkcs11.wrapper.Session;
import org.xipki.pkcs11.wrapper.Slot;
import org.xipki.pkcs11.wrapper.TokenException;

/**
 * A real SoftHSM2 token made by the tests themselves: {@code softhsm2-util} initialises it and
 * OpenSC's {@code pkcs11-tool} generates keys in it, exactly as docs/security/keys.md tells an
 * operator to; a session of the tests' own logs the process out, as a token restart does.
 * SoftHSM reads its configuration ({@code SOFTHSM2_CONF}, set by the build for every test JVM)
 * once per process, and a process sees only the tokens that existed when it first loaded the
 * module, so there is one token per JVM, made fresh on first use; tests tell their keys apart by
 * label. Server processes the tests start inherit the same configuration.
 *
 * <p>When SoftHSM2 or OpenSC is missing the tests fail rather than skip (a signing test that
 * quietly checks nothing proves nothing): on Debian, {@code apt-get install softhsm2 opensc}.
 */
public final class SoftHsm {
  /** The token's label. */
  public static final String TOKEN = "cairn-test";
  /** The user PIN. */
  public static final String PIN = "246810";
  private static final List<Path> LIBRARIES = List.of(
      Path.of("/usr/lib/softhsm/libsofthsm2.so"),
      Path.of("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
      Path.of("/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"),
      Path.of("/usr/local/lib/softhsm/libsofthsm2.so"));
  private static final AtomicInteger IDS = new AtomicInteger(1);
  private static SoftHsm shared;

  private final Path library;
  private final Path dir;
  private PKCS11Module module;

  private SoftHsm(Path library, Path dir) {
    this.library = library;
    this.dir = dir;
  }

  /** The token of this JVM, initialised on first use. */
  public static synchronized SoftHsm shared() {
    if (shared == null) {
      shared = create();
    }
    return shared;
  }

  private static SoftHsm create() {
    String conf = System.getenv("SOFTHSM2_CONF");
    if (conf == null || conf.isBlank()) {
      fail("SOFTHSM2_CONF is not set: the build sets it for every test JVM (surefire"
          + " environmentVariables); run the tests through Maven");
    }
    Path library = LIBRARIES.stream().filter(Files::isRegularFile).findFirst().orElseGet(() ->
        fail("SoftHSM2 is not installed (no libsofthsm2.so in " + LIBRARIES + "): on Debian,"
            + " apt-get install softhsm2 opensc"));
    Path confFile = Path.of(conf).toAbsolutePath();
    Path dir = confFile.getParent();
    Path tokens = dir.resolve("tokens");
    try {
      if (Files.exists(tokens)) {
        try (var walk = Files.walk(tokens)) {
          for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
      Files.createDirectories(tokens);
      Files.writeString(confFile, "directories.tokendir = " + tokens + "\n"
          + "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    SoftHsm hsm = new SoftHsm(library, dir);
    hsm.run("softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN,
        "--so-pin", "13579111");
    return hsm;
  }

  /** The PKCS#11 module. */
  public Path library() {
    return library;
  }

  /**
   * The settings that reach this token, with the PIN written to a file in {@code dir}.
   *
   * @param newLogKey the label of the key that signs a new log's checkpoints, if any
   */
  public HsmSettings settings(Path dir, Optional<String> newLogKey) throws IOException {
    Path pin = dir.resolve("hsm.pin");
    Files.writeString(pin, PIN + "\n");
    Files.setPosixFilePermissions(pin, java.nio.file.attribute.PosixFilePermissions.fromString(
        "rw-------"));
    return new HsmSettings(library, TOKEN, pin, newLogKey);
  }

  /** Generates an Ed25519 key pair labelled {@code label} in the token, with pkcs11-tool. */
  public void generateEd25519(String label) {
    generate(label, "EC:edwards25519");
  }

  /** Generates an EC P-256 key pair labelled {@code label} in the token, with pkcs11-tool. */
  public void generateP256(String label) {
    generate(label, "EC:prime256v1");
  }

  private void generate(String label, String keyType) {
    String id = String.format("%04x", IDS.getAndIncrement());
    run("pkcs11-tool", "--module", library.toString(), "--token-label", TOKEN, "--login",
        "--pin", PIN, "--keypairgen", "--key-type", keyType, "--label", label, "--id", id,
        "--usage-sign", "--sensitive");
  }

  /** Deletes the private and public key labelled {@code label} (a key lost from the token). */
  public void delete(String label) {
    for (String type : List.of("privkey", "pubkey")) {
      run("pkcs11-tool", "--module", library.toString(), "--token-label", TOKEN, "--login",
          "--pin", PIN, "--delete-object", "--type", type, "--label", label);
    }
  }

  /**
   * Logs this process out of the token, as a token or HSM restart does, through a PKCS#11
   * session of the test's own: a login belongs to the process, not to a session, so every
   * session of the process is logged out with it, a log's included. A {@code Pkcs11Token} must
   * have opened the token in this process first.
   */
  public void logOutThisProcess() throws TokenException {
    Session s = ownSession();
    try {
      s.logout();
    } finally {
      s.closeSession();
    }
  }

  /** Whether this process is logged in to the token, as its sessions see it. */
  public boolean loggedIn() throws TokenException {
    Session s = ownSession();
    try {
      long state = s.getSessionInfo().getState();
      return state == PKCS11Constants.CKS_RO_USER_FUNCTIONS
          || state == PKCS11Constants.CKS_RW_USER_FUNCTIONS;
    } finally {
      s.closeSession();
    }
  }

  private synchronized Session ownSession() throws TokenException {
    if (module == null) {
      PKCS11Module m;
      try {
        m = PKCS11Module.getInstance(library.toString());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      try {
        m.initialize();
        m.finalize(null); // Pkcs11Token, opened later, must be the one that initialises it
        fail("no Pkcs11Token has opened " + library + " in this process: open one first");
      } catch (PKCS11Exception e) {
        // C_Initialize runs once per process, and Pkcs11Token ran it.
        if (e.getErrorCode() != PKCS11Constants.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
          throw e;
        }
      }
      module = m; // never finalised: C_Finalize would end the log's sessions too
    }
    for (Slot slot : module.getSlotList(true)) {
      if (slot.getToken().getTokenInfo().getLabel().strip().equals(TOKEN)) {
        return slot.getToken().openSession(false);
      }
    }
    return fail("no token labelled " + TOKEN + " in " + library);
  }

  private void run(String... command) {
    List<String> cmd = new ArrayList<>(List.of(command));
    Path out = dir.resolve("tool.out");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
          .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail(String.join(" ", cmd) + " did not finish within 60 s");
      }
      if (p.exitValue() != 0) {
        fail(String.join(" ", cmd) + " failed with status " + p.exitValue() + ":\n"
            + Files.readString(out, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      fail(command[0] + " cannot be run (on Debian: apt-get install softhsm2 opensc): " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail("interrupted");
    }
  }
}
