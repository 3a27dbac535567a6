package dev.cairn.monitor.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.checkpoint.Checkpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link RogueLog} as a separate process, driven over stdin and stdout.
 *
 * <pre>
 *   java -cp &lt;test classpath&gt; dev.cairn.monitor.testing.RogueLog [--port P] [--seed S]
 *       [--origin O] [--witness NAME]... [--size N] [--state-file F]
 * </pre>
 *
 * <p>When the server is up, stdout gets one JSON line, {@code {"ready":true, "url":...,
 * "origin":..., "vkey":..., "originHash":..., "witnesses":[{"name":..., "vkey":..., "url":...,
 * "checkpointUrl":...}], "size":..., "root":..., "replayed":N}}. Then each line on stdin is one
 * command, answered by one JSON line: {@code {"ok":true, "command":..., "size":..., "root":...}}
 * (the log's checkpoint after the command, root in base64) or {@code {"ok":false,
 * "command":..., "error":...}}. Nothing else is written to stdout. The commands:
 *
 * <pre>
 *   grow N                     append N entries
 *   fork N                     rewrite the newest entry, append N
 *   split-view [W [AHEAD]]     witness W (default the first) holds another checkpoint of the
 *                              log's size (+ AHEAD); the answer adds "witness":{name,size,root}
 *   stale AGE                  cosignatures dated AGE ago (2h, 90m, 30s, 1d, 500ms or PT2H)
 *   future AHEAD               cosignatures dated AHEAD in the future
 *   bad-signature              corrupt the log's signature
 *   bad-root-tiles [entry|leaf-hash|level-1]
 *   cosigners [W...]           only these witnesses cosign from now on
 *   repair                     undo all but forks
 *   down STATUS | drop | up    fail every request with STATUS, drop connections, recover
 *   fail-next N [STATUS]       fail the next N requests (503 by default)
 *   requests [PATH]            add "requests": the count for PATH, or the total
 *   status                     just the state
 *   quit                       answer, stop the server and exit 0
 * </pre>
 *
 * <p>With {@code --state-file}, every command that changes the log is appended to that file
 * once it succeeded, and a file already there is replayed at start: a log killed and started
 * again with the same arguments serves the same tree (cosignatures get new timestamps). Keys
 * derive from the seed and names alone ({@link RogueLog#logKey}, {@link RogueLog#witnessKey}).
 * Exit status: 0 after {@code quit} or the end of stdin, 2 for bad arguments.
 */
final class RogueLogCli {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private RogueLogCli() {}

  /** Runs the log until {@code quit} or the end of {@code in}; returns the exit status. */
  static int run(String[] args, InputStream in, PrintStream out, PrintStream err)
      throws IOException {
    RogueLog.Builder builder = RogueLog.builder();
    Optional<Path> stateFile = Optional.empty();
    List<String> witnesses = new ArrayList<>();
    try {
      for (int i = 0; i < args.length; i++) {
        String value = i + 1 < args.length ? args[i + 1] : null;
        if (value == null) {
          throw new IllegalArgumentException(args[i] + " needs a value");
        }
        switch (args[i]) {
          case "--port" -> builder.port(Integer.parseInt(value));
          case "--seed" -> builder.seed(Long.parseLong(value));
          case "--origin" -> builder.origin(value);
          case "--witness" -> witnesses.add(value);
          case "--size" -> builder.size(Long.parseLong(value));
          case "--state-file" -> stateFile = Optional.of(Path.of(value));
          default -> throw new IllegalArgumentException("unknown argument " + args[i]);
        }
        i++;
      }
      builder.witnesses(witnesses.toArray(String[]::new));
    } catch (IllegalArgumentException e) {
      err.println("rogue log: " + e.getMessage());
      return 2;
    }
    try (RogueLog log = builder.start()) {
      int replayed = 0;
      if (stateFile.isPresent() && Files.exists(stateFile.get())) {
        for (String line : Files.readAllLines(stateFile.get(), StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            execute(log, line.strip());
            replayed++;
          }
        }
      }
      out.println(ready(log, replayed));
      out.flush();
      BufferedReader commands = new BufferedReader(
          new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line; (line = commands.readLine()) != null; ) {
        String command = line.strip();
        if (command.isEmpty()) {
          continue;
        }
        ObjectNode answer;
        try {
          answer = execute(log, command);
          if (stateFile.isPresent() && changesTheLog(command)) {
            Files.writeString(stateFile.get(), command + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
          }
        } catch (RuntimeException e) {
          answer = JSON.createObjectNode().put("ok", false).put("command", command)
              .put("error", String.valueOf(e.getMessage()));
        }
        out.println(answer);
        out.flush();
        if (command.equals("quit")) {
          break;
        }
      }
    }
    return 0;
  }

  private static boolean changesTheLog(String command) {
    String verb = command.split("\\s+")[0];
    return !verb.equals("status") && !verb.equals("requests") && !verb.equals("quit");
  }

  private static ObjectNode ready(RogueLog log, int replayed) {
    ObjectNode o = JSON.createObjectNode().put("ready", true)
        .put("url", log.url().toString()).put("origin", log.origin()).put("vkey", log.vkey())
        .put("originHash", log.originHash());
    ArrayNode ws = o.putArray("witnesses");
    for (String w : log.witnessNames()) {
      ws.addObject().put("name", w).put("vkey", log.witnessVkey(w))
          .put("url", log.witnessUrl(w).toString())
          .put("checkpointUrl", log.witnessCheckpointUrl(w).toString());
    }
    RogueLog.Status s = log.status();
    return o.put("size", s.size()).put("root", s.root().toBase64()).put("replayed", replayed);
  }

  /**
   * Carries out one command.
   *
   * @throws IllegalArgumentException for an unknown or malformed command
   * @throws IllegalStateException if the log cannot do it now (too small, no witness)
   */
  static ObjectNode execute(RogueLog log, String command) {
    String[] w = command.split("\\s+");
    ObjectNode extra = JSON.createObjectNode();
    switch (w[0]) {
      case "grow" -> log.grow(number(w, 1));
      case "fork" -> log.fork(number(w, 1));
      case "split-view" -> {
        String witness = w.length > 1 ? w[1] : firstWitness(log);
        Checkpoint cp = log.splitView(witness, w.length > 2 ? number(w, 2) : 0);
        extra.putObject("witness").put("name", witness).put("size", cp.size())
            .put("root", cp.root().toBase64());
      }
      case "stale" -> log.stale(duration(w, 1));
      case "future" -> log.futureCosignature(duration(w, 1));
      case "bad-signature" -> log.badSignature();
      case "bad-root-tiles" -> log.badRootTiles(w.length > 1
          ? RogueLog.Corruption.valueOf(w[1].toUpperCase(Locale.ROOT).replace('-', '_'))
          : RogueLog.Corruption.ENTRY);
      case "cosigners" -> log.cosigners(List.of(w).subList(1, w.length).toArray(String[]::new));
      case "repair" -> log.repair();
      case "down" -> log.down((int) number(w, 1));
      case "drop" -> log.dropConnections();
      case "up" -> log.up();
      case "fail-next" -> log.failNext((int) number(w, 1), w.length > 2 ? (int) number(w, 2)
          : 503);
      case "requests" -> extra.put("requests",
          w.length > 1 ? log.requests(w[1]) : log.totalRequests());
      case "status", "quit" -> { }
      default -> throw new IllegalArgumentException("unknown command \"" + w[0] + "\"");
    }
    RogueLog.Status s = log.status();
    ObjectNode o = JSON.createObjectNode().put("ok", true).put("command", command)
        .put("size", s.size()).put("root", s.root().toBase64());
    o.setAll(extra);
    return o;
  }

  private static String firstWitness(RogueLog log) {
    if (log.witnessNames().isEmpty()) {
      throw new IllegalStateException("the log holds no witness keys");
    }
    return log.witnessNames().get(0);
  }

  private static long number(String[] w, int i) {
    if (w.length <= i) {
      throw new IllegalArgumentException(w[0] + " needs a number");
    }
    try {
      return Long.parseLong(w[i]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(w[0] + ": not a number: " + w[i]);
    }
  }

  /** {@code 2h}, {@code 90m}, {@code 30s}, {@code 1d}, {@code 500ms}, or ISO-8601 {@code PT2H}. */
  static Duration duration(String[] w, int i) {
    if (w.length <= i) {
      throw new IllegalArgumentException(w[0] + " needs a duration");
    }
    Matcher m = SHORT_DURATION.matcher(w[i]);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      return Duration.parse(w[i]);
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException(w[0] + ": not a duration: " + w[i]);
    }
  }
}
