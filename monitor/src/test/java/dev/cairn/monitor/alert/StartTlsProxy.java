package dev.cairn.monitor.alert;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * An SMTP front on loopback that offers STARTTLS (GreenMail 2.1 does not) and, once a client has
 * upgraded, relays the TLS session's plaintext to a GreenMail SMTP server. It records every line
 * it received in the clear, so a test can show nothing but EHLO and STARTTLS was.
 */
final class StartTlsProxy implements AutoCloseable {
  private final ServerSocket server;
  private final SSLContext tls;
  private final int upstreamPort;
  private final List<String> clearText = new CopyOnWriteArrayList<>();
  private final List<Throwable> errors = new CopyOnWriteArrayList<>();

  StartTlsProxy(SSLContext tls, int upstreamPort) throws IOException {
    this.tls = tls;
    this.upstreamPort = upstreamPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  /** The lines received before TLS, in order. */
  List<String> clearText() {
    return List.copyOf(clearText);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread.ofVirtual().start(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      OutputStream out = client.getOutputStream();
      write(out, "220 proxy ESMTP");
      while (true) {
        String line = readLine(in);
        if (line == null) {
          return;
        }
        clearText.add(line);
        String verb = line.split(" ", 2)[0].toUpperCase();
        switch (verb) {
          case "EHLO" -> write(out, "250-proxy\r\n250 STARTTLS");
          case "STARTTLS" -> {
            write(out, "220 go ahead");
            relay(client);
            return;
          }
          case "QUIT" -> {
            write(out, "221 bye");
            return;
          }
          default -> write(out, "530 5.7.0 Must issue a STARTTLS command first");
        }
      }
    } catch (IOException e) {
      errors.add(e);
    }
  }

  private void relay(Socket client) throws IOException {
    SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(client,
        client.getInetAddress().getHostAddress(), client.getPort(), true);
    s.setUseClientMode(false);
    try (s; Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
      s.startHandshake();
      // The client already had a greeting; GreenMail's is dropped.
      readLine(upstream.getInputStream());
      Thread back = Thread.ofVirtual().start(() -> {
        try {
          upstream.getInputStream().transferTo(s.getOutputStream());
        } catch (IOException e) {
          // the client hung up
        }
      });
      try {
        s.getInputStream().transferTo(upstream.getOutputStream());
      } catch (IOException e) {
        // the server hung up
      }
      upstream.shutdownOutput();
      try {
        back.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c = in.read(); c >= 0; c = in.read()) {
      if (c == '\n') {
        return b.toString().strip();
      }
      b.append((char) c);
    }
    return null;
  }

  private static void write(OutputStream out, String reply) throws IOException {
    out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
