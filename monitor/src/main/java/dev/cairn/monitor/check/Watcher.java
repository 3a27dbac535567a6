package dev.cairn.monitor.check;

import dev.cairn.monitor.config.MonitorConfig.LogTarget;
import dev.cairn.monitor.config.MonitorConfig.WatchRule;
import dev.cairn.monitor.report.Evidence;
import dev.cairn.monitor.report.Finding;
import dev.cairn.monitor.report.Rule;
import dev.cairn.read.Replay;
import dev.cairn.tile.EntryBundle;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Matches every new entry of a replay against a log's watch rules: each match is an {@code
 * entry.watch_match} finding naming the rule, the entry's index and SHA-256, and the start of
 * the entry. At most {@link LogAudit#MAX_MATCHES} findings per rule and run; the matches beyond
 * are counted in one more finding, so a rule that matches everything cannot flood the report.
 */
final class Watcher implements Replay.BundleObserver {
  private static final HexFormat HEX = HexFormat.of();
  private static final int PREVIEW = 200;

  private final LogTarget target;
  private final long from;
  private final Instant now;
  private final List<Finding> findings = new ArrayList<>();
  private final Map<String, Long> overflow = new LinkedHashMap<>();
  private final Map<String, Integer> counts = new LinkedHashMap<>();
  private final boolean needsSha256;
  private final MessageDigest sha256;

  Watcher(LogTarget target, long from, Instant now) {
    this.target = target;
    this.from = from;
    this.now = now;
    this.needsSha256 = target.watch().stream().anyMatch(r -> r.sha256().isPresent());
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void bundle(EntryBundle bundle, byte[] entries, byte[] leafHashes) {
    if (target.watch().isEmpty()) {
      return;
    }
    int off = 0;
    for (int i = 0; i < bundle.width(); i++) {
      int len = (entries[off] & 0xff) << 8 | (entries[off + 1] & 0xff);
      int start = off + 2;
      off = start + len;
      long index = bundle.firstEntry() + i;
      if (index < from) {
        continue;
      }
      String hash = null;
      CharSequence text = null;
      for (WatchRule rule : target.watch()) {
        boolean hit;
        if (rule.substring().isPresent()) {
          hit = contains(entries, start, len, rule.substring().get()
              .getBytes(StandardCharsets.UTF_8));
        } else if (rule.regex().isPresent()) {
          if (text == null) {
            text = new Interruptible(new String(entries, start, len, StandardCharsets.UTF_8));
          }
          hit = rule.regex().get().matcher(text).find();
        } else {
          if (hash == null && needsSha256) {
            sha256.update(entries, start, len);
            hash = HEX.formatHex(sha256.digest());
          }
          hit = rule.sha256().get().equalsIgnoreCase(hash);
        }
        if (hit) {
          match(rule, index, entries, start, len, hash);
        }
      }
    }
  }

  private void match(WatchRule rule, long index, byte[] entries, int start, int len,
      String hash) {
    int n = counts.merge(rule.name(), 1, Integer::sum);
    if (n > LogAudit.MAX_MATCHES) {
      overflow.merge(rule.name(), 1L, Long::sum);
      return;
    }
    if (hash == null) {
      sha256.update(entries, start, len);
      hash = HEX.formatHex(sha256.digest());
    }
    String preview = new String(entries, start, Math.min(len, PREVIEW), StandardCharsets.UTF_8)
        + (len > PREVIEW ? "..." : "");
    findings.add(Finding.of(Rule.ENTRY_WATCH_MATCH, target.name(), rule.name() + ":" + index,
        "Entry " + index + " of log " + target.name() + " matches watch rule " + rule.name()
            + ".", "entry " + index + " (" + len + " bytes, SHA-256 " + hash + ")",
        "entries matching " + describe(rule) + " to be ones you logged",
        List.of(new Evidence("entry", "entry " + index + ", SHA-256 " + hash, preview)), now));
  }

  List<Finding> findings() {
    List<Finding> all = new ArrayList<>(findings);
    overflow.forEach((rule, more) -> all.add(Finding.of(Rule.ENTRY_WATCH_MATCH, target.name(),
        rule + ":more-from-" + from, more + " more entries of log " + target.name()
            + " match watch rule " + rule + " than the " + LogAudit.MAX_MATCHES
            + " reported one by one.", more + " more matches",
        "at most " + LogAudit.MAX_MATCHES + " matches a run",
        List.of(Evidence.text("matches not listed", Long.toString(more))), now)));
    return all;
  }

  private static String describe(WatchRule rule) {
    return rule.substring().map(s -> "substring \"" + s + "\"")
        .or(() -> rule.regex().map(r -> "regular expression " + r.pattern()))
        .orElseGet(() -> "SHA-256 " + rule.sha256().orElseThrow());
  }

  private static boolean contains(byte[] data, int start, int len, byte[] needle) {
    if (needle.length == 0) {
      return true;
    }
    outer:
    for (int i = start, end = start + len - needle.length; i <= end; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (data[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /**
   * The text a regular expression reads, which ends the match when the audit's thread is
   * interrupted (its deadline passed): a pattern that backtracks without end on a hostile entry
   * would otherwise keep a core busy after the run gave up on the log.
   */
  static final class Interruptible implements CharSequence {
    private final CharSequence text;
    private int reads;

    Interruptible(CharSequence text) {
      this.text = text;
    }

    @Override
    public char charAt(int index) {
      if ((++reads & 0xffff) == 0 && Thread.currentThread().isInterrupted()) {
        throw new IllegalStateException("a watch rule's regular expression was interrupted:"
            + " the audit ran out of time");
      }
      return text.charAt(index);
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new Interruptible(text.subSequence(start, end));
    }

    @Override
    public String toString() {
      return text.toString();
    }
  }
}
