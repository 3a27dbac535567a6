package dev.cairn.interop;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP proxy on loopback that a drill controls, between a node and PostgreSQL or the object
 * store: it passes bytes through, or blackholes (connections hang, as behind a partition), or
 * drops the answer to the next request that contains a marker (a commit lands, its reply never
 * arrives), or
 * injects object-store faults (a share of new connections answered 503, the rest delayed and
 * cut short, so that the client keeps opening new ones).
 */
final class TcpProxy implements AutoCloseable {
  /** What the proxy does to traffic. */
  enum Mode { PASS, BLACKHOLE, HTTP_FAULTS }

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.PASS);
  private final AtomicReference<String> dropReplyTo = new AtomicReference<>();
  private final AtomicInteger repliesDropped = new AtomicInteger();
  private final AtomicInteger faultsInjected = new AtomicInteger();
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final Random random = new Random(42);
  private final Thread acceptor;

  TcpProxy(int targetPort) throws IOException {
    this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    this.acceptor = Thread.ofPlatform().daemon().name("proxy-" + port()).start(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  /** Sets the mode; blackholing and faults also cut the connections open now. */
  void mode(Mode m) {
    mode.set(m);
    if (m != Mode.PASS) {
      cutAll();
    }
  }

  /**
   * The next request any client sends that contains {@code marker} (say, the text of the
   * statement that commits) reaches the server, but the server's reply is dropped.
   */
  void dropNextReplyTo(String marker) {
    dropReplyTo.set(marker);
  }

  int repliesDropped() {
    return repliesDropped.get();
  }

  int faultsInjected() {
    return faultsInjected.get();
  }

  private void cutAll() {
    for (Socket s : open) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    open.clear();
  }

  private void accept() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      open.add(client);
      Thread.ofVirtual().start(() -> serve(client));
    }
  }

  private void serve(Socket client) {
    Mode m = mode.get();
    try {
      if (m == Mode.BLACKHOLE) {
        client.getInputStream().transferTo(OutputStream.nullOutputStream()); // never answers
        return;
      }
      int delayMs = 0;
      long lifetimeMs = Long.MAX_VALUE;
      if (m == Mode.HTTP_FAULTS) {
        synchronized (random) {
          if (random.nextInt(5) == 0) {
            faultsInjected.incrementAndGet();
            byte[] head = new byte[1];
            if (client.getInputStream().read(head) > 0) {
              client.getOutputStream().write(("HTTP/1.1 503 Service Unavailable\r\n"
                  + "Content-Length: 0\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
            }
            client.close();
            return;
          }
          delayMs = 20 + random.nextInt(150);
          lifetimeMs = 100 + random.nextInt(400);
        }
      }
      Socket upstream = new Socket();
      upstream.connect(target, 2000);
      open.add(upstream);
      AtomicBoolean dropReplies = new AtomicBoolean();
      int delay = delayMs;
      Thread up = Thread.ofVirtual().start(() -> pump(client, upstream, dropReplies, true));
      Thread down = Thread.ofVirtual().start(() -> {
        try {
          Thread.sleep(delay);
        } catch (InterruptedException e) {
          return;
        }
        pump(upstream, client, dropReplies, false);
      });
      if (lifetimeMs != Long.MAX_VALUE) {
        Thread.sleep(lifetimeMs);
        client.close();
        upstream.close();
      }
      up.join();
      down.join();
    } catch (IOException | InterruptedException e) {
      // the connection ends
    } finally {
      try {
        client.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  /**
   * Copies {@code from} to {@code to}. Client to server, it watches for the marker while a
   * reply is to be dropped; server to client, it discards everything once that happened, and
   * cuts the connection a moment later.
   */
  private void pump(Socket from, Socket to, AtomicBoolean dropReplies, boolean clientToServer) {
    byte[] buffer = new byte[16384];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        String marker = dropReplyTo.get();
        if (clientToServer && marker != null
            && new String(buffer, 0, n, StandardCharsets.ISO_8859_1).contains(marker)
            && dropReplyTo.compareAndSet(marker, null)) {
          dropReplies.set(true);
          repliesDropped.incrementAndGet();
          out.write(buffer, 0, n);
          out.flush();
          Thread.sleep(300); // the server commits and answers; the answer goes nowhere
          from.close();
          to.close();
          return;
        }
        if (!clientToServer && dropReplies.get()) {
          continue;
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // one side closed
    } finally {
      try {
        from.close();
        to.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    cutAll();
  }
}
