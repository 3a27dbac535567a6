package dev.cairn.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Witnesses {@code w1.example} … as {@code cairn witness serve} processes, started at once for
 * the log whose keys {@code logsFile} lists, and the tlog-policy lines naming them: each witness
 * {@code wN} is a group of its Ed25519 key {@code wN-ed} and its ML-DSA-44 key {@code wN-pq},
 * both of which must cosign.
 */
final class WitnessProcesses {
  private WitnessProcesses() {}

  /**
   * Starts {@code count} witnesses with their data in {@code tmp/w1} …, their output in {@code
   * outputs/<prefix>w1.example.log} …, and returns them in order once each is healthy.
   */
  static List<ServerProcess> start(Path tmp, Path logsFile, int count, Path outputs,
      String prefix) {
    List<CompletableFuture<ServerProcess>> starting = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      String name = "w" + i + ".example";
      Path dir = tmp.resolve("w" + i);
      Path output = outputs.resolve(prefix + name + ".log");
      starting.add(CompletableFuture.supplyAsync(() -> {
        try {
          return ServerProcess.startWitness(dir, output, List.of("--logs", logsFile.toString(),
              "--name", name, "--rate-limit-log", "0"));
        } catch (IOException | InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    return starting.stream().map(CompletableFuture::join).toList();
  }

  /**
   * Creates a log of {@code origin} in {@code data} (its keys, nothing served) and returns its
   * policy {@code log} lines: the witnesses need them before the log starts, to cosign for it.
   */
  static String newLogLines(Path data, String origin) throws IOException {
    StringBuilder lines = new StringBuilder();
    try (dev.cairn.log.TransparencyLog log = dev.cairn.log.TransparencyLog.open(
        new dev.cairn.log.LogConfig(data, java.util.Optional.of(origin),
            dev.cairn.log.sequencing.SequencerConfig.DEFAULT, java.time.Duration.ofSeconds(1),
            java.time.Clock.systemUTC()))) {
      log.keys().ring().signingOrder()
          .forEach(e -> lines.append("log ").append(e.key().encode()).append('\n'));
    }
    return lines.toString();
  }

  /** The policy's witness and group lines for {@code witnesses} as {@link #start} made them. */
  static String policyLines(Path tmp, List<ServerProcess> witnesses) throws IOException {
    StringBuilder p = new StringBuilder();
    for (int i = 1; i <= witnesses.size(); i++) {
      List<String> vkeys = Files.readAllLines(tmp.resolve("w" + i).resolve("witness.vkey"));
      String url = witnesses.get(i - 1).base().toString().replaceAll("/$", "");
      p.append("witness w").append(i).append("-ed ").append(vkeys.get(0)).append(' ')
          .append(url).append('\n');
      p.append("witness w").append(i).append("-pq ").append(vkeys.get(1)).append(' ')
          .append(url).append('\n');
      p.append("group w").append(i).append(" all w").append(i).append("-ed w").append(i)
          .append("-pq\n");
    }
    return p.toString();
  }
}
