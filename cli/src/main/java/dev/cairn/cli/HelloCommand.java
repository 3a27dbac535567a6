package dev.cairn.cli;

import dev.cairn.log.http.HttpConfig;
import dev.cairn.log.http.LogServer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn bench-hello}: the log's HTTP stack answering "hello" to everything, the ceiling
 * the load benchmarks compare the log's routes against.
 */
@Command(name = "bench-hello", hidden = true,
    description = "Serve 'hello' on the log's HTTP stack (a benchmark ceiling).")
final class HelloCommand implements Callable<Integer> {
  private static final byte[] HELLO = "hello\n".getBytes(StandardCharsets.US_ASCII);

  @Option(names = "--listen", defaultValue = "127.0.0.1:8090", description = "HOST:PORT.")
  String listen;

  @Option(names = "--async", description = "Read the body and answer from another thread, as"
      + " /add does (the ceiling of that pattern).")
  boolean async;

  @Override
  public Integer call() throws Exception {
    int colon = listen.lastIndexOf(':');
    HttpConfig config = HttpConfig.defaults(listen.substring(0, colon),
        Integer.parseInt(listen.substring(colon + 1)));
    java.util.concurrent.Executor[] pool = new java.util.concurrent.Executor[1];
    Handler hello = new Handler.Abstract.NonBlocking() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        if (async) {
          org.eclipse.jetty.io.Content.Source.asByteArrayAsync(request, 65536)
              .thenApply(body -> new java.util.concurrent.CompletableFuture<byte[]>())
              .thenAccept(f -> {
                f.whenCompleteAsync((b, e) -> answer(response, callback), pool[0]);
                f.complete(HELLO);
              });
          return true;
        }
        answer(response, callback);
        return true;
      }

      private void answer(Response response, Callback callback) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, HELLO.length);
        response.write(true, ByteBuffer.wrap(HELLO), callback);
      }
    };
    try (LogServer server = LogServer.start(hello, config)) {
      pool[0] = server.executor();
      System.out.println("cairn: hello on " + listen + " (port " + server.port() + ")");
      new CountDownLatch(1).await();
    }
    return 0;
  }
}
