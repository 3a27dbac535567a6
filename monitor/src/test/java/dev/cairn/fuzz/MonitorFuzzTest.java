package dev.cairn.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cairn.monitor.config.ConfigException;
import dev.cairn.monitor.config.MonitorConfig;
import dev.cairn.monitor.config.MonitorConfigFile;
import dev.cairn.monitor.report.InvalidReportException;
import dev.cairn.monitor.report.Report;
import dev.cairn.monitor.report.ReportJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the monitor reads: its YAML configuration is refused with a {@link ConfigException}
 * naming the file or loaded; a stored report (which {@code cairn monitor report} and the
 * monitor's HTTP API read back) is refused with an {@link InvalidReportException} or read into
 * a report that writes itself out and reads back as the same report, byte for byte. Any other
 * exception is a bug.
 */
class MonitorFuzzTest {
  @TempDir static Path dir;

  @FuzzTest(maxDuration = "2m")
  void config(byte[] data) throws IOException {
    Path file = dir.resolve("monitor.yaml");
    Files.write(file, data);
    MonitorConfig config;
    try {
      config = MonitorConfigFile.load(file, Map.of(), false);
    } catch (ConfigException e) {
      assertThat(e.getMessage()).contains(file.toString());
      return;
    }
    assertThat(config.logs()).isNotEmpty();
  }

  @FuzzTest(maxDuration = "2m")
  void report(byte[] data) {
    Report report;
    try {
      report = ReportJson.read(data);
    } catch (InvalidReportException expected) {
      return;
    }
    byte[] written = ReportJson.write(report);
    assertThat(ReportJson.read(written)).isEqualTo(report);
    assertThat(ReportJson.write(ReportJson.read(written))).isEqualTo(written);
  }
}
