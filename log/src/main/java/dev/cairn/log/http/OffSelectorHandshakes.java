package dev.cairn.log.http;

import java.util.concurrent.Executor;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * TLS connections whose handshake runs on {@code handshakes}, not on the selector thread.
 *
 * <p>The log's routes never block, so Jetty reads, decrypts and handles every request on the
 * selector thread that saw it readable (one on a 2-core machine). A handshake's key exchange
 * and signature run there too: 1–3 ms each on a small machine, so 256 clients connecting at
 * once queued every request of the connections already open behind them, for up to 0.7–1.3 s
 * in 20 s runs (docs/benchmarks.md, issue 17). Until its handshake completes, a connection's
 * reads are handed to {@code handshakes}; after it, they run where Jetty runs them. The context
 * should refuse renegotiation: a handshake after the first would run on the selector again.
 */
final class OffSelectorHandshakes extends SslConnectionFactory {
  private final Executor handshakes;

  OffSelectorHandshakes(SslContextFactory.Server context, String nextProtocol,
      Executor handshakes) {
    super(context, nextProtocol);
    this.handshakes = handshakes;
  }

  @Override
  protected SslConnection newSslConnection(Connector connector, EndPoint endPoint,
      SSLEngine engine) {
    return new Connection(connector, endPoint, engine);
  }

  private final class Connection extends SslConnection implements SslHandshakeListener {
    /** Set once the handshake succeeded; read by the selector thread. */
    private volatile boolean handshaken;

    Connection(Connector connector, EndPoint endPoint, SSLEngine engine) {
      super(connector.getByteBufferPool(), connector.getExecutor(), getSslContextFactory(),
          endPoint, engine, isDirectBuffersForEncryption(), isDirectBuffersForDecryption());
      addHandshakeListener(this);
    }

    @Override
    public void handshakeSucceeded(Event event) {
      handshaken = true;
    }

    /**
     * Called when the network side is readable. Jetty has taken the fill interest already, so
     * running the reading later on another thread is what it does itself for a task that may
     * block.
     */
    @Override
    public void onFillable() {
      if (handshaken) {
        super.onFillable();
      } else {
        handshakes.execute(super::onFillable);
      }
    }
  }
}
