package dev.cairn.monitor.alert;

import dev.cairn.monitor.config.MonitorConfig.ChannelConfig;
import dev.cairn.monitor.config.MonitorConfig.Delivery;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Builds the configured channels, each routed with its minimum severity. */
public final class Channels {
  private Channels() {}

  /** {@link #routes(List, Delivery, Clock)} with the system's clock. */
  public static List<Route> routes(List<ChannelConfig> configs, Delivery delivery)
      throws IOException {
    return routes(configs, delivery, Clock.systemUTC());
  }

  /**
   * A route per configured channel, in order: {@code webhook} ({@link WebhookChannel}: needs
   * {@code url} and {@code hmacSecret}), {@code slack} ({@link SlackChannel}: needs {@code url}),
   * {@code email} ({@link EmailChannel}: needs {@code smtp}); each attempt bounded by {@code
   * delivery.timeout()}. The caller owns the channels ({@link AlertOutbox#close} closes them).
   *
   * @throws IOException if an e-mail channel's trust file cannot be read
   * @throws IllegalArgumentException naming the channel, if a type is unknown or a setting it
   *     needs is missing or wrong
   */
  public static List<Route> routes(List<ChannelConfig> configs, Delivery delivery, Clock clock)
      throws IOException {
    List<Route> routes = new ArrayList<>();
    for (ChannelConfig c : configs) {
      Channel channel = switch (c.type()) {
        case "webhook" -> new WebhookChannel(c.name(), url(c), c.hmacSecret().orElseThrow(
            () -> missing(c, "an HMAC secret")), delivery.timeout(), clock);
        case "slack" -> new SlackChannel(c.name(), url(c), delivery.timeout());
        case "email" -> new EmailChannel(c.name(), c.smtp().orElseThrow(
            () -> missing(c, "SMTP settings")), delivery.timeout(), clock);
        default -> throw new IllegalArgumentException("channel " + c.name() + ": unknown type \""
            + c.type() + "\" (webhook, slack, email)");
      };
      routes.add(new Route(channel, c.minSeverity()));
    }
    return routes;
  }

  private static URI url(ChannelConfig c) {
    return c.url().orElseThrow(() -> missing(c, "a URL"));
  }

  private static IllegalArgumentException missing(ChannelConfig c, String what) {
    return new IllegalArgumentException("channel " + c.name() + ": a " + c.type() + " channel"
        + " needs " + what);
  }
}
