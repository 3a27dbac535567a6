package dev.cairn.log.witnessing;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.ProofException;
import dev.cairn.merkle.ProofVerifier;
import dev.cairn.note.NoteException;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifierSet;
import dev.cairn.log.testing.TestCertificates;
import dev.cairn.witnessing.AddCheckpoint;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A tlog-witness for tests, on a real Jetty server on loopback: honest by default (it checks the
 * log's signature, the old size against what it last cosigned, the consistency proof, and keeps
 * its state atomically), cosigning with one or more keys (Ed25519 cosignature, ML-DSA-44); and
 * switchable to a misbehaviour.
 */
public final class TestWitness implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** How it answers. */
  enum Behaviour {
    HONEST,
    /** Holds every request until released (or the test ends): a timeout for the log. */
    HANG,
    /** 503 to everything. */
    UNAVAILABLE,
    /** 409 with another size each time, each below the checkpoint's. */
    ENDLESS_CONFLICT,
    /** 409 with a size larger than the log's checkpoint. */
    BEYOND_LOG,
    /** 200 with a body that is not signature lines. */
    GARBAGE,
    /** 200 with a valid cosignature by a key the policy does not know. */
    UNKNOWN_KEY,
    /** 200 with a line naming the policy key but signed by another key. */
    WRONG_KEY,
    /** 200 with a valid cosignature of another checkpoint (size 1 less). */
    OTHER_CHECKPOINT,
    /** Honest, but a stale old size is answered 409 with an empty body, as older witnesses do. */
    LEGACY_CONFLICT,
    /** 429 with Retry-After: 1 to the first request, honest after. */
    RATE_LIMITED_ONCE,
    /**
     * 429 with Retry-After: 1 to the first request; then the headers of a 200 after
     * {@link #headersAfter}, and a body of one byte every 50 ms that never ends (until
     * released).
     */
    SLOW_BODY,
    /** 422: it refuses the checkpoint as inconsistent with what it cosigned. */
    REFUSE_CONSISTENCY,
    /** 409 with the old size sent: it holds another checkpoint of that size. */
    CONFLICT_AT_OLD_SIZE,
  }

  final String name;
  final List<SignerKey> keys = new ArrayList<>();
  private final VerifierSet logKeys;
  private final Server server;
  private final ServerConnector connector;
  private final String scheme;
  private static final char[] PASSWORD = "test".toCharArray();
  private volatile Behaviour behaviour = Behaviour.HONEST;
  private final Object state = new Object();
  /** Guarded by {@code state}. */
  private long size;
  private Hash root;
  final AtomicInteger requests = new AtomicInteger();
  final List<Long> oldSizes = java.util.Collections.synchronizedList(new ArrayList<>());
  final List<Integer> proofLengths = java.util.Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong conflicts = new AtomicLong(1);
  private volatile CountDownLatch hang = new CountDownLatch(1);
  private final java.util.concurrent.atomic.AtomicBoolean limited =
      new java.util.concurrent.atomic.AtomicBoolean();
  /** How long {@link Behaviour#SLOW_BODY} waits before its headers. */
  volatile java.time.Duration headersAfter = java.time.Duration.ZERO;

  /** A witness named {@code name} cosigning with a key of each of {@code types}. */
  public TestWitness(String name, List<VerifierKey> logKeys, SignatureType... types)
      throws Exception {
    this(name, logKeys, null, types);
  }

  /**
   * A witness named {@code name} cosigning with a key of each of {@code types}, serving HTTPS
   * with {@code tls} (plain HTTP if null).
   */
  TestWitness(String name, List<VerifierKey> logKeys, TestCertificates.Issued tls,
      SignatureType... types) throws Exception {
    this.name = name;
    for (SignatureType t : types) {
      keys.add(SignerKey.generate(name, t, RANDOM));
    }
    this.logKeys = VerifierSet.ofKeys(logKeys);
    server = new Server();
    if (tls == null) {
      connector = new ServerConnector(server);
    } else {
      java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("witness", tls.key(), PASSWORD,
          new java.security.cert.Certificate[] {tls.certificate()});
      org.eclipse.jetty.util.ssl.SslContextFactory.Server ssl =
          new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
      ssl.setKeyStore(store);
      ssl.setKeyStorePassword(new String(PASSWORD));
      connector = new ServerConnector(server, ssl);
    }
    scheme = tls == null ? "http" : "https";
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback)
          throws Exception {
        answer(request, response, callback);
        return true;
      }
    });
    server.start();
    connector.setPort(connector.getLocalPort()); // the same port after a restart
  }

  /** Its submission prefix. */
  String url() {
    return scheme + "://127.0.0.1:" + connector.getPort() + "/w";
  }

  /** Its policy lines, one per key: {@code witness <name>[-<i>] <vkey> <url>}. */
  public String policyLines() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < keys.size(); i++) {
      sb.append("witness ").append(policyName(i)).append(' ')
          .append(keys.get(i).verifierKey().encode()).append(' ').append(url()).append('\n');
    }
    return sb.toString();
  }

  String policyName(int i) {
    return keys.size() == 1 ? name : name + "-" + i;
  }

  void behave(Behaviour b) {
    if (behaviour == Behaviour.HANG || behaviour == Behaviour.SLOW_BODY) {
      hang.countDown();
      hang = new CountDownLatch(1);
    }
    limited.set(false);
    behaviour = b;
  }

  /** The size it last cosigned. */
  long size() {
    synchronized (state) {
      return size;
    }
  }

  /** Loses its state, as a witness restored from an old backup: it cosigned nothing. */
  void forget() {
    synchronized (state) {
      size = 0;
      root = null;
    }
  }

  /** Sets its state as if it had cosigned {@code checkpoint}. */
  void remember(Checkpoint checkpoint) {
    synchronized (state) {
      size = checkpoint.size();
      root = checkpoint.root();
    }
  }

  private void answer(Request request, Response response, Callback callback) throws Exception {
    if (!request.getHttpURI().getPath().equals("/w/add-checkpoint")
        || !request.getMethod().equals("POST")) {
      send(response, callback, 404, "text/plain", "not found\n");
      return;
    }
    byte[] body = Content.Source.asInputStream(request).readAllBytes();
    requests.incrementAndGet();
    Behaviour b = behaviour;
    AddCheckpoint add;
    SignedNote note;
    Checkpoint c;
    try {
      add = AddCheckpoint.parse(body);
      note = SignedNote.parse(add.note());
      note.open(logKeys);
      c = Checkpoint.parse(note.text());
    } catch (IllegalArgumentException | NoteException e) {
      send(response, callback, 403, "text/plain", e.getMessage() + "\n");
      return;
    }
    oldSizes.add(add.oldSize());
    proofLengths.add(add.proof().size());
    switch (b) {
      case HANG -> {
        hang.await(30, TimeUnit.SECONDS);
        send(response, callback, 503, "text/plain", "released\n");
        return;
      }
      case RATE_LIMITED_ONCE -> {
        behaviour = Behaviour.HONEST;
        response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        send(response, callback, 429, "text/plain", "slow down\n");
        return;
      }
      case UNAVAILABLE -> {
        send(response, callback, 503, "text/plain", "down\n");
        return;
      }
      case SLOW_BODY -> {
        if (!limited.getAndSet(true)) {
          response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
          send(response, callback, 429, "text/plain", "slow down\n");
          return;
        }
        dribble(response, callback);
        return;
      }
      case REFUSE_CONSISTENCY -> {
        send(response, callback, 422, "text/plain", "the consistency proof does not verify\n");
        return;
      }
      case CONFLICT_AT_OLD_SIZE -> {
        send(response, callback, 409, AddCheckpoint.SIZE_MEDIA_TYPE, add.oldSize() + "\n");
        return;
      }
      case ENDLESS_CONFLICT -> {
        long s = conflicts.incrementAndGet() % Math.max(1, c.size());
        send(response, callback, 409, AddCheckpoint.SIZE_MEDIA_TYPE, s + "\n");
        return;
      }
      case BEYOND_LOG -> {
        send(response, callback, 409, AddCheckpoint.SIZE_MEDIA_TYPE, (c.size() + 10) + "\n");
        return;
      }
      case GARBAGE -> {
        send(response, callback, 200, "text/plain", "cosigned, trust me\n");
        return;
      }
      case UNKNOWN_KEY -> {
        SignerKey other = SignerKey.generate("unknown.example/w", SignatureType.COSIGNATURE_V1,
            RANDOM);
        send(response, callback, 200, "text/plain", lines(note.text(), List.of(other.signer())));
        return;
      }
      case WRONG_KEY -> {
        SignerKey other = SignerKey.generate(name, SignatureType.COSIGNATURE_V1, RANDOM);
        NoteSignature forged = SignedNote.sign(note.text(), List.of(other.signer()))
            .signatures().get(0);
        NoteSignature claimed = new NoteSignature(name, keys.get(0).keyId(),
            forged.signature());
        send(response, callback, 200, "text/plain", claimed.line() + "\n");
        return;
      }
      case OTHER_CHECKPOINT -> {
        String other = new Checkpoint(c.origin(), c.size() + 1, c.root()).format();
        send(response, callback, 200, "text/plain", lines(other, signers()));
        return;
      }
      default -> {
      }
    }
    synchronized (state) {
      if (add.oldSize() > c.size()) {
        send(response, callback, 400, "text/plain", "old size beyond the checkpoint\n");
        return;
      }
      if (add.oldSize() != size) {
        if (b == Behaviour.LEGACY_CONFLICT) {
          send(response, callback, 409, "text/plain", "");
        } else {
          send(response, callback, 409, AddCheckpoint.SIZE_MEDIA_TYPE, size + "\n");
        }
        return;
      }
      if (c.size() == size && root != null && !c.root().equals(root)) {
        send(response, callback, 409, AddCheckpoint.SIZE_MEDIA_TYPE, size + "\n");
        return;
      }
      try {
        if (size == 0 || c.size() == size) {
          if (!add.proof().isEmpty()) {
            throw new ProofException("a proof from size " + size + " must be empty");
          }
        } else {
          ProofVerifier.verifyConsistency(size, c.size(), add.proof(), root, c.root());
        }
      } catch (ProofException e) {
        send(response, callback, 422, "text/plain", e.getMessage() + "\n");
        return;
      }
      size = c.size();
      root = c.root();
    }
    send(response, callback, 200, "text/plain", lines(note.text(), signers()));
  }

  /** Headers after {@link #headersAfter}, then a byte every 50 ms until released or hung up. */
  private void dribble(Response response, Callback callback) throws InterruptedException {
    CountDownLatch released = hang;
    released.await(headersAfter.toMillis(), TimeUnit.MILLISECONDS);
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
    try (java.io.OutputStream out = Content.Sink.asOutputStream(response)) {
      do {
        out.write('-');
        out.flush();
      } while (!released.await(50, TimeUnit.MILLISECONDS));
    } catch (java.io.IOException e) { // the log hung up
      callback.failed(e);
      return;
    }
    callback.succeeded();
  }

  private List<NoteSigner> signers() {
    return keys.stream().map(SignerKey::signer).toList();
  }

  private static String lines(String text, List<NoteSigner> signers) {
    StringBuilder sb = new StringBuilder();
    for (NoteSignature s : SignedNote.sign(text, signers).signatures()) {
      sb.append(s.line()).append('\n');
    }
    return sb.toString();
  }

  private static void send(Response response, Callback callback, int status, String type,
      String body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
  }

  /** Stops answering: connections are refused from now on. */
  void stop() throws Exception {
    hang.countDown();
    server.stop();
  }

  /** Answers again, on the same port. */
  void restart() throws Exception {
    server.start();
  }

  @Override
  public void close() throws Exception {
    hang.countDown();
    server.stop();
  }
}
