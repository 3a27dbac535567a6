package dev.cairn.monitor.testing;

import dev.cairn.monitor.config.MonitorConfig.LogTarget;
import dev.cairn.monitor.config.MonitorConfig.WatchRule;
import dev.cairn.policy.Policy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The monitor's configuration of a {@link RogueLog}: its key, its witnesses with a quorum, their
 * monitoring endpoints, watch rules and ages, as {@code monitor.yaml} would give them.
 */
public final class Targets {
  private final String name;
  private final RogueLog log;
  private String quorum = Policy.NONE;
  private boolean witnessed = true;
  private Optional<String> group = Optional.empty();
  private final Map<String, URI> endpoints = new LinkedHashMap<>();
  private int required;
  private final List<WatchRule> watch = new ArrayList<>();
  private Duration maxCheckpointAge = Duration.ofDays(1);
  private Duration maxCosignatureAge = Duration.ofDays(1);

  private Targets(String name, RogueLog log) {
    this.name = name;
    this.log = log;
  }

  /** {@code log} named {@code name}: its key and witnesses, quorum none, no endpoints. */
  public static Targets of(String name, RogueLog log) {
    return new Targets(name, log);
  }

  /** The quorum: a witness's name or {@code none}. */
  public Targets quorum(String witness) {
    this.quorum = witness;
    this.group = Optional.empty();
    return this;
  }

  /** The quorum: {@code k} of all the log's witnesses. */
  public Targets quorumOf(int k) {
    this.group = Optional.of("group q " + k + " " + String.join(" ", log.witnessNames()) + "\n");
    this.quorum = "q";
    return this;
  }

  /** The log's key alone: no witnesses in the policy. */
  public Targets unwitnessed() {
    this.witnessed = false;
    return this;
  }

  /** Every witness's monitoring endpoint, as the rogue log serves it. */
  public Targets endpoints() {
    log.witnessNames().forEach(w -> endpoints.put(w, log.witnessUrl(w)));
    return this;
  }

  /** Witness {@code witness}'s monitoring endpoint at {@code prefix}. */
  public Targets endpoint(String witness, URI prefix) {
    endpoints.put(witness, prefix);
    return this;
  }

  /** The cosignatures the monitor requires. */
  public Targets required(int n) {
    this.required = n;
    return this;
  }

  /** The oldest the checkpoint may be. */
  public Targets maxCheckpointAge(Duration d) {
    this.maxCheckpointAge = d;
    return this;
  }

  /** The oldest a witness's newest cosignature may be. */
  public Targets maxCosignatureAge(Duration d) {
    this.maxCosignatureAge = d;
    return this;
  }

  /** A watch rule matching entries containing {@code s}. */
  public Targets substring(String rule, String s) {
    watch.add(new WatchRule(rule, Optional.of(s), Optional.empty(), Optional.empty()));
    return this;
  }

  /** A watch rule matching entries {@code regex} finds in. */
  public Targets regex(String rule, String regex) {
    watch.add(new WatchRule(rule, Optional.empty(), Optional.of(Pattern.compile(regex)),
        Optional.empty()));
    return this;
  }

  /** A watch rule matching the entry of this SHA-256 (hex). */
  public Targets sha256(String rule, String hex) {
    watch.add(new WatchRule(rule, Optional.empty(), Optional.empty(), Optional.of(hex)));
    return this;
  }

  /** The policy text: the log's key, every witness (unless unwitnessed), the group if any, the quorum. */
  public String policy() {
    if (!witnessed) {
      return "log " + log.vkey() + "\nquorum none\n";
    }
    String text = log.policy(quorum);
    return group.map(g -> text.replace("quorum " + quorum + "\n", g + "quorum " + quorum + "\n"))
        .orElse(text);
  }

  /** The target. */
  public LogTarget build() {
    return new LogTarget(name, log.url(), Policy.parse(policy()), maxCheckpointAge, endpoints,
        required, watch, maxCosignatureAge);
  }
}
