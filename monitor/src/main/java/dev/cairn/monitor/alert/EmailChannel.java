package dev.cairn.monitor.alert;

import dev.cairn.monitor.config.MonitorConfig.Smtp;
import dev.cairn.monitor.report.Evidence;
import dev.cairn.monitor.report.Finding;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.Objects;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each alert as a plain-text e-mail over SMTP (Jakarta Mail): subject {@code [cairn monitor]
 * <SEVERITY> <rule> on <log>: opened|resolved}, a body with everything the finding holds, and a
 * {@code Message-ID} made from {@link Alert#id()} (so a retried alert is the same message to a
 * receiver that deduplicates; a resolved alert's {@code In-Reply-To} is its opening's, so mail
 * clients thread them). With {@code startTls} the connection MUST upgrade to TLS before anything
 * else is sent ({@code mail.smtp.starttls.required}): a server that does not offer STARTTLS gets
 * nothing, and the certificate and host name are checked. The password is never in errors.
 */
public final class EmailChannel implements Channel {
  private static final Logger LOG = LoggerFactory.getLogger(EmailChannel.class);

  private final String name;
  private final Smtp smtp;
  private final Session session;
  private final InternetAddress from;
  private final InternetAddress[] to;
  private final String domain;
  private final Clock clock;

  /**
   * An e-mail channel.
   *
   * @param name the configured name
   * @param smtp the server, login and addresses
   * @param timeout for connecting, and for each read and write
   * @param clock dates the messages
   * @throws IOException if the trust file cannot be read
   * @throws IllegalArgumentException if an address is not one, or there is no recipient
   */
  public EmailChannel(String name, Smtp smtp, Duration timeout, Clock clock) throws IOException {
    this.name = Objects.requireNonNull(name, "name");
    this.smtp = Objects.requireNonNull(smtp, "smtp");
    this.clock = Objects.requireNonNull(clock, "clock");
    try {
      this.from = new InternetAddress(smtp.from(), true);
      this.to = new InternetAddress[smtp.to().size()];
      for (int i = 0; i < to.length; i++) {
        to[i] = new InternetAddress(smtp.to().get(i), true);
      }
    } catch (AddressException e) {
      throw new IllegalArgumentException("channel " + name + ": " + e.getMessage(), e);
    }
    if (to.length == 0) {
      throw new IllegalArgumentException("channel " + name + ": no recipient");
    }
    String address = from.getAddress();
    this.domain = address.substring(address.lastIndexOf('@') + 1);
    if (smtp.username().isPresent() && !smtp.startTls()) {
      LOG.warn("channel {}: the SMTP password is sent to {} in the clear (start_tls is off)",
          name, smtp.host());
    }
    this.session = Session.getInstance(properties(smtp, timeout));
  }

  private static Properties properties(Smtp smtp, Duration timeout) throws IOException {
    Properties p = new Properties();
    p.put("mail.smtp.host", smtp.host());
    p.put("mail.smtp.port", Integer.toString(smtp.port()));
    p.put("mail.smtp.from", smtp.from());
    String ms = Long.toString(timeout.toMillis());
    p.put("mail.smtp.connectiontimeout", ms);
    p.put("mail.smtp.timeout", ms);
    p.put("mail.smtp.writetimeout", ms);
    p.put("mail.smtp.starttls.enable", Boolean.toString(smtp.startTls()));
    p.put("mail.smtp.starttls.required", Boolean.toString(smtp.startTls()));
    p.put("mail.smtp.ssl.checkserveridentity", "true");
    p.put("mail.smtp.ssl.protocols", "TLSv1.3 TLSv1.2");
    p.put("mail.smtp.auth", Boolean.toString(smtp.username().isPresent()));
    if (smtp.trustFile().isPresent()) {
      p.put("mail.smtp.ssl.socketFactory", SmtpTrust.socketFactory(smtp.trustFile().get()));
    }
    return p;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void deliver(Alert alert) throws IOException {
    try {
      MimeMessage m = message(alert);
      try (Transport t = session.getTransport("smtp")) {
        t.connect(smtp.host(), smtp.port(), smtp.username().orElse(null),
            smtp.password().orElse(null));
        t.sendMessage(m, m.getAllRecipients());
      }
    } catch (MessagingException e) {
      throw new IOException("couldn't send to smtp://" + smtp.host() + ":" + smtp.port() + ": "
          + describe(e), e);
    }
  }

  /** The message for {@code alert}, ready to send. */
  MimeMessage message(Alert alert) throws MessagingException {
    String messageId = messageId(alert.id());
    MimeMessage m = new MimeMessage(session) {
      @Override
      protected void updateMessageID() throws MessagingException {
        setHeader("Message-ID", messageId);
      }
    };
    m.setFrom(from);
    m.setRecipients(Message.RecipientType.TO, to);
    m.setSubject(subject(alert), StandardCharsets.UTF_8.name());
    m.setSentDate(Date.from(clock.instant()));
    m.setHeader(WebhookSignature.ALERT_ID_HEADER, alert.id());
    if (alert.event().equals("resolved")) {
      // The opening's own ID: the same finding, first seen at the same time.
      String opened = messageId(new Alert("opened", alert.finding(), alert.runId()).id());
      m.setHeader("In-Reply-To", opened);
      m.setHeader("References", opened);
    }
    m.setText(body(alert), StandardCharsets.UTF_8.name());
    m.saveChanges();
    return m;
  }

  /** {@code <id@domain of the sender>}: the same for every retry of one alert. */
  String messageId(String alertId) {
    return "<" + alertId + "@" + domain + ">";
  }

  /** {@code [cairn monitor] CRITICAL log.split_view on example: opened}, on one line. */
  static String subject(Alert alert) {
    Finding f = alert.finding();
    return ("[cairn monitor] " + f.severity().name() + " " + f.rule().id() + " on " + f.log()
        + ": " + alert.event()).replaceAll("\\p{Cntrl}", " ");
  }

  /** The plain-text body: the summary, the facts, what it means and what to do, the evidence. */
  static String body(Alert alert) {
    Finding f = alert.finding();
    StringBuilder b = new StringBuilder();
    b.append(f.summary()).append("\n\n");
    b.append("Event:        ").append(alert.event()).append('\n');
    b.append("Severity:     ").append(f.severity().id()).append('\n');
    b.append("Rule:         ").append(f.rule().id()).append('\n');
    b.append("Log:          ").append(f.log()).append('\n');
    b.append("Run:          ").append(alert.runId()).append('\n');
    b.append("Fingerprint:  ").append(f.fingerprint()).append('\n');
    b.append("Alert ID:     ").append(alert.id()).append('\n');
    b.append("First seen:   ").append(f.firstSeen()).append('\n');
    b.append("Last seen:    ").append(f.lastSeen()).append("\n\n");
    b.append("Observed:\n").append(f.observed()).append("\n\n");
    b.append("Expected:\n").append(f.expected()).append("\n\n");
    b.append("What it means:\n").append(f.rule().consequence()).append("\n\n");
    b.append("What to do:\n").append(f.rule().remediation()).append('\n');
    for (Evidence e : f.evidence()) {
      b.append("\n--- Evidence (").append(e.kind()).append("): ").append(e.label())
          .append(" ---\n").append(e.content());
      if (!e.content().endsWith("\n")) {
        b.append('\n');
      }
    }
    return b.toString();
  }

  /** The message and those of its causes: Jakarta Mail hides the reason in nested ones. */
  private static String describe(MessagingException e) {
    StringBuilder b = new StringBuilder(String.valueOf(e.getMessage()));
    Throwable c = e.getCause();
    for (int depth = 0; c != null && depth < 5; depth++, c = c.getCause()) {
      b.append(": ").append(c.getMessage());
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return "email " + name + " (smtp://" + smtp.host() + ":" + smtp.port() + ")";
  }
}
