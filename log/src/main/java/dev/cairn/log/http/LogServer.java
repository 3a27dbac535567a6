package dev.cairn.log.http;

import dev.cairn.log.LogProofs;
import dev.cairn.log.ServedLog;
import dev.cairn.log.keys.KeyRing;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * The log's HTTP server: Jetty 12 with platform threads for I/O, where routes that never block
 * run, and virtual threads for those that do and for TLS handshakes
 * (docs/design/http-threads.md); HTTP/1.1, over TLS 1.2 or 1.3 when a certificate is configured
 * (renewed certificates are picked up from the files, see {@link CertificateReloader}).
 */
public final class LogServer implements AutoCloseable {
  /** How long {@link #close()} lets requests in flight finish. */
  public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(5);

  static {
    JettyPadding.apply();
  }

  private final Server server;
  private final ServerConnector connector;
  private final VirtualThreadPool virtual;
  private final Optional<CertificateReloader> tls;
  private final Optional<AddressConnectionLimit> perAddress;
  private boolean ui = true;

  private LogServer(Server server, ServerConnector connector, VirtualThreadPool virtual,
      Optional<CertificateReloader> tls, Optional<AddressConnectionLimit> perAddress) {
    this.server = server;
    this.connector = connector;
    this.virtual = virtual;
    this.tls = tls;
    this.perAddress = perAddress;
  }

  /**
   * Whether to serve the explorer at {@code /ui/} (on by default); set before serving.
   *
   * @return this server
   */
  public LogServer withUi(boolean on) {
    this.ui = on;
    return this;
  }

  /** Starts serving {@code log} as {@code config} says. */
  public static LogServer start(ServedLog log, HttpConfig config) throws Exception {
    return prepare(config).serve(log, config);
  }

  /**
   * Builds the server without starting it, so that loading Jetty can overlap with opening the
   * log; {@link #serve} starts it.
   *
   * @throws IOException if the TLS certificate or key cannot be used (named)
   */
  public static LogServer prepare(HttpConfig config) throws IOException {
    return create(config, certificates(config));
  }

  /**
   * Loads and checks the TLS certificate and key on this thread, then builds the server on
   * another, so that a pair that cannot be served stops a start before the log is opened while
   * loading Jetty still overlaps with opening it; {@link #serve} starts it (and JSSE's context).
   *
   * @throws IOException if the TLS certificate or key cannot be used (named)
   */
  public static CompletableFuture<LogServer> prepareAsync(HttpConfig config) throws IOException {
    Optional<CertificateReloader> tls = certificates(config);
    return CompletableFuture.supplyAsync(() -> create(config, tls));
  }

  private static Optional<CertificateReloader> certificates(HttpConfig config)
      throws IOException {
    if (config.tls().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new CertificateReloader(config.tls().get(), Clock.systemUTC()));
  }

  /** Starts serving {@code log} on a server from {@link #prepare}, without authentication. */
  public LogServer serve(ServedLog log, HttpConfig config) throws Exception {
    return serve(log, config, WriteGuard.open());
  }

  /** Starts serving {@code log}, writes checked by {@code guard}. */
  public static LogServer start(ServedLog log, HttpConfig config, WriteGuard guard)
      throws Exception {
    return prepare(config).serve(log, config, guard);
  }

  /** Starts serving {@code log} on a server from {@link #prepare}; {@code guard} checks writes. */
  public LogServer serve(ServedLog log, HttpConfig config, WriteGuard guard)
      throws Exception {
    return serve(log, config, guard, Map.of("listen", config.host() + ":" + config.port(),
        "data", log.dataDir().toString()), ring -> List.of());
  }

  /**
   * Starts serving {@code log} on a server from {@link #prepare}; {@code guard} checks writes
   * and admin actions; {@code settings} is what {@code GET /admin/config} shows;
   * {@code keyPolicy} says what it refuses in a key ring (empty when allowed), and a rotation
   * leading to a refused ring is answered 409.
   */
  public LogServer serve(ServedLog log, HttpConfig config, WriteGuard guard,
      Map<String, String> settings, Function<KeyRing, List<String>> keyPolicy)
      throws Exception {
    LogProofs proofs = LogProofs.of(log);
    Executor responses = server.getThreadPool();
    ReadRoutes reads = new ReadRoutes(log.checkpoints(), log.tiles(), ReadRoutes.CACHE_BYTES);
    log.metrics().watchTileCache(reads::cachedBytes);
    BodyBudget bodies = new BodyBudget(config.maxBodyBytesInFlight());
    server.setHandler(new GracefulHandler(new Router(
        reads,
        new WriteRoutes(log.submissions(), log.checkpoints(), proofs, log.metrics(), config,
            responses, virtual, bodies),
        new AuditRoutes(proofs, log.history(), log.keys(), log.endorser().policy()),
        new StatusRoutes(log, guard, ui),
        new AdminRoutes(log.keys(), settings, guard, keyPolicy,
            () -> StatusRoutes.parts(log, guard), () -> log.checkpoints().latest().note()),
        log.metrics(), virtual, guard, log.tracing(),
        ui ? java.util.Optional.of(UiRoutes.load(log.metrics())) : java.util.Optional.empty())));
    guard.audit().ifPresent(a -> {
      log.metrics().watchPart(a.health());
      log.metrics().watchAudit(a::repeated, a::dropped, a::lost);
    });
    tls.ifPresent(t -> log.metrics().watchCertificate(t::notAfter));
    perAddress.ifPresent(p -> log.metrics().watchRefusedConnections(p::refused));
    log.metrics().watchRequestBodies(bodies::inFlight);
    start();
    log.serving();
    return this;
  }

  private void start() throws Exception {
    server.start();
    tls.ifPresent(CertificateReloader::start);
  }

  /**
   * Starts serving {@code handler} on the same stack as the log (thread pools, connector,
   * limits, TLS with its certificate reloader): the witness serves its routes on it, and
   * benchmarks measure the stack's own ceiling with a trivial handler.
   */
  public static LogServer start(Handler handler, HttpConfig config) throws Exception {
    LogServer s = create(config, certificates(config));
    s.server.setHandler(new GracefulHandler(handler));
    s.start();
    return s;
  }

  private static LogServer create(HttpConfig config, Optional<CertificateReloader> tls) {
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("cairn-http");
    VirtualThreadPool virtual = new VirtualThreadPool();
    virtual.setName("cairn-request");
    threads.setVirtualThreadsExecutor(virtual);
    Server server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setRequestHeaderSize(config.maxHeaderBytes());
    http.setResponseHeaderSize(8 * 1024);
    // Jetty's per-connection cache of header fields is a trie of about 90 KB on each
    // connection: 10,000 keep-alive connections held 870 MB of it and the heap thrashed
    // (docs/benchmarks.md, issue 17). A log's clients send few headers; parse them each time.
    http.setHeaderCacheSize(0);
    ServerConnector connector;
    if (tls.isPresent()) {
      CertificateReloader reloader = tls.get();
      // Clients reach a log by IP, or by a name the certificate covers: they check it, not us.
      http.addCustomizer(new SecureRequestCustomizer(false, false, -1, false));
      // Every handshake's X25519 by Bouncy Castle: half the JDK's CPU on the benchmark VM.
      FastKeyExchange.install();
      // A virtual thread per handshake, apart from the requests' pool and its permits: blocked
      // routes never hold a handshake back (nor a probe's connection), and a storm of
      // handshakes takes no permit from them. The connection limit bounds them.
      Executor handshakes = task -> Thread.ofVirtual().name("cairn-tls-handshake").start(task);
      connector = new ServerConnector(server, new OffSelectorHandshakes(reloader.context(),
          HttpVersion.HTTP_1_1.asString(), handshakes), new HttpConnectionFactory(http));
    } else {
      connector = new ServerConnector(server, new HttpConnectionFactory(http));
    }
    connector.setHost(config.host());
    connector.setPort(config.port());
    connector.setIdleTimeout(config.idleTimeout().toMillis());
    server.addConnector(connector);
    // Beyond the limit Jetty stops accepting: new connections wait in the kernel's queue.
    server.addBean(new NetworkConnectionLimit(config.maxConnections(), connector));
    Optional<AddressConnectionLimit> perAddress = Optional.empty();
    if (config.maxConnectionsPerAddress() > 0) {
      perAddress = Optional.of(new AddressConnectionLimit(config.maxConnectionsPerAddress()));
      connector.addBean(perAddress.get());
    }
    server.setStopTimeout(DEFAULT_DRAIN.toMillis());
    return new LogServer(server, connector, virtual, tls, perAddress);
  }

  /** Jetty's thread pool, for answering requests from other threads. */
  public Executor executor() {
    return server.getThreadPool();
  }

  /** The port it listens on. */
  public int port() {
    return connector.getLocalPort();
  }

  /** Stops accepting and finishes the requests in flight: see {@link #close(Duration)}. */
  @Override
  public void close() throws Exception {
    close(DEFAULT_DRAIN);
  }

  /**
   * Stops accepting connections, answers new requests on open connections 503, lets the
   * requests in flight finish for up to {@code drain}, then closes every connection: a request
   * still running then gets no answer (a write among them was not acknowledged, whether or not
   * it is sequenced).
   */
  public void close(Duration drain) throws Exception {
    tls.ifPresent(CertificateReloader::close);
    server.setStopTimeout(Math.max(1, drain.toMillis()));
    server.stop();
  }
}
