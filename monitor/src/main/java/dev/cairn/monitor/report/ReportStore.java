package dev.cairn.monitor.report;

import dev.cairn.log.storage.embedded.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A directory of reports: {@code <run-id>.json} ({@link ReportJson}) and {@code <run-id>.html}
 * ({@link ReportHtml}) for each run, temporary files in {@code tmp/}.
 *
 * <p>A report exists once its JSON file does. Files are replaced atomically and durably ({@link
 * AtomicFiles}: a synced temporary file renamed into place, then the directory synced), and
 * {@link #write} puts the HTML in place before the JSON, so a crash leaves a report whole or
 * absent: at worst an HTML file without its JSON, or temporary files, which {@link #open}
 * removes and nothing else ever reads.
 *
 * <p>Run IDs are {@code [A-Za-z0-9._-]{1,64}} not starting with a dot; anything else is refused
 * with an {@link IllegalArgumentException} naming it, before any path is built from it.
 *
 * <p>One process owns the directory: the order of reports (by {@code started}, then run ID) is
 * kept in memory, read from the files on {@link #open}. Thread-safe: every method holds the
 * store's lock, so a report is never listed, read or deleted while it is being written.
 */
public final class ReportStore {
  /** The most reports one {@link #list} returns. */
  public static final int MAX_PAGE = 100;

  /**
   * One page of reports, newest first.
   *
   * @param reports the reports
   * @param next the run ID to pass as {@code after} for the next page, if there are more
   */
  public record Page(List<Report> reports, Optional<String> next) {
    /** Copies the list. */
    public Page {
      reports = List.copyOf(reports);
      Objects.requireNonNull(next, "next");
    }
  }

  private record Key(Instant started, String runId) {}

  /** Newest first: latest {@code started}, then the greater run ID. */
  private static final Comparator<Key> NEWEST_FIRST = Comparator.comparing(Key::started)
      .thenComparing(Key::runId).reversed();

  private final Path dir;
  private final Path tmp;
  /** Guarded by {@code this}, like {@link #byId}. */
  private final NavigableSet<Key> order = new TreeSet<>(NEWEST_FIRST);
  private final Map<String, Key> byId = new HashMap<>();

  private ReportStore(Path dir) {
    this.dir = dir;
    this.tmp = dir.resolve("tmp");
  }

  /**
   * Opens the store in {@code dir}, creating it if missing; removes what a crash left (temporary
   * files, HTML without its JSON) and reads the run ID and start of every report.
   *
   * @throws IOException if the directory cannot be used, or a report in it cannot be read or is
   *     not valid (the message names the file)
   */
  public static ReportStore open(Path dir) throws IOException {
    Path abs = dir.toAbsolutePath();
    if (!Files.isDirectory(abs)) {
      Files.createDirectories(abs);
      AtomicFiles.syncDirectory(abs.getParent());
    }
    ReportStore store = new ReportStore(abs);
    AtomicFiles.prepareTmpDir(store.tmp);
    store.load();
    return store;
  }

  private void load() throws IOException {
    List<Path> files;
    try (var list = Files.list(dir)) {
      files = list.filter(Files::isRegularFile).toList();
    }
    boolean removed = false;
    for (Path f : files) {
      String name = f.getFileName().toString();
      if (name.endsWith(".html") && isRunId(strip(name, ".html"))
          && !Files.exists(jsonFile(strip(name, ".html")))) {
        Files.delete(f); // written before a JSON that never came, or left by a deletion
        removed = true;
      } else if (name.endsWith(".json") && isRunId(strip(name, ".json"))) {
        String runId = strip(name, ".json");
        Report r;
        try {
          r = ReportJson.read(Files.readAllBytes(f));
        } catch (InvalidReportException e) {
          throw new IOException("couldn't open the report store: " + f + ": " + e.getMessage(),
              e);
        }
        if (!r.runId().equals(runId)) {
          throw new IOException("couldn't open the report store: " + f + " holds the report of"
              + " run " + ReportReader.quote(r.runId()));
        }
        index(r);
      }
    }
    if (removed) {
      AtomicFiles.syncDirectory(dir);
    }
  }

  /**
   * Keeps {@code report} durably, unless it is kept already with the same JSON.
   *
   * @return whether it was written now (false: it was kept already)
   * @throws InvalidReportException if the report cannot be written as JSON ({@link
   *     ReportJson#write}), such as for an invalid run ID
   * @throws IllegalStateException if a different report of the same run is kept: a run's report
   *     never changes
   * @throws IOException if the files cannot be written
   */
  public synchronized boolean write(Report report) throws IOException {
    byte[] json = ReportJson.write(report); // checks the run ID first
    Path jsonFile = jsonFile(report.runId());
    Optional<byte[]> kept = AtomicFiles.read(jsonFile);
    if (kept.isPresent()) {
      if (Arrays.equals(kept.get(), json)) {
        return false;
      }
      throw new IllegalStateException("the report of run " + report.runId() + " is kept already"
          + " with other content: a run's report does not change");
    }
    // The HTML first: the JSON makes the report exist, so it must come last. Each write syncs
    // the directory, so the HTML's name is durable before the JSON's rename can be.
    AtomicFiles.write(htmlFile(report.runId()), ReportHtml.render(report), tmp);
    AtomicFiles.write(jsonFile, json, tmp);
    index(report);
    return true;
  }

  /**
   * The report of run {@code runId}, if it is kept.
   *
   * @throws IllegalArgumentException if {@code runId} is not a valid run ID
   * @throws IOException if it cannot be read, or is not valid
   */
  public synchronized Optional<Report> read(String runId) throws IOException {
    Optional<byte[]> json = AtomicFiles.read(jsonFile(checkRunId(runId)));
    if (json.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(ReportJson.read(json.get()));
    } catch (InvalidReportException e) {
      throw new IOException("couldn't read " + jsonFile(runId) + ": " + e.getMessage(), e);
    }
  }

  /**
   * The HTML page of run {@code runId}, if its report is kept (rendered again should its HTML
   * file be missing).
   *
   * @throws IllegalArgumentException if {@code runId} is not a valid run ID
   * @throws IOException if it cannot be read
   */
  public synchronized Optional<byte[]> html(String runId) throws IOException {
    if (!Files.exists(jsonFile(checkRunId(runId)))) {
      return Optional.empty();
    }
    Optional<byte[]> html = AtomicFiles.read(htmlFile(runId));
    if (html.isPresent()) {
      return html;
    }
    return read(runId).map(ReportHtml::render);
  }

  /**
   * The newest reports, at most {@code limit}.
   *
   * @throws IllegalArgumentException unless {@code limit} is 1 to {@value #MAX_PAGE}
   */
  public synchronized Page list(int limit) throws IOException {
    return page(order, limit);
  }

  /**
   * The reports after (older than) run {@code after} in the order newest first, at most {@code
   * limit}. A run that is no longer kept has no reports after it: retention deletes the oldest
   * first, so everything older than a deleted report is deleted too.
   *
   * @throws IllegalArgumentException if {@code after} is not a valid run ID, or unless {@code
   *     limit} is 1 to {@value #MAX_PAGE}
   */
  public synchronized Page list(String after, int limit) throws IOException {
    Key from = byId.get(checkRunId(after));
    if (from == null) {
      checkLimit(limit);
      return new Page(List.of(), Optional.empty());
    }
    return page(order.tailSet(from, false), limit);
  }

  private Page page(NavigableSet<Key> keys, int limit) throws IOException {
    checkLimit(limit);
    List<Report> reports = new ArrayList<>();
    for (Key k : keys) {
      if (reports.size() == limit) {
        return new Page(reports, Optional.of(reports.getLast().runId()));
      }
      reports.add(read(k.runId()).orElseThrow(() -> new IOException("the report of run "
          + k.runId() + " was deleted behind the store's back: " + jsonFile(k.runId()))));
    }
    return new Page(reports, Optional.empty());
  }

  /**
   * Deletes the reports that started before {@code now - maxAge}, and those beyond the newest
   * {@code maxCount}.
   *
   * @return how many were deleted
   * @throws IllegalArgumentException unless {@code maxAge} is positive and {@code maxCount} at
   *     least 1
   */
  public synchronized int retain(Duration maxAge, int maxCount, Instant now) throws IOException {
    if (maxAge.isNegative() || maxAge.isZero() || maxCount < 1) {
      throw new IllegalArgumentException("reports are kept for a positive time (got " + maxAge
          + ") and at least 1 of them (got " + maxCount + ")");
    }
    Instant oldest = now.minus(maxAge);
    List<Key> doomed = new ArrayList<>();
    int position = 0;
    for (Key k : order) {
      if (position++ >= maxCount || k.started().isBefore(oldest)) {
        doomed.add(k);
      }
    }
    for (Key k : doomed) {
      // The JSON first: once it is gone the report is, and an HTML file left by a crash here
      // is removed on open. One directory sync covers them all: a deletion a crash undoes is
      // done again by the next retain.
      Files.deleteIfExists(jsonFile(k.runId()));
      order.remove(k);
      byId.remove(k.runId());
      Files.deleteIfExists(htmlFile(k.runId()));
    }
    if (!doomed.isEmpty()) {
      AtomicFiles.syncDirectory(dir);
    }
    return doomed.size();
  }

  private void index(Report r) {
    Key k = new Key(r.started(), r.runId());
    byId.put(r.runId(), k);
    order.add(k);
  }

  private Path jsonFile(String runId) {
    return dir.resolve(runId + ".json");
  }

  private Path htmlFile(String runId) {
    return dir.resolve(runId + ".html");
  }

  private static boolean isRunId(String s) {
    return ReportJson.RUN_ID.matcher(s).matches();
  }

  private static String checkRunId(String runId) {
    if (!isRunId(runId)) {
      throw new IllegalArgumentException("invalid run ID " + ReportReader.quote(runId)
          + ": [A-Za-z0-9._-]{1,64}, not starting with a dot");
    }
    return runId;
  }

  private static void checkLimit(int limit) {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new IllegalArgumentException("a page holds 1 to " + MAX_PAGE + " reports, not "
          + limit);
    }
  }

  private static String strip(String name, String suffix) {
    return name.substring(0, name.length() - suffix.length());
  }
}
