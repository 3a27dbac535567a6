package dev.cairn.monitor.config;

import dev.cairn.monitor.config.MonitorConfig.ChannelConfig;
import dev.cairn.monitor.config.MonitorConfig.Smtp;
import dev.cairn.monitor.report.Severity;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the {@code channels} sequence. Each channel has a {@code name}, a {@code type} and a
 * {@code min_severity} (default {@code info}), and the keys of its type:
 *
 * <ul>
 *   <li>{@code webhook}: {@code url}, and optionally the HMAC key as {@code hmac_secret_file},
 *       {@code hmac_secret_env} or (not in prod) {@code hmac_secret};
 *   <li>{@code slack}: the incoming-webhook URL, a secret, as {@code url_file}, {@code url_env}
 *       or (not in prod) {@code url};
 *   <li>{@code email}: {@code smtp}, a mapping of {@code host}, {@code port} (587), {@code
 *       starttls} (true), {@code username}, the password as {@code password_file}, {@code
 *       password_env} or (not in prod) {@code password}, {@code from}, {@code to} and {@code
 *       trust_file}.
 * </ul>
 */
final class Channels {
  private Channels() {}

  /** The channels at {@code channels}, possibly none, names unique. */
  static List<ChannelConfig> read(Mapping root) {
    List<ChannelConfig> out = new ArrayList<>();
    Map<String, String> seen = new LinkedHashMap<>();
    for (Mapping m : root.mappings("channels")) {
      ChannelConfig c = channel(m);
      LogTargets.unique(m, "name", c.name(), seen);
      out.add(c);
    }
    return out;
  }

  private static ChannelConfig channel(Mapping m) {
    String name = LogTargets.name(m, "name");
    String type = m.text("type");
    Severity min = m.optionalText("min_severity").map(s -> {
      try {
        return Severity.of(s);
      } catch (IllegalArgumentException e) {
        throw m.error("min_severity", e.getMessage());
      }
    }).orElse(Severity.INFO);
    ChannelConfig c = switch (type) {
      case "webhook" -> {
        Optional<byte[]> secret = Secrets.bytes(m, "hmac_secret");
        if (secret.isEmpty()) {
          // Receivers must be able to tell the monitor's alerts from anyone else's POSTs.
          throw m.error("hmac_secret", "missing: a webhook channel signs its alerts; give"
              + " hmac_secret_file or hmac_secret_env");
        }
        yield new ChannelConfig(name, type, Optional.of(LogTargets.url(m, "url", false)),
            secret, Optional.empty(), min);
      }
      case "slack" -> {
        String url = Secrets.text(m, "url").orElseThrow(() -> m.error("url",
            "missing: a slack channel needs url_file or url_env (the URL is a secret)"));
        Urls.Result r = Urls.parse(url, false);
        if (r.url().isEmpty()) {
          throw m.error("url", "the secret URL " + r.refusal());
        }
        yield new ChannelConfig(name, type, r.url(), Optional.empty(), Optional.empty(), min);
      }
      case "email" -> new ChannelConfig(name, type, Optional.empty(), Optional.empty(),
          Optional.of(smtp(m.optionalMapping("smtp").orElseThrow(() -> m.error("smtp",
              "missing: an email channel needs smtp (host, from, to...)")))), min);
      default -> throw m.error("type", "\"" + type + "\" is not a channel type (webhook, slack,"
          + " email)");
    };
    m.done();
    return c;
  }

  private static Smtp smtp(Mapping s) {
    String host = s.text("host");
    int port = s.wholeNumber("port", 587, 1, 65535);
    boolean startTls = s.bool("starttls", true);
    Optional<String> username = s.optionalText("username");
    Optional<String> password = Secrets.text(s, "password");
    if (password.isPresent() && username.isEmpty()) {
      throw s.error("username", "missing: a password is given without a username");
    }
    if (password.isPresent() && !startTls) {
      s.context().warn(s.pathOf("starttls"), "false: the password would be sent in the clear");
    }
    String from = address(s, s.pathOf("from"), s.text("from"));
    List<String> to = s.texts("to");
    if (to.isEmpty()) {
      throw s.error("to", "at least one recipient is needed");
    }
    for (int i = 0; i < to.size(); i++) {
      address(s, Mapping.index(s.pathOf("to"), i), to.get(i));
    }
    Optional<Path> trust = s.optionalText("trust_file")
        .map(t -> s.context().resolve(s.pathOf("trust_file"), t));
    s.done();
    return new Smtp(host, port, startTls, username, password, from, to, trust);
  }

  private static String address(Mapping s, String path, String text) {
    try {
      new InternetAddress(text, true).validate();
      return text;
    } catch (AddressException e) {
      throw s.context().error(path, "\"" + text + "\" is not an e-mail address");
    }
  }
}
