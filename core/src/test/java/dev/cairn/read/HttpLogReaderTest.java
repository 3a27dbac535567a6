package dev.cairn.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.SimpleFileServer;
import dev.cairn.tile.HashTile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * The {@link LogReaderContract} over HTTP, against the JDK's plain static file server serving
 * the same directories; and what only HTTP does, against small real servers on loopback.
 */
class HttpLogReaderTest extends LogReaderContract {
  @Override
  protected LogReader open(Path root) throws IOException {
    StaticServer server = closeLater(new StaticServer(root));
    return HttpLogReader.open(server.uri());
  }

  @Override
  protected String location(Path root, String p) {
    return "/" + p; // the URL, whose port differs from server to server
  }

  @Test
  void aLogBelowAPathPrefixIsReadThere() throws IOException {
    TestLog log = TestLog.write(Files.createDirectories(dir.resolve("logs/one")), 300);
    StaticServer server = closeLater(new StaticServer(dir));
    URI prefix = server.uri().resolve("/logs/one");
    try (HttpLogReader reader = HttpLogReader.open(prefix)) {
      assertThat(reader.describe()).isEqualTo(prefix + "/");
      assertThat(reader.treeHash(300)).isEqualTo(log.root(300));
      assertThat(reader.checkpoint()).isEqualTo(Files.readAllBytes(
          log.root().resolve("checkpoint")));
    }
  }

  @Test
  void anErrorNamesTheUrlTheStatusAndTheServersReason() throws IOException {
    HttpServer server = server(exchange -> answer(exchange,
        exchange.getRequestURI().getPath().endsWith("checkpoint") ? 503 : 404,
        "busy: retry\nin a while\n".getBytes(StandardCharsets.UTF_8)));
    URI prefix = uri(server, "http");
    try (HttpLogReader reader = HttpLogReader.open(prefix)) {
      assertThatThrownBy(reader::checkpoint).isInstanceOf(IOException.class)
          .hasMessage("GET " + prefix + "checkpoint answered 503: busy: retry");
      assertThatThrownBy(() -> reader.readTile(new HashTile(0, 5, 3)))
          .isInstanceOf(NoSuchFileException.class)
          .hasMessage(prefix + "tile/0/005.p/3: answered 404: busy: retry, and so did the full"
              + " tile " + prefix + "tile/0/005: answered 404: busy: retry");
    }
  }

  @Test
  void anAnswerLongerThanAnyValidObjectIsCutOffAndRefused() throws IOException {
    // Claims nothing and sends without end; and one that claims too much up front.
    HttpServer server = server(exchange -> {
      boolean declared = exchange.getRequestURI().getPath().endsWith("001");
      exchange.sendResponseHeaders(200, declared ? 10_000 : 0);
      try (OutputStream out = exchange.getResponseBody()) {
        byte[] chunk = new byte[4096];
        for (int i = 0; i < (declared ? 2 : 1_000); i++) {
          out.write(chunk);
        }
      } catch (IOException e) {
        // the reader hung up, as it should
      }
    });
    try (HttpLogReader reader = HttpLogReader.open(uri(server, "http"))) {
      assertThatThrownBy(() -> reader.readTile(HashTile.full(0, 0)))
          .isInstanceOf(MalformedObjectException.class)
          .hasMessageContaining("tile/0/000 answered at least")
          .hasMessageContaining("more than the 8192 of the largest valid one");
      assertThatThrownBy(() -> reader.readTile(HashTile.full(0, 1)))
          .isInstanceOf(MalformedObjectException.class)
          .hasMessageContaining("tile/0/001 answered 10000 bytes, more than the 8192");
    }
  }

  @Test
  void aServerThatStopsAnsweringTimesOut() throws IOException {
    CountDownLatch release = new CountDownLatch(1);
    HttpServer server = server(exchange -> {
      try {
        if (exchange.getRequestURI().getPath().endsWith("checkpoint")) {
          release.await(1, TimeUnit.MINUTES); // no headers
        } else {
          exchange.sendResponseHeaders(200, 8192); // headers, then part of the body
          exchange.getResponseBody().write(new byte[100]);
          exchange.getResponseBody().flush();
          release.await(1, TimeUnit.MINUTES);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
    });
    try (HttpLogReader reader = HttpLogReader.builder(uri(server, "http"))
        .timeout(Duration.ofMillis(300)).build()) {
      assertThatThrownBy(reader::checkpoint).isInstanceOf(HttpTimeoutException.class)
          .hasMessageContaining("/checkpoint: no answer within 300 ms");
      assertThatThrownBy(() -> reader.readTile(HashTile.full(0, 0)))
          .isInstanceOf(HttpTimeoutException.class)
          .hasMessageContaining("/tile/0/000: the answer took longer than 300 ms");
    } finally {
      release.countDown();
    }
  }

  @Test
  void aPrivateCaIsTrustedOnlyWhenGiven() throws Exception {
    TestLog log = TestLog.write(Files.createDirectories(dir.resolve("log")), 300);
    Path keystore = dir.resolve("server.p12");
    Path ca = dir.resolve("ca.pem");
    keytool("-genkeypair", "-alias", "log", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1", "-validity", "2",
        "-keystore", keystore.toString(), "-storepass", "changeit");
    keytool("-exportcert", "-rfc", "-alias", "log", "-keystore", keystore.toString(),
        "-storepass", "changeit", "-file", ca.toString());
    HttpsServer server = HttpsServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(serverContext(keystore)));
    server.createContext("/", SimpleFileServer.createFileHandler(log.root().toAbsolutePath()));
    server.start();
    closeLater(() -> server.stop(0));
    URI prefix = uri(server, "https");
    try (HttpLogReader trusting = HttpLogReader.builder(prefix).trusting(ca).build()) {
      assertThat(trusting.treeHash(300)).isEqualTo(log.root(300));
    }
    try (HttpLogReader jdkTrust = HttpLogReader.open(prefix)) {
      assertThatThrownBy(jdkTrust::checkpoint).isInstanceOf(IOException.class)
          .hasMessageContaining("GET " + prefix + "checkpoint failed");
    }
    Path notPem = Files.writeString(dir.resolve("not.pem"), "hello\n");
    assertThatThrownBy(() -> HttpLogReader.builder(prefix).trusting(notPem).build())
        .isInstanceOf(IOException.class).hasMessageContaining(notPem.toString());
  }

  @Test
  void onlyAnHttpUrlWithAHostIsALog() {
    for (String bad : List.of("ftp://log.example/", "file:///tmp/log", "http:relative",
        "https://log.example/?page=1")) {
      assertThatThrownBy(() -> HttpLogReader.builder(URI.create(bad)))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  private static void keytool(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(p.waitFor()).as(out).isZero();
  }

  private static SSLContext serverContext(Path keystore) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }

  private HttpServer server(HttpHandler handler) throws IOException {
    HttpServer server = HttpServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(threads);
    server.createContext("/", handler);
    server.start();
    closeLater(threads);
    closeLater(() -> server.stop(0));
    return server;
  }

  private static void answer(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static URI uri(HttpServer server, String scheme) {
    return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/");
  }
}
