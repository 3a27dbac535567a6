package dev.cairn.release.build;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * The readiness report of {@code scripts/evidence}: for each production control of the catalogue
 * ({@value #CATALOGUE}), the tests and scripts that prove it with their results in this run, read
 * from the Surefire and Failsafe XML reports; the open risks of {@value #THREAT_MODEL}; and an
 * overall status, {@code ready} only when every control's evidence ran and passed. Written to
 * {@value #OUT}{@code readiness.md} and {@code readiness.json}; docs/readiness.md explains both.
 *
 * <p>Runs as a JDK single-file source program ({@code java Evidence.java --root DIR}), so that it
 * needs no build of its own after a test run, and compiles in the release module for its tests.
 * That is why it uses JDK classes only and why the catalogue, the reports, the threat model and
 * both outputs share this one file.
 */
public final class Evidence {
  static final String CATALOGUE = "release/readiness-controls.txt";
  static final String THREAT_MODEL = "docs/security/threat-model.md";
  static final String OUT = "target/readiness/";
  /** From target/readiness/ back to the repository, for the report's links. */
  private static final String UP = "../../";
  private static final int LISTED_PROBLEMS = 10;
  private static final int MESSAGE_CHARS = 300;

  private Evidence() {}

  /** What an evidence item or a control came to, worst last. */
  public enum Status {
    PASSED("passed"), SKIPPED("skipped"), NOT_RUN("not run"), FAILED("failed");

    private final String text;

    Status(String text) {
      this.text = text;
    }

    public String text() {
      return text;
    }

    static Status worst(Status a, Status b) {
      return a.compareTo(b) >= 0 ? a : b;
    }
  }

  /** Input the report cannot be built from; the message names the file and what is wrong. */
  public static final class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadInputException(String message) {
      super(message);
    }
  }

  // ---------------------------------------------------------------- the catalogue

  /**
   * One evidence line: {@code module:Class[#methodPrefix]} (Class simple, qualified, or
   * {@code Outer$Inner}) or {@code script:TEST-name.xml [producing script]} for a report a script
   * writes under target/evidence/. Empty strings stand for an absent method or producer.
   */
  public record Ref(String module, String name, String method, String producer) {
    static final String SCRIPT = "script";

    public boolean isScript() {
      return module.equals(SCRIPT);
    }

    public String text() {
      return module + ":" + name + (method.isEmpty() ? "" : "#" + method);
    }

    /** The simple name of the top-level class: LogServerTest for a.b.LogServerTest$AddBatch. */
    public String outerSimpleName() {
      String simple = name.substring(name.lastIndexOf('.') + 1);
      int nested = simple.indexOf('$');
      return nested < 0 ? simple : simple.substring(0, nested);
    }

    /** The nested part of the name, with its $: "$AddBatch", or "". */
    String nestedSuffix() {
      int nested = name.indexOf('$');
      return nested < 0 ? "" : name.substring(nested);
    }

    /**
     * Whether a test case is this evidence's: for a class, one of the class found at
     * {@code source} (qualified by its package there, so that the reports of a moved or renamed
     * class an earlier run left behind never count) or a class nested in it, with a name starting
     * with the method prefix; for a script, any test case of the named report.
     */
    boolean matches(TestCase c, String source) {
      if (isScript()) {
        return c.module().equals(SCRIPT) && c.report().endsWith("/" + name);
      }
      String qualified = className(module, source) + nestedSuffix();
      return c.module().equals(module) && c.name().startsWith(method)
          && (c.className().equals(qualified) || c.className().startsWith(qualified + "$"));
    }
  }

  /** The class a test source MODULE/src/test/java/a/b/C.java defines: a.b.C. */
  static String className(String module, String source) {
    String prefix = module + "/src/test/java/";
    if (!source.startsWith(prefix) || !source.endsWith(".java")) {
      throw new IllegalArgumentException("not a test source of " + module + ": " + source);
    }
    return source.substring(prefix.length(), source.length() - ".java".length()).replace('/', '.');
  }

  /** A control: what it is, the threat-model rows it answers, the evidence that proves it. */
  public record Control(
      String id, String title, List<String> threats, List<Ref> evidence, boolean corpus) {}

  private static final Pattern ID = Pattern.compile("[a-z][a-z0-9-]*");
  private static final Pattern THREAT_ID = Pattern.compile("T[0-9]+");
  private static final Pattern CLASS_REF = Pattern.compile(
      "([a-z][a-z0-9-]*):((?:[a-z][a-z0-9_]*\\.)*[A-Z][A-Za-z0-9_]*(?:\\$[A-Z][A-Za-z0-9_]*)*)"
          + "(?:#([a-z][A-Za-z0-9_]*))?");
  private static final Pattern SCRIPT_REF =
      Pattern.compile("script:(TEST-[A-Za-z0-9._-]+\\.xml)(?: +([A-Za-z0-9._/-]+))?");

  /**
   * Parses the catalogue. Lines, leading spaces ignored, {@code #} starting a comment line:
   * <pre>
   * control ID TITLE…            starts a control; ID is [a-z][a-z0-9-]*, unique
   * threat T1 T2 …               threat-model rows the control answers
   * evidence MODULE:CLASS[#METHOD-PREFIX]
   * evidence script:TEST-NAME.xml [SCRIPT]   a report a script writes under target/evidence/
   * corpus                       also count the regression inputs of every *FuzzTest
   * </pre>
   * Every control has at least one evidence line.
   */
  public static List<Control> parseCatalogue(String text, String fileName) {
    List<Control> controls = new ArrayList<>();
    Draft draft = null;
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      String where = fileName + " line " + (i + 1) + ": ";
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] words = line.split("\\s+", 2);
      String rest = words.length > 1 ? words[1] : "";
      if (words[0].equals("control")) {
        if (draft != null) {
          controls.add(draft.control(fileName));
        }
        String[] idTitle = rest.split("\\s+", 2);
        if (!ID.matcher(idTitle[0]).matches() || idTitle.length < 2) {
          throw new BadInputException(where + "expected \"control ID TITLE\" with ID "
              + ID.pattern() + ", got \"" + line + "\"");
        }
        if (controls.stream().anyMatch(c -> c.id().equals(idTitle[0]))) {
          throw new BadInputException(where + "control " + idTitle[0] + " again");
        }
        draft = new Draft(idTitle[0], idTitle[1]);
        continue;
      }
      if (draft == null) {
        throw new BadInputException(where + "\"" + words[0] + "\" before the first control");
      }
      switch (words[0]) {
        case "threat" -> {
          for (String t : rest.split("\\s+")) {
            if (!THREAT_ID.matcher(t).matches()) {
              throw new BadInputException(where + "a threat is T and a number, got \"" + t + "\"");
            }
            draft.threats.add(t);
          }
        }
        case "evidence" -> draft.evidence.add(parseRef(rest, where));
        case "corpus" -> {
          if (!rest.isEmpty()) {
            throw new BadInputException(where + "corpus takes no arguments");
          }
          draft.corpus = true;
        }
        default -> throw new BadInputException(where + "unknown keyword \"" + words[0]
            + "\"; expected control, threat, evidence or corpus");
      }
    }
    if (draft == null) {
      throw new BadInputException(fileName + ": no controls");
    }
    controls.add(draft.control(fileName));
    return List.copyOf(controls);
  }

  /** A control while its lines are read. */
  private static final class Draft {
    final String id;
    final String title;
    final List<String> threats = new ArrayList<>();
    final List<Ref> evidence = new ArrayList<>();
    boolean corpus;

    Draft(String id, String title) {
      this.id = id;
      this.title = title;
    }

    Control control(String fileName) {
      if (evidence.isEmpty()) {
        throw new BadInputException(fileName + ": control " + id + " has no evidence line");
      }
      return new Control(id, title, List.copyOf(threats), List.copyOf(evidence), corpus);
    }
  }

  private static Ref parseRef(String text, String where) {
    Matcher script = SCRIPT_REF.matcher(text);
    if (script.matches()) {
      return new Ref(Ref.SCRIPT, script.group(1), "",
          script.group(2) == null ? "" : script.group(2));
    }
    Matcher cls = CLASS_REF.matcher(text);
    if (cls.matches() && !cls.group(1).equals(Ref.SCRIPT)) {
      return new Ref(cls.group(1), cls.group(2), cls.group(3) == null ? "" : cls.group(3), "");
    }
    throw new BadInputException(where + "expected \"evidence MODULE:CLASS[#METHOD-PREFIX]\" or"
        + " \"evidence script:TEST-NAME.xml [SCRIPT]\", got \"" + text + "\"");
  }

  /**
   * The file an evidence item points at, relative to the root: the test class's source under
   * MODULE/src/test/java, or a script's producer; empty if there is none.
   *
   * @throws BadInputException if a simple class name is found in more than one package
   */
  public static Optional<String> source(Path root, Ref ref) {
    if (ref.isScript()) {
      return ref.producer().isEmpty() || !Files.isRegularFile(root.resolve(ref.producer()))
          ? Optional.empty() : Optional.of(ref.producer());
    }
    Path tests = root.resolve(ref.module()).resolve("src/test/java");
    String outer = ref.outerSimpleName() + ".java";
    if (ref.name().contains(".")) {
      String pkg = ref.name().substring(0, ref.name().lastIndexOf('.')).replace('.', '/');
      Path file = tests.resolve(pkg).resolve(outer);
      return Files.isRegularFile(file) ? Optional.of(relative(root, file)) : Optional.empty();
    }
    List<Path> found = walk(tests, p -> p.getFileName().toString().equals(outer));
    if (found.size() > 1) {
      throw new BadInputException(CATALOGUE + ": " + ref.text() + " is ambiguous (" + found.size()
          + " classes of that name in " + ref.module() + "); name its package");
    }
    return found.stream().findFirst().map(p -> relative(root, p));
  }

  // ---------------------------------------------------------------- the reports

  /** How one test case ended, as its report says. */
  public enum Outcome { PASSED, SKIPPED, FAILURE, ERROR }

  /** One test case of a report; {@code report} is the report's path relative to the root. */
  public record TestCase(String module, String report, String className, String name,
      Outcome outcome, long millis, String message) {}

  /** A report file read (or ignored as older than {@code --since}). */
  public record ReportFile(String path, Instant modified) {}

  /**
   * Every report under the root: those read, with their test cases and the JDKs they ran on;
   * those ignored as older than {@code --since}; and those of test classes no longer in the
   * source (left by an earlier run), also ignored.
   */
  public record Reports(List<ReportFile> read, List<ReportFile> stale, List<ReportFile> orphaned,
      List<TestCase> cases, List<String> jdks) {}

  /**
   * Reads MODULE/target/surefire-reports/TEST-*.xml, MODULE/target/failsafe-reports/TEST-*.xml
   * and target/evidence/TEST-*.xml (module "script"). Reports modified before {@code since} are
   * ignored as stale, and so are the reports of classes without a source in
   * MODULE/src/test/java. A test case reported twice (nested classes can be) counts once, as in
   * the newer report. A report that does not parse counts as one error of the class it is named
   * for.
   */
  public static Reports readReports(Path root, Optional<Instant> since) {
    List<Path> dirs = new ArrayList<>();
    for (Path module : list(root, Files::isDirectory)) {
      dirs.add(module.resolve("target/surefire-reports"));
      dirs.add(module.resolve("target/failsafe-reports"));
    }
    dirs.add(root.resolve("target/evidence"));
    List<ReportFile> read = new ArrayList<>();
    List<ReportFile> stale = new ArrayList<>();
    List<ReportFile> orphaned = new ArrayList<>();
    Map<String, TestCase> cases = new TreeMap<>();
    Map<String, Instant> caseTimes = new TreeMap<>();
    Set<String> jdks = new TreeSet<>();
    for (Path dir : dirs) {
      String module = dir.startsWith(root.resolve("target"))
          ? Ref.SCRIPT : root.relativize(dir).getName(0).toString();
      for (Path file : list(dir, p -> isReport(p.getFileName().toString()))) {
        ReportFile report = new ReportFile(relative(root, file), modified(file));
        if (since.isPresent() && report.modified().isBefore(since.get())) {
          stale.add(report);
          continue;
        }
        if (!module.equals(Ref.SCRIPT) && !hasSource(root, module, file)) {
          orphaned.add(report);
          continue;
        }
        read.add(report);
        for (TestCase c : parseReport(file, module, report.path(), jdks)) {
          String key = c.module() + "\n" + c.className() + "\n" + c.name();
          Instant seen = caseTimes.get(key);
          if (seen == null || report.modified().isAfter(seen)) {
            cases.put(key, c);
            caseTimes.put(key, report.modified());
          }
        }
      }
    }
    return new Reports(List.copyOf(read), List.copyOf(stale), List.copyOf(orphaned),
        List.copyOf(cases.values()), List.copyOf(jdks));
  }

  /** Whether MODULE/src/test/java holds the class a report TEST-a.b.C$D.xml is named for. */
  private static boolean hasSource(Path root, String module, Path report) {
    String name = report.getFileName().toString();
    String outer = name.substring("TEST-".length(), name.length() - ".xml".length())
        .split("\\$")[0];
    return Files.isRegularFile(root.resolve(module).resolve("src/test/java")
        .resolve(outer.replace('.', '/') + ".java"));
  }

  private static boolean isReport(String name) {
    return name.startsWith("TEST-") && name.endsWith(".xml");
  }

  static List<TestCase> parseReport(Path file, String module, String path, Set<String> jdks) {
    String fileName = file.getFileName().toString();
    String named = fileName.substring("TEST-".length(), fileName.length() - ".xml".length());
    Document doc;
    try {
      doc = xmlParser().parse(file.toFile());
    } catch (SAXException | IOException e) {
      return List.of(new TestCase(module, path, named, "(report unreadable)", Outcome.ERROR, 0,
          oneLine("couldn't parse " + path + ": " + e.getMessage())));
    }
    NodeList properties = doc.getElementsByTagName("property");
    Map<String, String> props = new TreeMap<>();
    for (int i = 0; i < properties.getLength(); i++) {
      Element p = (Element) properties.item(i);
      props.putIfAbsent(p.getAttribute("name"), p.getAttribute("value"));
    }
    if (props.containsKey("java.version")) {
      String vendor = props.getOrDefault("java.vendor", "");
      jdks.add(props.get("java.version") + (vendor.isEmpty() ? "" : " (" + vendor + ")"));
    }
    List<TestCase> cases = new ArrayList<>();
    NodeList testcases = doc.getElementsByTagName("testcase");
    for (int i = 0; i < testcases.getLength(); i++) {
      Element tc = (Element) testcases.item(i);
      String className = tc.getAttribute("classname");
      if (className.isEmpty()) {
        Node parent = tc.getParentNode();
        className = parent instanceof Element suite && !suite.getAttribute("name").isEmpty()
            ? suite.getAttribute("name") : named;
      }
      // The worst element present decides; flakyFailure and rerunFailure (retries) are other
      // elements: a test that passed on a retry passed, one that never did also has a failure.
      Outcome outcome = Outcome.PASSED;
      String message = "";
      for (Outcome o : List.of(Outcome.SKIPPED, Outcome.FAILURE, Outcome.ERROR)) {
        String tag = o == Outcome.SKIPPED ? "skipped" : o == Outcome.FAILURE ? "failure" : "error";
        NodeList found = tc.getElementsByTagName(tag);
        if (found.getLength() > 0) {
          Element e = (Element) found.item(0);
          outcome = o;
          message = oneLine(e.getAttribute("message").isEmpty()
              ? e.getAttribute("type") : e.getAttribute("message"));
        }
      }
      cases.add(new TestCase(module, path, className, tc.getAttribute("name"), outcome,
          millis(tc.getAttribute("time"), path), message));
    }
    return cases;
  }

  private static DocumentBuilder xmlParser() {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      // Reports are data: no DTDs, no external entities.
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setXIncludeAware(false);
      factory.setExpandEntityReferences(false);
      DocumentBuilder builder = factory.newDocumentBuilder();
      // The default handler prints to stderr; a report that does not parse is reported instead.
      builder.setErrorHandler(new org.xml.sax.ErrorHandler() {
        @Override
        public void warning(org.xml.sax.SAXParseException e) {
          // A warning leaves the document readable; what it would say does not change the report.
        }

        @Override
        public void error(org.xml.sax.SAXParseException e) throws SAXException {
          throw e;
        }

        @Override
        public void fatalError(org.xml.sax.SAXParseException e) throws SAXException {
          throw e;
        }
      });
      return builder;
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK's XML parser lacks a standard feature", e);
    }
  }

  private static long millis(String seconds, String path) {
    if (seconds.isEmpty()) {
      return 0;
    }
    try {
      // Older Surefire versions wrote thousands separators ("1,234.5").
      return Math.round(Double.parseDouble(seconds.replace(",", "")) * 1000);
    } catch (NumberFormatException e) {
      throw new BadInputException(path + ": a test case's time is not a number: \"" + seconds
          + "\"");
    }
  }

  private static String oneLine(String s) {
    String line = s.strip().replaceAll("\\s+", " ");
    return line.length() <= MESSAGE_CHARS ? line : line.substring(0, MESSAGE_CHARS) + "…";
  }

  // ---------------------------------------------------------------- the fuzz corpus

  /** A fuzz target and its regression inputs (files), and how many of them ran in this run. */
  public record FuzzTarget(String name, int inputs, int runs) {}

  /** A *FuzzTest class: its module, name, source (if any) and targets. */
  public record FuzzClass(String module, String className, Optional<String> source,
      List<FuzzTarget> targets) {}

  private static final Pattern FUZZ_METHOD = Pattern.compile(
      "@FuzzTest\\b[^\\n]*\\n\\s*(?:(?:public|protected|private|static|final)\\s+)*void\\s+(\\w+)");

  /**
   * Every *FuzzTest class in MODULE/src/test/java and every *FuzzTestInputs directory in
   * MODULE/src/test/resources (Jazzer's regression inputs: one directory per target): the
   * targets are the {@code @FuzzTest} methods and the input directories, with their file counts.
   */
  public static List<FuzzClass> fuzzClasses(Path root, List<TestCase> cases) {
    Map<String, String[]> classes = new TreeMap<>();
    for (Path module : list(root, Files::isDirectory)) {
      String m = module.getFileName().toString();
      Path java = module.resolve("src/test/java");
      for (Path source : walk(java, p -> p.toString().endsWith("FuzzTest.java"))) {
        String name = java.relativize(source).toString().replace('\\', '/');
        name = name.substring(0, name.length() - ".java".length()).replace('/', '.');
        classes.put(m + ":" + name, new String[] {m, name});
      }
      Path resources = module.resolve("src/test/resources");
      for (Path inputs : walk(resources, p -> Files.isDirectory(p)
          && p.getFileName().toString().endsWith("FuzzTestInputs"))) {
        String name = resources.relativize(inputs).toString().replace('\\', '/');
        name = name.substring(0, name.length() - "Inputs".length()).replace('/', '.');
        classes.put(m + ":" + name, new String[] {m, name});
      }
    }
    List<FuzzClass> result = new ArrayList<>();
    for (String[] c : classes.values()) {
      String path = c[1].replace('.', '/');
      Path source = root.resolve(c[0]).resolve("src/test/java").resolve(path + ".java");
      Path inputs = root.resolve(c[0]).resolve("src/test/resources").resolve(path + "Inputs");
      Map<String, Integer> targets = new TreeMap<>();
      if (Files.isRegularFile(source)) {
        Matcher m = FUZZ_METHOD.matcher(read(source));
        while (m.find()) {
          targets.put(m.group(1), 0);
        }
      }
      for (Path target : list(inputs, Files::isDirectory)) {
        targets.put(target.getFileName().toString(), walk(target, Files::isRegularFile).size());
      }
      List<FuzzTarget> fuzzTargets = new ArrayList<>();
      targets.forEach((target, inputCount) -> fuzzTargets.add(new FuzzTarget(target, inputCount,
          (int) cases.stream().filter(t -> t.module().equals(c[0])
              && t.className().equals(c[1]) && t.name().startsWith(target + "(")).count())));
      result.add(new FuzzClass(c[0], c[1], Files.isRegularFile(source)
          ? Optional.of(relative(root, source)) : Optional.empty(), List.copyOf(fuzzTargets)));
    }
    return List.copyOf(result);
  }

  // ---------------------------------------------------------------- the threat model

  /** A row of the threat model's table; cells unescaped ({@code \|} is {@code |}). */
  public record Threat(String id, String threat, String control, String shownBy, String status) {
    /** Open: any status but exactly {@code done}. */
    public boolean open() {
      return !status.equals("done");
    }

    /** What stays at risk: the text after {@code done;}, inside {@code done (…)}, or all. */
    public String residual() {
      if (status.startsWith("done;")) {
        return status.substring("done;".length()).strip();
      }
      if (status.startsWith("done (") && status.endsWith(")")) {
        return status.substring("done (".length(), status.length() - 1).strip();
      }
      return status;
    }
  }

  private static final Pattern THREAT_ROW = Pattern.compile("\\|\\s*T[0-9]+\\s*\\|.*");

  /** The rows {@code | T<n> | threat | control | shown by | status |} of the threat model. */
  public static List<Threat> parseThreatModel(String text, String fileName) {
    List<Threat> threats = new ArrayList<>();
    Set<String> ids = new TreeSet<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (!THREAT_ROW.matcher(line).matches()) {
        continue;
      }
      List<String> cells = cells(line);
      if (cells.size() != 5) {
        throw new BadInputException(fileName + " line " + (i + 1) + ": a threat row has 5 cells"
            + " (#, threat, control, shown by, status), this one " + cells.size());
      }
      if (!ids.add(cells.get(0))) {
        throw new BadInputException(fileName + " line " + (i + 1) + ": " + cells.get(0)
            + " again");
      }
      threats.add(new Threat(cells.get(0), cells.get(1), cells.get(2), cells.get(3),
          cells.get(4)));
    }
    if (threats.isEmpty()) {
      throw new BadInputException(fileName + ": no threat rows (| T<n> | threat | control |"
          + " shown by | status |)");
    }
    return List.copyOf(threats);
  }

  private static List<String> cells(String row) {
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    for (int i = 1; i < row.length(); i++) {
      char c = row.charAt(i);
      if (c == '\\' && i + 1 < row.length() && row.charAt(i + 1) == '|') {
        cell.append('|');
        i++;
      } else if (c == '|') {
        cells.add(cell.toString().strip());
        cell.setLength(0);
      } else {
        cell.append(c);
      }
    }
    if (!cell.toString().isBlank()) {
      cells.add(cell.toString().strip());
    }
    return cells;
  }

  // ---------------------------------------------------------------- the report

  /** The results of one evidence item in this run. */
  public record EvidenceResult(Ref ref, Optional<String> source, Status status, int tests,
      int failures, int errors, int skipped, long millis, List<ReportFile> reports,
      List<TestCase> problems) {}

  /** A control with its evidence's results and, if it asks for it, the fuzz corpus. */
  public record ControlResult(Control control, Status status, List<EvidenceResult> evidence,
      List<FuzzClass> corpus) {}

  /** Counts over every report of this run; and of the reports ignored, why. */
  public record Totals(int reports, int staleReports, int orphanedReports, int tests,
      int failures, int errors, int skipped, long millis) {}

  /** An open risk of the threat model and the controls that cite it. */
  public record Risk(Threat threat, List<String> controls) {}

  /** Everything the report says. */
  public record Readiness(String commit, Instant generated, Optional<Instant> since,
      List<String> testJdks, String reportJdk, Totals totals, List<ControlResult> controls,
      List<Risk> openRisks, int threats) {
    public boolean ready() {
      return controls.stream().allMatch(c -> c.status() == Status.PASSED);
    }

    public String status() {
      return ready() ? "ready" : "not ready";
    }

    public List<ControlResult> notReady() {
      return controls.stream().filter(c -> c.status() != Status.PASSED).toList();
    }
  }

  /** Builds the report from the catalogue, the threat model and the reports under root. */
  public static Readiness build(Path root, Optional<Instant> since, Clock clock) {
    List<Control> catalogue = parseCatalogue(readInput(root, CATALOGUE), CATALOGUE);
    List<Threat> threats = parseThreatModel(readInput(root, THREAT_MODEL), THREAT_MODEL);
    Set<String> known = threats.stream().map(Threat::id).collect(Collectors.toSet());
    for (Control c : catalogue) {
      for (String t : c.threats()) {
        if (!known.contains(t)) {
          throw new BadInputException(CATALOGUE + ": control " + c.id() + " cites " + t
              + ", which " + THREAT_MODEL + " does not have");
        }
      }
    }
    Reports reports = readReports(root, since);
    List<FuzzClass> fuzz = catalogue.stream().anyMatch(Control::corpus)
        ? fuzzClasses(root, reports.cases()) : List.of();
    List<ControlResult> controls = new ArrayList<>();
    for (Control c : catalogue) {
      List<EvidenceResult> results = c.evidence().stream()
          .map(ref -> result(root, ref, reports)).toList();
      List<FuzzClass> corpus = c.corpus() ? fuzz : List.of();
      // A fuzz target none of whose inputs replayed did not run, whatever its class's report.
      Status status = results.stream().map(EvidenceResult::status).reduce(
          unreplayed(corpus).isEmpty() ? Status.PASSED : Status.NOT_RUN, Status::worst);
      controls.add(new ControlResult(c, status, results, corpus));
    }
    List<Risk> risks = threats.stream().filter(Threat::open)
        .map(t -> new Risk(t, catalogue.stream().filter(c -> c.threats().contains(t.id()))
            .map(Control::id).toList()))
        .toList();
    List<TestCase> all = reports.cases();
    Totals totals = new Totals(reports.read().size(), reports.stale().size(),
        reports.orphaned().size(), all.size(),
        count(all, Outcome.FAILURE), count(all, Outcome.ERROR), count(all, Outcome.SKIPPED),
        all.stream().mapToLong(TestCase::millis).sum());
    String jdk = System.getProperty("java.version") + " (" + System.getProperty("java.vendor")
        + ")";
    return new Readiness(commit(root), clock.instant().truncatedTo(ChronoUnit.SECONDS), since,
        reports.jdks(), jdk, totals, List.copyOf(controls), risks, threats.size());
  }

  /** "module:Class target" for each fuzz target that did not run in this run. */
  static List<String> unreplayed(List<FuzzClass> corpus) {
    return corpus.stream().flatMap(f -> f.targets().stream().filter(t -> t.runs() == 0)
        .map(t -> f.module() + ":" + f.className() + " " + t.name())).toList();
  }

  private static int count(List<TestCase> cases, Outcome outcome) {
    return (int) cases.stream().filter(t -> t.outcome() == outcome).count();
  }

  private static EvidenceResult result(Path root, Ref ref, Reports reports) {
    Optional<String> source = source(root, ref);
    // A class without a source has no results: whatever reports carry its name are old.
    List<TestCase> cases = ref.isScript() || source.isPresent()
        ? reports.cases().stream().filter(c -> ref.matches(c, source.orElse(""))).toList()
        : List.of();
    int failures = count(cases, Outcome.FAILURE);
    int errors = count(cases, Outcome.ERROR);
    int skipped = count(cases, Outcome.SKIPPED);
    // A skipped test proves nothing: evidence with one is not "passed".
    Status status = cases.isEmpty() ? Status.NOT_RUN
        : failures + errors > 0 ? Status.FAILED
        : skipped > 0 ? Status.SKIPPED : Status.PASSED;
    Set<String> paths = cases.stream().map(TestCase::report).collect(Collectors.toSet());
    return new EvidenceResult(ref, source, status, cases.size(), failures, errors,
        skipped, cases.stream().mapToLong(TestCase::millis).sum(),
        reports.read().stream().filter(f -> paths.contains(f.path())).toList(),
        cases.stream().filter(t -> t.outcome() != Outcome.PASSED).toList());
  }

  /** {@code git rev-parse HEAD} in root, or "unknown" where there is no git or no repository. */
  static String commit(Path root) {
    try {
      Process git = new ProcessBuilder("git", "-C", root.toString(), "rev-parse", "HEAD")
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!git.waitFor(30, TimeUnit.SECONDS)) {
        git.destroyForcibly();
        return "unknown";
      }
      return git.exitValue() == 0 && out.matches("[0-9a-f]{40,64}") ? out : "unknown";
    } catch (IOException e) {
      // No git on this machine: the report says so rather than failing.
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  // ---------------------------------------------------------------- Markdown

  /** The report as Markdown, its links relative to target/readiness/. */
  public static String markdown(Readiness r) {
    StringBuilder md = new StringBuilder();
    md.append("# Cairn readiness: ").append(r.status()).append("\n\n");
    md.append("Generated by `scripts/evidence` at ").append(r.generated()).append(" from commit `")
        .append(r.commit()).append("`. How to read it: [docs/readiness.md](").append(UP)
        .append("docs/readiness.md); the same data: [readiness.json](readiness.json).\n\n");
    Totals t = r.totals();
    md.append("- This run's reports: ").append(t.reports()).append(" files, ").append(t.tests())
        .append(" tests, ").append(t.failures()).append(" failures, ").append(t.errors())
        .append(" errors, ").append(t.skipped()).append(" skipped, ").append(seconds(t.millis()))
        .append(" s.");
    r.since().ifPresent(s -> md.append(" Ignored as written before ").append(s)
        .append(", by an earlier run: ").append(t.staleReports()).append(" files."));
    if (t.orphanedReports() > 0) {
      md.append(" Ignored as reports of test classes no longer in the source: ")
          .append(t.orphanedReports()).append(" files.");
    }
    md.append("\n- Tests ran on JDK ").append(r.testJdks().isEmpty() ? "unknown (no reports)"
        : String.join(", ", r.testJdks())).append("; this report was made on JDK ")
        .append(r.reportJdk()).append(".\n");
    List<ControlResult> notReady = r.notReady();
    md.append("- ").append(r.controls().size() - notReady.size()).append(" of ")
        .append(r.controls().size()).append(" controls passed");
    if (!notReady.isEmpty()) {
      md.append("; not ready: ").append(notReady.stream()
          .map(c -> "`" + c.control().id() + "` (" + c.status().text() + ")")
          .collect(Collectors.joining(", ")));
    }
    md.append(".\n- Open risks in the threat model: ").append(r.openRisks().size()).append(" of ")
        .append(r.threats()).append(" threats.\n\n");
    md.append("| control | status | evidence passed | threats |\n|---|---|---|---|\n");
    for (ControlResult c : r.controls()) {
      md.append("| `").append(c.control().id()).append("` ").append(cell(c.control().title()))
          .append(" | ").append(c.status().text()).append(" | ")
          .append(c.evidence().stream().filter(e -> e.status() == Status.PASSED).count())
          .append(" of ").append(c.evidence().size()).append(" | ")
          .append(String.join(", ", c.control().threats())).append(" |\n");
    }
    for (ControlResult c : r.controls()) {
      controlSection(md, c);
    }
    md.append("\n## Open risks\n\nEvery row of [").append(THREAT_MODEL).append("](").append(UP)
        .append(THREAT_MODEL).append(") whose status is not exactly `done`, with what stays at")
        .append(" risk.\n\n");
    if (r.openRisks().isEmpty()) {
      md.append("None.\n");
    } else {
      md.append("| # | threat | residual risk | cited by |\n|---|---|---|---|\n");
      for (Risk risk : r.openRisks()) {
        md.append("| ").append(risk.threat().id()).append(" | ").append(cell(risk.threat()
            .threat())).append(" | ").append(cell(risk.threat().residual())).append(" | ")
            .append(risk.controls().isEmpty() ? "no control"
                : risk.controls().stream().map(id -> "`" + id + "`")
                    .collect(Collectors.joining(", ")))
            .append(" |\n");
      }
    }
    return md.toString();
  }

  private static void controlSection(StringBuilder md, ControlResult c) {
    md.append("\n## `").append(c.control().id()).append("` ").append(c.control().title())
        .append(": ").append(c.status().text()).append("\n\n");
    if (!c.control().threats().isEmpty()) {
      md.append("Threats: ").append(String.join(", ", c.control().threats())).append(".\n\n");
    }
    md.append("| evidence | status | tests | failures | errors | skipped | time (s) | report |\n")
        .append("|---|---|---|---|---|---|---|---|\n");
    for (EvidenceResult e : c.evidence()) {
      String name = "`" + e.ref().text() + "`";
      String missing = e.ref().isScript() ? name : name + " (no such class in " + e.ref().module()
          + "/src/test/java)";
      md.append("| ").append(e.source().map(s -> "[" + name + "](" + link(s) + ")")
              .orElse(missing))
          .append(" | ").append(e.status().text()).append(" | ").append(e.tests()).append(" | ")
          .append(e.failures()).append(" | ").append(e.errors()).append(" | ")
          .append(e.skipped()).append(" | ").append(seconds(e.millis())).append(" | ")
          .append(e.reports().isEmpty() ? "none" : e.reports().stream()
              .map(f -> "[" + f.modified() + "](" + link(f.path()) + ")")
              .collect(Collectors.joining(", ")))
          .append(" |\n");
    }
    for (EvidenceResult e : c.evidence()) {
      if (e.problems().isEmpty()) {
        continue;
      }
      md.append("\nNot passed in `").append(e.ref().text()).append("`:\n\n");
      e.problems().stream().limit(LISTED_PROBLEMS).forEach(p -> md.append("- ")
          .append(e.ref().isScript() ? "" : nested(p.className())).append('`').append(p.name())
          .append("`: ").append(p.outcome().name().toLowerCase(Locale.ROOT))
          .append(p.message().isEmpty() ? "" : ", " + text(p.message())).append('\n'));
      if (e.problems().size() > LISTED_PROBLEMS) {
        md.append("- and ").append(e.problems().size() - LISTED_PROBLEMS).append(" more\n");
      }
    }
    if (!c.corpus().isEmpty()) {
      md.append("\nFuzz regression inputs (files under each *FuzzTestInputs/TARGET/) and their")
          .append(" runs in this run:\n\n| fuzz test | target | inputs | runs |\n")
          .append("|---|---|---|---|\n");
      for (FuzzClass f : c.corpus()) {
        String name = "`" + f.module() + ":" + f.className() + "`";
        String shown = f.source().map(s -> "[" + name + "](" + link(s) + ")").orElse(name);
        for (FuzzTarget target : f.targets()) {
          md.append("| ").append(shown).append(" | `").append(target.name()).append("` | ")
              .append(target.inputs()).append(" | ").append(target.runs()).append(" |\n");
        }
      }
      List<String> unreplayed = unreplayed(c.corpus());
      if (!unreplayed.isEmpty()) {
        md.append("\nNot run in this run, so the control is not either: ").append(unreplayed
            .stream().map(t -> "`" + t + "`").collect(Collectors.joining(", "))).append(".\n");
      }
    }
  }

  private static String nested(String className) {
    int dollar = className.indexOf('$');
    return dollar < 0 ? "" : "`" + className.substring(dollar + 1) + "` ";
  }

  private static String link(String path) {
    return UP + path.replace(" ", "%20");
  }

  /** Text for a table cell: no line breaks, pipes escaped, no HTML. */
  private static String cell(String s) {
    return text(s).replace("|", "\\|");
  }

  private static String text(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replaceAll("\\s+", " ");
  }

  private static String seconds(long millis) {
    return String.format(Locale.ROOT, "%d.%03d", millis / 1000, millis % 1000);
  }

  // ---------------------------------------------------------------- JSON

  /** The report as JSON: the same data as the Markdown. */
  public static String json(Readiness r) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("status", r.status());
    o.put("notReady", r.notReady().stream().map(c -> object("control", c.control().id(),
        "status", c.status().text())).toList());
    o.put("commit", r.commit());
    o.put("generated", r.generated().toString());
    o.put("since", r.since().map(Instant::toString).orElse(null));
    o.put("jdk", object("tests", r.testJdks(), "report", r.reportJdk()));
    Totals t = r.totals();
    o.put("totals", object("reports", t.reports(), "staleReports", t.staleReports(),
        "orphanedReports", t.orphanedReports(),
        "tests", t.tests(), "failures", t.failures(), "errors", t.errors(),
        "skipped", t.skipped(), "seconds", new Seconds(t.millis())));
    o.put("controls", r.controls().stream().map(Evidence::controlJson).toList());
    o.put("threats", r.threats());
    o.put("openRisks", r.openRisks().stream().map(risk -> object("id", risk.threat().id(),
        "threat", risk.threat().threat(), "status", risk.threat().status(),
        "residual", risk.threat().residual(), "controls", risk.controls())).toList());
    StringBuilder out = new StringBuilder();
    write(out, o, "");
    return out.append('\n').toString();
  }

  private static Map<String, Object> controlJson(ControlResult c) {
    Map<String, Object> o = object("id", c.control().id(), "title", c.control().title(),
        "status", c.status().text(), "threats", c.control().threats());
    o.put("evidence", c.evidence().stream().map(e -> {
      Map<String, Object> item = object("ref", e.ref().text(), "module", e.ref().module(),
          "name", e.ref().name(), "method", e.ref().method().isEmpty() ? null : e.ref().method(),
          "source", e.source().orElse(null), "status", e.status().text());
      item.putAll(object("tests", e.tests(), "failures", e.failures(), "errors", e.errors(),
          "skipped", e.skipped(), "seconds", new Seconds(e.millis())));
      item.put("reports", e.reports().stream().map(f -> object("path", f.path(),
          "modified", f.modified().toString())).toList());
      item.put("problems", e.problems().stream().map(p -> object("class", p.className(),
          "name", p.name(), "outcome", p.outcome().name().toLowerCase(Locale.ROOT),
          "message", p.message())).toList());
      return item;
    }).toList());
    if (c.control().corpus()) {
      o.put("corpus", c.corpus().stream().map(f -> object("module", f.module(),
          "class", f.className(), "source", f.source().orElse(null),
          "targets", f.targets().stream().map(t -> object("name", t.name(),
              "inputs", t.inputs(), "runs", t.runs())).toList())).toList());
    }
    return o;
  }

  /** Milliseconds written as a JSON number of seconds with three decimals. */
  private record Seconds(long millis) {}

  private static Map<String, Object> object(Object... keysAndValues) {
    Map<String, Object> o = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      o.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return o;
  }

  private static void write(StringBuilder out, Object value, String indent) {
    String inner = indent + "  ";
    if (value == null) {
      out.append("null");
    } else if (value instanceof String s) {
      quote(out, s);
    } else if (value instanceof Integer || value instanceof Long || value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof Seconds s) {
      out.append(seconds(s.millis()));
    } else if (value instanceof Map<?, ?> map) {
      if (map.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append("{\n");
      int i = 0;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        out.append(inner);
        quote(out, (String) e.getKey());
        out.append(": ");
        write(out, e.getValue(), inner);
        out.append(++i < map.size() ? ",\n" : "\n");
      }
      out.append(indent).append('}');
    } else if (value instanceof List<?> list) {
      if (list.isEmpty()) {
        out.append("[]");
        return;
      }
      out.append("[\n");
      for (int i = 0; i < list.size(); i++) {
        out.append(inner);
        write(out, list.get(i), inner);
        out.append(i + 1 < list.size() ? ",\n" : "\n");
      }
      out.append(indent).append(']');
    } else {
      throw new IllegalArgumentException("no JSON form for " + value.getClass());
    }
  }

  /** A JSON string (RFC 8259 §7): quote, backslash and control characters escaped. */
  static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  // ---------------------------------------------------------------- the program

  /** Writes readiness.md and readiness.json under root/target/readiness/; returns the report. */
  public static Readiness write(Path root, Optional<Instant> since, Clock clock)
      throws IOException {
    Readiness r = build(root, since, clock);
    Path out = root.resolve(OUT);
    Files.createDirectories(out);
    Files.writeString(out.resolve("readiness.md"), markdown(r));
    Files.writeString(out.resolve("readiness.json"), json(r));
    return r;
  }

  static final String USAGE = "usage: java Evidence.java [--root DIR] [--since INSTANT]"
      + " [--strict]\n  --root DIR       the repository (default: the current directory)\n"
      + "  --since INSTANT  ignore reports written before this time (e.g. 2025-01-31T12:00:00Z)\n"
      + "  --strict         exit 1 when not ready (default: 0, the report is the output)";

  /** Exit 0 (1 with --strict when not ready); 2 for bad usage or input, with the reason. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    Path root = Path.of(".");
    Optional<Instant> since = Optional.empty();
    boolean strict = false;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--root" -> root = Path.of(value(args, ++i, "--root"));
          case "--since" -> since = Optional.of(instant(value(args, ++i, "--since")));
          case "--strict" -> strict = true;
          case "-h", "--help" -> {
            System.out.println(USAGE);
            return 0;
          }
          default -> throw new IllegalArgumentException("unknown argument \"" + args[i] + "\"");
        }
      }
      Readiness r = write(root.toAbsolutePath().normalize(), since, Clock.systemUTC());
      System.out.println("evidence: wrote " + OUT + "readiness.md and " + OUT + "readiness.json");
      System.out.println("readiness: " + r.status() + " (" + (r.controls().size()
          - r.notReady().size()) + " of " + r.controls().size() + " controls passed"
          + r.notReady().stream().map(c -> c.control().id() + " " + c.status().text())
              .collect(Collectors.joining(", ", r.ready() ? "" : "; ", "")) + ")");
      return strict && !r.ready() ? 1 : 0;
    } catch (BadInputException e) {
      System.err.println("evidence: " + e.getMessage());
      return 2;
    } catch (IllegalArgumentException e) {
      System.err.println("evidence: " + e.getMessage() + "\n" + USAGE);
      return 2;
    } catch (IOException | UncheckedIOException e) {
      System.err.println("evidence: couldn't write the report: " + e.getMessage());
      return 2;
    }
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  private static Instant instant(String s) {
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("--since: not an instant like 2025-01-31T12:00:00Z: \"" + s
          + "\"");
    }
  }

  // ---------------------------------------------------------------- files

  private static String readInput(Path root, String path) {
    Path file = root.resolve(path);
    if (!Files.isRegularFile(file)) {
      throw new BadInputException("no " + path + " under " + root);
    }
    return read(file);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("couldn't read " + file, e);
    }
  }

  private static Instant modified(Path file) {
    try {
      return Files.getLastModifiedTime(file).toInstant().truncatedTo(ChronoUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException("couldn't read the time of " + file, e);
    }
  }

  private static String relative(Path root, Path file) {
    return root.relativize(file).toString().replace('\\', '/');
  }

  /** The entries of dir that pass, sorted; none if dir does not exist. */
  private static List<Path> list(Path dir, java.util.function.Predicate<Path> filter) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(p -> !p.getFileName().toString().startsWith("."))
          .filter(filter).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("couldn't list " + dir, e);
    }
  }

  /** The files and directories under dir (dir included) that pass, sorted. */
  private static List<Path> walk(Path dir, java.util.function.Predicate<Path> filter) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.walk(dir)) {
      return entries.filter(filter).sorted(Comparator.naturalOrder()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("couldn't walk " + dir, e);
    }
  }
}
