package dev.cairn.log.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.SocketChannelEndPoint;

/**
 * Closes a new connection from a client address that already has the most connections allowed
 * open, so that one address cannot take every slot of {@code max_connections} and stop
 * everyone's reads and health checks. The client sees its connection closed before any answer.
 * Counts network connections only (not the decrypted connection inside a TLS one). Thread-safe.
 */
final class AddressConnectionLimit implements Connection.Listener {
  private final int max;
  private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();
  /** Each counted connection's address: a closed socket no longer tells its peer. */
  private final ConcurrentHashMap<Connection, InetAddress> counted = new ConcurrentHashMap<>();
  private final LongAdder refused = new LongAdder();

  /** At most {@code max} connections open from one address. */
  AddressConnectionLimit(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max connections per address must be at least 1");
    }
    this.max = max;
  }

  @Override
  public void onOpened(Connection connection) {
    InetAddress address = address(connection);
    if (address == null) {
      return;
    }
    counted.put(connection, address);
    if (open.merge(address, 1, Integer::sum) > max) {
      refused.increment();
      connection.getEndPoint().close();
    }
  }

  @Override
  public void onClosed(Connection connection) {
    InetAddress address = counted.remove(connection);
    if (address != null) {
      open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }
  }

  /** Connections closed so far because their address had the most open. */
  long refused() {
    return refused.sum();
  }

  private static InetAddress address(Connection connection) {
    if (!(connection.getEndPoint() instanceof SocketChannelEndPoint endPoint)) {
      return null;
    }
    SocketAddress remote = endPoint.getRemoteSocketAddress();
    return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
  }
}
