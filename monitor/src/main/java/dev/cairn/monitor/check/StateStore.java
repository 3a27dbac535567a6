package dev.cairn.monitor.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.log.storage.embedded.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The accepted state of each log, one JSON file per log under {@code logs/} of the state
 * directory, replaced atomically (written aside, forced to disk, renamed): a crash leaves the
 * old state or the new one, never a mix.
 */
public final class StateStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private final Path dir;
  private final Path tmp;

  private StateStore(Path dir, Path tmp) {
    this.dir = dir;
    this.tmp = tmp;
  }

  /** The store under {@code stateDir}, created if missing. */
  public static StateStore open(Path stateDir) throws IOException {
    Path dir = stateDir.resolve("logs");
    Path tmp = stateDir.resolve("tmp");
    Files.createDirectories(dir);
    AtomicFiles.prepareTmpDir(tmp);
    return new StateStore(dir, tmp);
  }

  /** The state accepted for {@code log}, if any. */
  public Optional<LogState> read(String log) throws IOException {
    Optional<byte[]> data = AtomicFiles.read(file(log));
    if (data.isEmpty()) {
      return Optional.empty();
    }
    JsonNode o;
    try {
      o = JSON.readTree(data.get());
      return Optional.of(new LogState(o.get("note").asText(), o.get("size").asLong(),
          o.get("root").asText(), Instant.parse(o.get("seen_since").asText()),
          Instant.parse(o.get("accepted_at").asText()), o.get("run_id").asText()));
    } catch (IOException | RuntimeException e) {
      throw new IOException("the monitor's state of log " + log + " in " + file(log)
          + " is unreadable (" + e.getMessage() + "); move it aside to start that log afresh",
          e);
    }
  }

  /** Replaces the state of {@code log}. */
  public void write(String log, LogState s) throws IOException {
    ObjectNode o = JSON.createObjectNode().put("note", s.note()).put("size", s.size())
        .put("root", s.root()).put("seen_since", s.seenSince().toString())
        .put("accepted_at", s.acceptedAt().toString()).put("run_id", s.runId());
    AtomicFiles.write(file(log), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o),
        tmp);
  }

  /**
   * Deletes the state of logs not in {@code configured} that was accepted before {@code before}
   * (a log removed from the configuration for longer than the retention): a log configured
   * again later is replayed from its first entry.
   *
   * @return the names of the logs whose state was deleted
   */
  public java.util.List<String> prune(java.util.Set<String> configured, Instant before)
      throws IOException {
    java.util.List<String> removed = new java.util.ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        if (!name.endsWith(".json")) {
          continue;
        }
        String log = name.substring(0, name.length() - ".json".length());
        if (configured.contains(log) || !NAME.matcher(log).matches()) {
          continue;
        }
        Optional<LogState> s;
        try {
          s = read(log);
        } catch (IOException unreadable) {
          continue; // not ours to judge: left for an operator, as read() says
        }
        if (s.isPresent() && s.get().acceptedAt().isBefore(before)) {
          Files.delete(f);
          removed.add(log);
        }
      }
    }
    if (!removed.isEmpty()) {
      AtomicFiles.syncDirectory(dir);
    }
    return removed;
  }

  private Path file(String log) {
    if (!NAME.matcher(log).matches()) {
      throw new IllegalArgumentException("a log's name must be 1 to 64 of A-Z a-z 0-9 . _ -,"
          + " not \"" + log + "\"");
    }
    return dir.resolve(log + ".json");
  }
}
