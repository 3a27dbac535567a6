package dev.cairn.monitor.config;

import dev.cairn.monitor.report.Severity;
import dev.cairn.policy.Policy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A parsed, validated {@code monitor.yaml} ({@link MonitorConfigFile} reads it), with its secrets
 * already read from files or the environment.
 *
 * @param logs the logs to audit, in file order, names unique
 * @param schedule how often {@code monitor serve} runs
 * @param stateDir where state, reports, alert queues and the audit log are kept
 * @param retention how long and how many reports are kept
 * @param channels where alerts go
 * @param delivery how alerts are retried
 * @param auth who may use the HTTP API
 * @param failOn the severity at which {@code monitor run} exits non-zero
 * @param listen the API's address ({@code host:port}) for {@code monitor serve}
 * @param otlpEndpoint where spans go, if anywhere
 * @param hash the SHA-256 (hex) of the file's bytes: in every report and in the metrics
 * @param redacted the effective configuration with secrets replaced, for admins (JSON)
 */
public record MonitorConfig(List<LogTarget> logs, Schedule schedule, Path stateDir,
    Retention retention, List<ChannelConfig> channels, Delivery delivery, Auth auth,
    Severity failOn, String listen, Optional<URI> otlpEndpoint, String hash, String redacted) {

  /** Copies the lists. */
  public MonitorConfig {
    logs = List.copyOf(logs);
    channels = List.copyOf(channels);
  }

  /**
   * One log to audit.
   *
   * @param name a short name, unique in the file (reports and alerts use it)
   * @param url the tlog-tiles prefix: {@code <url>checkpoint}, {@code <url>tile/...}
   * @param policy the log's keys, and the witnesses and quorum its checkpoints need (a tlog
   *     policy; with keys only, no witnesses)
   * @param maxCheckpointAge the oldest the newest checkpoint may be
   * @param witnesses the witnesses' monitoring prefixes, by policy witness name: where {@code
   *     <prefix><hex SHA-256(origin)>/checkpoint} is the latest checkpoint each cosigned
   * @param requiredCosignatures the cosignatures the monitor requires, beyond the policy's
   *     quorum (0: the policy's quorum alone)
   * @param watch the watch rules
   * @param maxCosignatureAge how old the newest cosignature of a policy witness may be before
   *     {@code witness.stale}
   */
  public record LogTarget(String name, URI url, Policy policy, Duration maxCheckpointAge,
      java.util.Map<String, URI> witnesses, int requiredCosignatures, List<WatchRule> watch,
      Duration maxCosignatureAge) {

    /** Copies the witnesses (keeping their order) and the rules. */
    public LogTarget {
      witnesses = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(witnesses));
      watch = List.copyOf(watch);
    }
  }

  /**
   * A rule matched against every new entry.
   *
   * @param name what it is called in findings
   * @param substring matches entries containing these UTF-8 bytes
   * @param regex matches entries (decoded as UTF-8, malformed bytes replaced) it finds in
   * @param sha256 matches the entry whose SHA-256 this is (hex)
   */
  public record WatchRule(String name, Optional<String> substring, Optional<Pattern> regex,
      Optional<String> sha256) {}

  /**
   * When {@code monitor serve} runs.
   *
   * @param interval between runs of a log
   * @param jitter each wait is the interval plus or minus up to this
   */
  public record Schedule(Duration interval, Duration jitter) {}

  /** Reports and finished-run state older than {@code maxAge} or beyond {@code maxCount} go. */
  public record Retention(Duration maxAge, int maxCount) {}

  /**
   * An alert channel; secrets are held here, read from a file or the environment.
   *
   * @param name unique among channels (metrics and delivery state use it)
   * @param type {@code webhook}, {@code slack} or {@code email}
   * @param url the webhook's URL (webhook), or the Slack incoming-webhook URL (a secret)
   * @param hmacSecret the webhook's HMAC-SHA256 key
   * @param smtp the e-mail settings
   * @param minSeverity findings below this are not sent on this channel
   */
  public record ChannelConfig(String name, String type, Optional<URI> url,
      Optional<byte[]> hmacSecret, Optional<Smtp> smtp, Severity minSeverity) {

    /** Copies the secret. */
    public ChannelConfig {
      hmacSecret = hmacSecret.map(byte[]::clone);
    }

    /** A copy of the HMAC key: the array is not shared. */
    @Override
    public Optional<byte[]> hmacSecret() {
      return hmacSecret.map(byte[]::clone);
    }

    /** Names the channel without its secrets (a Slack URL is one). */
    @Override
    public String toString() {
      return "ChannelConfig[name=" + name + ", type=" + type + ", minSeverity=" + minSeverity
          + (type.equals("slack") ? "" : url.map(u -> ", url=" + u).orElse(""))
          + smtp.map(s -> ", smtp=" + s).orElse("") + "]";
    }
  }

  /**
   * An SMTP server and the message's addresses.
   *
   * @param host the server
   * @param port its port (587 for submission with STARTTLS)
   * @param startTls whether STARTTLS is required (never sent in the clear when true)
   * @param username the login, if the server needs one
   * @param password the password (a secret)
   * @param from the sender
   * @param to the recipients
   * @param trustFile PEM certificates to trust for STARTTLS beyond the system's, if any
   */
  public record Smtp(String host, int port, boolean startTls, Optional<String> username,
      Optional<String> password, String from, List<String> to, Optional<Path> trustFile) {

    /** Copies the recipients. */
    public Smtp {
      to = List.copyOf(to);
    }

    /** The settings without the password. */
    @Override
    public String toString() {
      return "Smtp[host=" + host + ", port=" + port + ", startTls=" + startTls + ", username="
          + username.orElse("") + ", password=" + (password.isPresent() ? "<redacted>" : "")
          + ", from=" + from + ", to=" + to + "]";
    }
  }

  /**
   * How alerts are retried.
   *
   * @param attempts the most tries of one alert on one channel before it is given up (and
   *     counted)
   * @param baseDelay the first backoff; each retry waits a random time up to base × 2^n
   * @param maxDelay the most one backoff waits
   * @param breakerFailures consecutive failures that open a channel's circuit breaker
   * @param breakerCooldown how long it stays open before one trial delivery (half-open)
   * @param timeout per delivery attempt
   */
  public record Delivery(int attempts, Duration baseDelay, Duration maxDelay,
      int breakerFailures, Duration breakerCooldown, Duration timeout) {}

  /**
   * Who may use the API.
   *
   * @param jwks the JWKS URL or file; empty for no authentication (refused by {@code --profile
   *     prod})
   * @param issuer the tokens' issuer
   * @param audience the tokens' audience
   */
  public record Auth(Optional<String> jwks, Optional<String> issuer, Optional<String> audience) {}
}
