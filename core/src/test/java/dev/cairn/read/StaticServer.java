package dev.cairn.read;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.SimpleFileServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The JDK's plain static file server on a loopback port, serving a directory: a log's tiles
 * directory served so is a tlog-tiles log, which is the point of the layout.
 */
final class StaticServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

  StaticServer(Path root) {
    server = SimpleFileServer.createFileServer(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), root.toAbsolutePath(),
        SimpleFileServer.OutputLevel.NONE);
    server.setExecutor(threads);
    server.start();
  }

  /** The URL prefix the directory is served at. */
  URI uri() {
    return URI.create("http://" + server.getAddress().getAddress().getHostAddress() + ":"
        + server.getAddress().getPort() + "/");
  }

  @Override
  public void close() {
    server.stop(0);
    threads.close();
  }
}
