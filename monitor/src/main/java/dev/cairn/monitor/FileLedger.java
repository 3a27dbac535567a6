package dev.cairn.monitor;

import dev.cairn.log.storage.embedded.AtomicFiles;
import dev.cairn.monitor.report.Report;
import dev.cairn.monitor.report.ReportJson;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The ledger of open findings in {@code open-findings.json} of the state directory: a report in
 * the report's own JSON form (its run ID the last run applied, its findings those open after
 * it), replaced atomically.
 */
final class FileLedger implements Monitor.Ledger {
  private final Path file;
  private final Path tmp;
  private Optional<Report> cached;

  FileLedger(Path stateDir) throws IOException {
    this.file = stateDir.resolve("open-findings.json");
    this.tmp = stateDir.resolve("tmp");
    AtomicFiles.prepareTmpDir(tmp);
  }

  @Override
  public synchronized Optional<Report> read() throws IOException {
    if (cached == null) {
      Optional<byte[]> data = AtomicFiles.read(file);
      try {
        cached = data.map(ReportJson::read);
      } catch (IllegalArgumentException e) {
        throw new IOException("the ledger of open findings " + file + " is unreadable ("
            + e.getMessage() + "); move it aside to start afresh (open findings alert again)",
            e);
      }
    }
    return cached;
  }

  @Override
  public synchronized void write(Report ledger) throws IOException {
    AtomicFiles.write(file, ReportJson.write(ledger), tmp);
    cached = Optional.of(ledger);
  }
}
