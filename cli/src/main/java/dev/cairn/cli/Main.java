package dev.cairn.cli;

import dev.cairn.cli.settings.SettingsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cairn} executable. */
@Command(
    name = "cairn",
    mixinStandardHelpOptions = true,
    // Every command takes --help (and --version), e.g. `cairn serve --help`.
    scope = CommandLine.ScopeType.INHERIT,
    versionProvider = Main.Version.class,
    description = "A verifiable transparency log.")
public final class Main implements Runnable {
  /**
   * The subcommands, in the order the help lists them. {@link #run} adds only the one that runs
   * when the first argument names it: each adds its options by reflection, which every start
   * of every command paid for.
   */
  private static final List<Class<?>> COMMANDS = List.of(
      VersionCommand.class,
      ServeCommand.class,
      WitnessCommand.class,
      MonitorCommand.class,
      VerifyCommand.class,
      BackupCommand.class,
      RestoreCommand.class,
      HelloCommand.class,
      TrainCommand.class,
      KeygenCommand.class,
      ReleaseCommand.class,
      KeyCommand.class,
      VkeyCommand.class,
      CommandLine.HelpCommand.class);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line with the given output streams and returns the exit code. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Main());
    Class<?> named = args.length == 0 ? null : COMMANDS.stream()
        .filter(c -> c.getAnnotation(Command.class).name().equals(args[0])).findFirst()
        .orElse(null);
    for (Class<?> c : COMMANDS) {
      // `cairn help COMMAND` needs the others.
      if (named == null || named == CommandLine.HelpCommand.class || c == named) {
        // A CommandLine of its own, which applies its model transformer (ServeCommand's).
        cl.addSubcommand(new CommandLine(c));
      }
    }
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(Main::failed);
    return cl.execute(args);
  }

  /** Says why a command failed, on its error stream, and gives its exit code. */
  static int failed(Exception e, CommandLine commandLine, CommandLine.ParseResult parsed) {
    if (e instanceof CliException ce) {
      commandLine.getErr().println("cairn: " + ce.getMessage());
      return ce.exitCode();
    }
    if (e instanceof SettingsException se) {
      commandLine.getErr().println("cairn: " + se.getMessage());
      return CliException.USAGE;
    }
    commandLine.getErr().println("cairn: " + e);
    e.printStackTrace(commandLine.getErr());
    return 70;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The version from the build. */
  static String version() {
    return buildProperty("version");
  }

  /**
   * The commit the build was made from, as {@code -Dcairn.commit} gave it to Maven ({@code
   * ./cairn} passes {@code git rev-parse HEAD}); {@code unknown} when it was not given.
   */
  static String commit() {
    return buildProperty("commit");
  }

  private static String buildProperty(String key) {
    try (InputStream in = Main.class.getResourceAsStream("/cairn-version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      String v = p.getProperty(key, "unknown");
      return v.isBlank() || v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      return "unknown";
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"cairn " + version()};
    }
  }
}
