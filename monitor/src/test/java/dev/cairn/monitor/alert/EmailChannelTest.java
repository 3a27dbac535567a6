package dev.cairn.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.cairn.monitor.config.MonitorConfig.Smtp;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * E-mail through GreenMail, a real SMTP server on loopback; STARTTLS through {@link
 * StartTlsProxy} in front of it, with a certificate made for the test.
 */
class EmailChannelTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private GreenMail mail;

  @BeforeEach
  void start() {
    mail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    mail.withConfiguration(GreenMailConfiguration.aConfig()
        .withUser("monitor@example.com", "monitor", "pa55word"));
    mail.start();
  }

  @AfterEach
  void stop() {
    mail.stop();
  }

  private Smtp smtp(int port, boolean startTls, Optional<String> password,
      Optional<Path> trust) {
    return new Smtp("127.0.0.1", port, startTls, password.map(p -> "monitor"), password,
        "monitor@example.com", List.of("ops@example.org", "oncall@example.org"), trust);
  }

  @Test
  void sendsALoggedInPlainTextMailWithAStableMessageId() throws Exception {
    Alert alert = TestAlerts.alert("12", "opened");
    EmailChannel channel = new EmailChannel("mail", smtp(mail.getSmtp().getPort(), false,
        Optional.of("pa55word"), Optional.empty()), TIMEOUT, new TestAlerts.MutableClock());
    channel.deliver(alert);
    channel.deliver(TestAlerts.alert("12", "resolved"));

    MimeMessage[] got = mail.getReceivedMessagesForDomain("example.org");
    assertThat(got).hasSize(4); // two alerts, two recipients
    MimeMessage m = withSubjectEnding(got, "opened");
    assertThat(m.getMessageID()).isEqualTo("<" + alert.id() + "@example.com>");
    assertThat(m.getSubject())
        .isEqualTo("[cairn monitor] CRITICAL log.split_view on example: opened");
    assertThat(m.getHeader("X-Cairn-Alert-Id", null)).isEqualTo(alert.id());
    assertThat(m.getFrom()[0].toString()).isEqualTo("monitor@example.com");
    assertThat(m.getSentDate().toInstant()).isEqualTo(TestAlerts.T0);
    assertThat(m.getContentType()).startsWith("text/plain");
    String body = ((String) m.getContent()).replace("\r\n", "\n");
    assertThat(body).startsWith(alert.finding().summary() + "\n\n")
        .contains("Severity:     critical\n", "Rule:         log.split_view\n",
            "Run:          run-1\n", "Fingerprint:  " + alert.finding().fingerprint() + "\n",
            "First seen:   2025-03-01T11:59:00Z\n", "Observed:\nroot A\n",
            "Expected:\nroot B\n", alert.finding().rule().consequence(),
            alert.finding().rule().remediation(),
            "--- Evidence (note): checkpoint served by the log ---\n"
                + alert.finding().evidence().get(0).content());

    MimeMessage resolved = withSubjectEnding(got, "resolved");
    assertThat(resolved.getSubject()).endsWith(": resolved");
    assertThat(resolved.getHeader("In-Reply-To", null)).isEqualTo(m.getMessageID());
  }

  @Test
  void aWrongPasswordIsRefusedAndNotInTheError() throws Exception {
    EmailChannel channel = new EmailChannel("mail", smtp(mail.getSmtp().getPort(), false,
        Optional.of("wrong-pa55"), Optional.empty()), TIMEOUT, new TestAlerts.MutableClock());
    assertThatThrownBy(() -> channel.deliver(TestAlerts.alert("12", "opened")))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("couldn't send to smtp://127.0.0.1:" + mail.getSmtp().getPort())
        .hasMessageNotContaining("wrong-pa55");
    assertThat(mail.getReceivedMessages()).isEmpty();
  }

  @Test
  void startTlsRequiredRefusesAServerWithoutIt() throws Exception {
    EmailChannel channel = new EmailChannel("mail", smtp(mail.getSmtp().getPort(), true,
        Optional.of("pa55word"), Optional.empty()), TIMEOUT, new TestAlerts.MutableClock());
    assertThatThrownBy(() -> channel.deliver(TestAlerts.alert("12", "opened")))
        .isInstanceOf(IOException.class).hasMessageContaining("STARTTLS");
    assertThat(mail.getReceivedMessages()).isEmpty();
  }

  @Test
  void startTlsUpgradesBeforeAnythingElseAndTrustsTheTrustFile() throws Exception {
    Path keystore = dir.resolve("smtp.p12");
    Path cert = dir.resolve("smtp.pem");
    keytool("-genkeypair", "-alias", "smtp", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1", "-validity", "2",
        "-keystore", keystore.toString(), "-storepass", "changeit");
    keytool("-exportcert", "-rfc", "-alias", "smtp", "-keystore", keystore.toString(),
        "-storepass", "changeit", "-file", cert.toString());
    try (StartTlsProxy proxy = new StartTlsProxy(serverContext(keystore),
        mail.getSmtp().getPort())) {
      Alert alert = TestAlerts.alert("12", "opened");
      EmailChannel untrusting = new EmailChannel("mail", smtp(proxy.port(), true,
          Optional.of("pa55word"), Optional.empty()), TIMEOUT, new TestAlerts.MutableClock());
      assertThatThrownBy(() -> untrusting.deliver(alert)).as("the JDK's authorities alone")
          .isInstanceOf(IOException.class);
      assertThat(mail.getReceivedMessages()).isEmpty();

      EmailChannel channel = new EmailChannel("mail", smtp(proxy.port(), true,
          Optional.of("pa55word"), Optional.of(cert)), TIMEOUT, new TestAlerts.MutableClock());
      channel.deliver(alert);
      assertThat(mail.getReceivedMessagesForDomain("example.org")).hasSize(2)
          .allSatisfy(m -> assertThat(m.getMessageID())
              .isEqualTo("<" + alert.id() + "@example.com>"));
      assertThat(proxy.clearText()).allSatisfy(line -> assertThat(line)
          .matches("(?i)EHLO .*|STARTTLS"));
      assertThat(proxy.clearText()).contains("STARTTLS");
    }
  }

  @Test
  void aTrustFileThatIsNotPemIsAnErrorNamingIt() throws Exception {
    Path notPem = Files.writeString(dir.resolve("not.pem"), "hello\n");
    assertThatThrownBy(() -> new EmailChannel("mail", smtp(25, true, Optional.empty(),
        Optional.of(notPem)), TIMEOUT, new TestAlerts.MutableClock()))
        .isInstanceOf(IOException.class).hasMessageContaining(notPem.toString());
  }

  private static MimeMessage withSubjectEnding(MimeMessage[] messages, String end)
      throws Exception {
    for (MimeMessage m : messages) {
      if (m.getSubject().endsWith(end)) {
        return m;
      }
    }
    throw new AssertionError("no message whose subject ends with " + end);
  }

  private static void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(p.waitFor()).as(out).isZero();
  }

  private static SSLContext serverContext(Path keystore) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }
}
