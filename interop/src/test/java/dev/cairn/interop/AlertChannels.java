package dev.cairn.interop;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The three alert channels of the monitor drills, each a real server on loopback in the test's
 * JVM: a webhook receiver checking the HMAC signature, a Slack incoming-webhook receiver, and
 * GreenMail as the SMTP server (plain SMTP with a login). {@link #yaml} is the {@code channels}
 * section that sends to them, its secrets given as the monitor's {@code *_env} and {@code
 * *_file}; {@link #told} is every delivery so far, raw, as {@link Told} values.
 */
final class AlertChannels implements AutoCloseable {
  static final byte[] HOOK_SECRET = "drill webhook secret, 32 bytes!".getBytes(UTF_8);
  private static final String SMTP_USER = "monitor";
  private static final String SMTP_PASSWORD = "drill-smtp-pa55word";
  private static final Pattern SLACK = Pattern.compile(
      "(:white_check_mark: \\*Resolved:\\* |:rotating_light: )\\*[A-Z]+\\* `([a-z._]+)` on"
          + " \\*([^*]+)\\*(: opened)?\\n.*\\nRun `([^`]+)` · fingerprint `([0-9a-f]{32})`",
      Pattern.DOTALL);
  private static final Pattern SUBJECT = Pattern.compile(
      "\\[cairn monitor\\] [A-Z]+ ([a-z._]+) on (\\S+): (opened|resolved)");

  /**
   * One alert as a channel received it.
   *
   * @param channel {@code hook}, {@code slack} or {@code mail}
   * @param id the alert ID ({@code X-Cairn-Alert-Id}); Slack carries none, so there it is the
   *     fingerprint and the event, which name one alert within a drill (no finding reopens)
   * @param event {@code opened} or {@code resolved}
   * @param rule the rule's ID
   * @param log the log's configured name
   * @param fingerprint the finding's fingerprint
   * @param runId the run that told it ({@code null} in an e-mail, whose subject has none)
   * @param inReplyTo an e-mail's {@code In-Reply-To} ({@code null} elsewhere or without one)
   */
  record Told(String channel, String id, String event, String rule, String log,
      String fingerprint, String runId, String inReplyTo) {
    /** The identity by which the drills count an alert on every channel. */
    String key() {
      return fingerprint + "-" + event;
    }
  }

  private final AlertReceiver hook;
  private final AlertReceiver slack;
  private final GreenMail mail;
  private final Path slackUrlFile;

  AlertChannels(Path dir) throws IOException {
    hook = new AlertReceiver("/hooks/cairn", Optional.of(HOOK_SECRET));
    slack = new AlertReceiver("/services/T0DRILL/B0DRILL/secret-token", Optional.empty());
    mail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    mail.withConfiguration(GreenMailConfiguration.aConfig()
        .withUser("monitor@drill.example", SMTP_USER, SMTP_PASSWORD));
    mail.start();
    slackUrlFile = dir.resolve("slack.url");
    Files.writeString(slackUrlFile, slack.url() + "\n");
    Files.setPosixFilePermissions(slackUrlFile, PosixFilePermissions.fromString("rw-------"));
  }

  /** The environment the monitor reads its secrets from ({@code *_env}). */
  static Map<String, String> env() {
    return Map.of("DRILL_HOOK_SECRET", new String(HOOK_SECRET, UTF_8),
        "DRILL_SMTP_PASSWORD", SMTP_PASSWORD);
  }

  /** The {@code channels:} section of monitor.yaml for these three. */
  String yaml() {
    return "channels:\n"
        + "  - { name: hook, type: webhook, url: \"" + hook.url()
        + "\", hmac_secret_env: DRILL_HOOK_SECRET }\n"
        + "  - { name: slack, type: slack, url_file: \"" + slackUrlFile + "\" }\n"
        + "  - name: mail\n"
        + "    type: email\n"
        + "    smtp: { host: 127.0.0.1, port: " + mail.getSmtp().getPort() + ", starttls: false,"
        + " username: " + SMTP_USER + ", password_env: DRILL_SMTP_PASSWORD,"
        + " from: \"monitor@drill.example\", to: [\"ops@drill.example\"] }\n";
  }

  /** The webhook's receiver (to hold a delivery). */
  AlertReceiver hook() {
    return hook;
  }

  /** Forgets everything received. */
  void clear() throws Exception {
    hook.clear();
    slack.clear();
    mail.purgeEmailFromAllMailboxes();
  }

  /**
   * Every delivery received, raw (a resent alert counts twice), webhook first, then Slack,
   * then e-mail.
   *
   * @throws AssertionError if a webhook request is not signed with the secret, or a message is
   *     not shaped as its channel promises
   */
  List<Told> told() throws MessagingException {
    List<Told> all = new ArrayList<>();
    for (AlertReceiver.Delivery d : hook.deliveries()) {
      JsonNode b = d.json();
      if (!d.signed() || !d.alertId().equals(Optional.of(b.path("id").asText()))) {
        throw new AssertionError("a webhook request without a valid signature or whose"
            + " X-Cairn-Alert-Id is not its id: " + d.alertId() + " " + b);
      }
      all.add(new Told("hook", b.get("id").asText(), b.get("event").asText(),
          b.get("rule").asText(), b.get("log").asText(), b.get("fingerprint").asText(),
          b.get("run_id").asText(), null));
    }
    for (AlertReceiver.Delivery d : slack.deliveries()) {
      String text = d.json().path("text").asText();
      Matcher m = SLACK.matcher(text);
      if (!m.matches()) {
        throw new AssertionError("a Slack message not shaped as promised: " + text);
      }
      String event = m.group(1).contains("Resolved") ? "resolved" : "opened";
      all.add(new Told("slack", m.group(6) + "-" + event, event, m.group(2), m.group(3),
          m.group(6), m.group(5), null));
    }
    for (MimeMessage msg : mail.getReceivedMessages()) {
      Matcher m = SUBJECT.matcher(msg.getSubject());
      String[] ids = msg.getHeader("X-Cairn-Alert-Id");
      if (!m.matches() || ids == null || ids.length != 1
          || !msg.getMessageID().equals("<" + ids[0] + "@drill.example>")) {
        throw new AssertionError("an e-mail not shaped as promised: " + msg.getSubject() + " "
            + msg.getMessageID());
      }
      all.add(new Told("mail", ids[0], m.group(3), m.group(1), m.group(2),
          ids[0].substring(0, 32), null, msg.getHeader("In-Reply-To", null)));
    }
    return all;
  }

  @Override
  public void close() {
    hook.close();
    slack.close();
    mail.stop();
  }
}
