package dev.cairn.interop;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code cairn} commands in this JVM, as {@code dev.cairn.cli.Main} would from a shell. */
final class CairnCli {
  /** What one command printed and its exit code. */
  record Result(int code, String out, String err) {
    /** The whole outcome, for an assertion's message. */
    String describe() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private CairnCli() {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = dev.cairn.cli.Main.run(args, new PrintWriter(out, true),
        new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }
}
