package dev.cairn.monitor.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.cairn.monitor.report.Finding;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Posts each alert to a Slack incoming webhook as one message ({@code {"text": ...}}): the
 * severity, rule, log, summary, run and fingerprint; a resolved alert says it is resolved. The
 * webhook's URL is a secret (whoever has it can post to the channel): errors and logs name only
 * its scheme and host.
 */
public final class SlackChannel implements Channel, AutoCloseable {
  private final String name;
  private final URI url;
  private final String shown;
  private final Duration timeout;
  private final HttpClient client;

  /**
   * A Slack channel.
   *
   * @param name the configured name
   * @param url the incoming webhook's URL (a secret)
   * @param timeout for each delivery as a whole
   */
  public SlackChannel(String name, URI url, Duration timeout) {
    this.name = Objects.requireNonNull(name, "name");
    this.shown = JsonPost.origin(url);
    this.url = WebhookChannel.httpUrl(name, url);
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.client = JsonPost.client(timeout);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void deliver(Alert alert) throws IOException {
    JsonPost.post(client, url, shown, body(alert), Map.of(), timeout);
  }

  /** The JSON body Slack is sent: {@code {"text": text(alert)}}. */
  static byte[] body(Alert alert) {
    try {
      return AlertJson.MAPPER.writeValueAsBytes(Map.of("text", text(alert)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a string always encodes", e);
    }
  }

  /**
   * The message, in Slack's markup, e.g. {@code :rotating_light: *CRITICAL* `log.split_view` on
   * *example*: opened}, then the summary, then the run and fingerprint. Text from the finding is
   * escaped ({@code & < >}) so it cannot form links or mentions.
   */
  static String text(Alert alert) {
    Finding f = alert.finding();
    boolean resolved = alert.event().equals("resolved");
    String head = (resolved ? ":white_check_mark: *Resolved:* " : ":rotating_light: ")
        + "*" + f.severity().name() + "* `" + f.rule().id() + "` on *" + escape(f.log()) + "*"
        + (resolved ? "" : ": opened");
    return head + "\n" + escape(f.summary())
        + "\nRun `" + escape(alert.runId()) + "` · fingerprint `" + f.fingerprint() + "`";
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /** Closes the HTTP client. */
  @Override
  public void close() {
    client.close();
  }

  @Override
  public String toString() {
    return "slack " + name + " (" + shown + ")";
  }
}
