package dev.cairn.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/** A free loopback port for a server a test starts, and the wait for its {@code /healthz}. */
final class LocalServers {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  private LocalServers() {}

  /** A loopback port free now. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Polls {@code base/healthz} until it answers 200, failing after 60 s. */
  static void awaitHealthy(String base) {
    awaitHealthy(base, Optional::empty);
  }

  /**
   * Polls {@code base/healthz} until it answers 200, failing after 60 s — or at once with what
   * {@code gone} says once it says something (a server process that exited, and its output).
   */
  static void awaitHealthy(String base, Supplier<Optional<String>> gone) {
    long deadline = System.nanoTime() + READY.toNanos();
    while (System.nanoTime() - deadline < 0) {
      gone.get().ifPresent(why -> {
        throw new AssertionError("the server at " + base + " is gone: " + why);
      });
      try {
        if (HTTP.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
    throw new AssertionError("the server at " + base + " was not healthy within " + READY
        + gone.get().map(why -> ": " + why).orElse(""));
  }
}
