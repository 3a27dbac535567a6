package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;

/** {@code cairn witness serve} run in-process by a test: started, used, stopped. */
final class ServingWitness {
  private ServingWitness() {}

  /** What runs while the witness serves on {@code port}. */
  interface WhileServing {
    void run(int port) throws Exception;
  }

  /**
   * Runs {@code witness serve args} (which give {@code --listen}) until it says where it
   * serves, runs {@code body} with its port, stops it, checks it exited 0, and returns all it
   * printed.
   */
  static String run(List<String> args, WhileServing body) throws Exception {
    WitnessCommand.Serve serve = new WitnessCommand.Serve();
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(serve);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(out, true));
    CompletableFuture<Integer> running = CompletableFuture.supplyAsync(() -> cl.execute(
        args.toArray(String[]::new)));
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!out.toString().contains("serving at")) {
        assertThat(running).as(out.toString()).isNotDone();
        assertThat(System.nanoTime()).as("started within 30 s").isLessThan(deadline);
        Thread.onSpinWait();
      }
      body.run(Integer.parseInt(out.toString().replaceAll(
          "(?s).*serving at https?://[^ ]+:(\\d+).*", "$1")));
    } finally {
      serve.stop.countDown();
    }
    assertThat(running.get()).as(out.toString()).isZero();
    return out.toString();
  }
}
