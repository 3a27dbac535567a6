package dev.cairn.log.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import dev.cairn.log.testing.Poll;
import dev.cairn.log.testing.TestClock;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A JWKS server that misbehaves after the headers — a body that stalls half-way, a body that
 * never ends — over real HTTP on loopback: each fetch ends by its deadline or at the size cap,
 * the keys of the last good fetch keep serving, and clients are not told where the keys are.
 */
class JwksSourceTest {
  private static final Duration DEADLINE = Duration.ofMillis(300);
  /** Far beyond the deadline: without one, a fetch from a stalled server never ends. */
  private static final Duration HANG = Duration.ofSeconds(20);

  private enum Mode { GOOD, STALL, ENDLESS }

  private final TestClock clock = new TestClock(Instant.parse("2026-11-22T10:00:00Z"));
  private final ECKey key = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicBoolean endlessStopped = new AtomicBoolean();
  private volatile Mode mode = Mode.GOOD;
  private HttpServer server;
  private String url;

  JwksSourceTest() throws Exception {}

  @BeforeEach
  void start() throws IOException {
    byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/jwks.json", x -> {
      switch (mode) {
        case GOOD -> {
          x.sendResponseHeaders(200, jwks.length);
          try (OutputStream o = x.getResponseBody()) {
            o.write(jwks);
          }
        }
        case STALL -> {
          // Headers and half the body, then nothing until the test ends.
          x.sendResponseHeaders(200, jwks.length);
          OutputStream o = x.getResponseBody();
          o.write(jwks, 0, jwks.length / 2);
          o.flush();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          x.close();
        }
        case ENDLESS -> {
          x.sendResponseHeaders(200, 0); // chunked, no end
          byte[] chunk = new byte[64 * 1024];
          java.util.Arrays.fill(chunk, (byte) ' ');
          try (OutputStream o = x.getResponseBody()) {
            while (true) {
              o.write(chunk);
            }
          } catch (IOException e) {
            endlessStopped.set(true); // the client hung up
          }
        }
      }
    });
    server.start();
    url = "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  private JwksSource source() {
    return new JwksSource(url, AuthSettings.jwt(url, "https://issuer.example", "aud"), clock,
        DEADLINE);
  }

  @Test
  void aStalledBodyEndsByTheDeadlineAndTheLastGoodKeysServe() {
    JwksSource source = source();
    assertTimeoutPreemptively(HANG, () -> assertThat(source.current().getKeyByKeyId("ec-1"))
        .isNotNull());
    mode = Mode.STALL;
    clock.advance(Duration.ofMinutes(6)); // due for a refresh
    assertTimeoutPreemptively(HANG, () -> assertThat(source.current().getKeyByKeyId("ec-1"))
        .as("the keys fetched before").isNotNull());
    assertThat(source.status().lastError()).isEqualTo("no complete answer within 300 ms");
    assertThat(source.status().fetchedAt()).hasValue(Instant.parse("2026-11-22T10:00:00Z"));
  }

  @Test
  void anEndlessBodyIsRefusedAtTheCapAndTheConnectionDropped() {
    JwksSource source = source();
    assertTimeoutPreemptively(HANG, () -> source.current());
    mode = Mode.ENDLESS;
    clock.advance(Duration.ofMinutes(6));
    assertTimeoutPreemptively(HANG, () -> assertThat(source.current().getKeyByKeyId("ec-1"))
        .as("the keys fetched before").isNotNull());
    assertThat(source.status().lastError())
        .contains("more than the 1048576 bytes a JWKS may have");
    Poll.until("the server to see the client hang up", HANG, endlessStopped::get);
  }

  @Test
  void withoutAGoodFetchTokensGetAGeneric503NamingNeitherTheUrlNorTheError() {
    mode = Mode.STALL;
    JwksSource source = source();
    assertTimeoutPreemptively(HANG, () -> assertThatThrownBy(source::current)
        .isInstanceOf(AuthException.class)
        .hasMessage("credentials cannot be checked: the issuer's keys (JWKS) cannot be loaded;"
            + " try again later")
        .satisfies(e -> assertThat(((AuthException) e).status()).isEqualTo(503)));
    assertThat(source.status().location()).isEqualTo(url);
    assertThat(source.status().lastError()).contains("no complete answer");
  }
}
