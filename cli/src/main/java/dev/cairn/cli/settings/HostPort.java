package dev.cairn.cli.settings;

/**
 * An address to listen on. The accepted text is {@code HOST:PORT} with a port of 0 to 65535 in
 * at most five digits; an IPv6 host is written in brackets, {@code [::1]:8080}, and {@link
 * #host()} is then without them.
 */
public record HostPort(String host, int port) {
  /** Parses {@code HOST:PORT}; throws {@link IllegalArgumentException} saying what was expected. */
  public static HostPort parse(String text) {
    int colon = text.lastIndexOf(':');
    String port = colon < 0 ? "" : text.substring(colon + 1);
    if (colon <= 0 || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
      throw new IllegalArgumentException("expected HOST:PORT, e.g. 127.0.0.1:8080");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new HostPort(host, Integer.parseInt(port));
  }
}
