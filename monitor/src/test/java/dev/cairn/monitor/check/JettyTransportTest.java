package dev.cairn.monitor.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.cairn.read.MalformedObjectException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Jetty transport answers as the JDK's does, against a real server on loopback. */
class JettyTransportTest {
  private HttpServer server;
  private HttpClient client;
  private JettyTransport transport;
  private String base;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", x -> {
      String path = x.getRequestURI().getPath();
      switch (path) {
        case "/ok" -> answer(x, 200, new byte[100]);
        case "/big" -> answer(x, 200, new byte[9000]);
        case "/moved" -> {
          x.getResponseHeaders().add("Location", "http://127.0.0.1:1/ok");
          answer(x, 302, new byte[0]);
        }
        case "/busy" -> answer(x, 503, "overloaded, try later\nsecond line".getBytes());
        default -> answer(x, 404, "no such tile".getBytes());
      }
    });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    client = JettyTransport.startClient();
    transport = JettyTransport.on(client, Duration.ofSeconds(10));
  }

  private static void answer(com.sun.net.httpserver.HttpExchange x, int status, byte[] body)
      throws IOException {
    x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      x.getResponseBody().write(body);
    }
    x.close();
  }

  @AfterEach
  void stop() throws Exception {
    client.stop();
    server.stop(0);
  }

  @Test
  void aBodyWithinTheCapIsReturned() throws IOException {
    assertThat(transport.get(URI.create(base + "/ok"), 8192)).hasSize(100);
  }

  @Test
  void aBodyBeyondTheCapIsMisshapenNotAFailureToRead() {
    assertThatThrownBy(() -> transport.get(URI.create(base + "/big"), 8192))
        .isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining(base + "/big").hasMessageContaining("8192");
  }

  @Test
  void notFoundIsAMissingObjectWithTheReason() {
    assertThatThrownBy(() -> transport.get(URI.create(base + "/tile/0/000"), 8192))
        .isInstanceOf(NoSuchFileException.class).hasMessageContaining("answered 404: no such tile");
  }

  @Test
  void anotherStatusNamesTheUrlStatusAndFirstLine() {
    assertThatThrownBy(() -> transport.get(URI.create(base + "/busy"), 8192))
        .isInstanceOf(IOException.class)
        .isNotInstanceOfAny(NoSuchFileException.class, MalformedObjectException.class)
        .hasMessage("GET " + base + "/busy answered 503: overloaded, try later");
  }

  @Test
  void aRedirectIsRefusedNotFollowed() {
    assertThatThrownBy(() -> transport.get(URI.create(base + "/moved"), 8192))
        .isInstanceOf(IOException.class).hasMessageContaining("answered 302");
  }
}
