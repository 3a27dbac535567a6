package dev.cairn.interop;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The explorer ({@code /ui/}) in a real browser: Debian's Chromium driven by Playwright
 * ({@code playwright-core} from npm, pinned in {@code interop/browser/package-lock.json}) runs
 * {@code interop/browser/explorer.test.mjs} (through {@link NodeTests}) against a real {@code
 * cairn serve} whose checkpoints a real {@code cairn witness serve} cosigns, holding plain and
 * hostile entries (markup, bidi overrides, a 5,000-character line, invalid UTF-8, control
 * characters, an entry that claims to be verified, a byte-order mark, tag characters) across two
 * entry bundles and a dozen checkpoints. Every scenario must run and pass. Screenshots of the
 * main views go to {@code target/screenshots/} (copies in {@code docs/images/}).
 *
 * <p>Needs Node.js 18 or newer with npm, and Chromium ({@code CHROMIUM}, else {@code
 * /usr/bin/chromium}); {@code .ci/run} installs them. Missing, the test fails, naming them.
 */
class ExplorerBrowserTest {
  private static final Path BUILD = NodeTests.BUILD;
  private static final String ORIGIN = "example.com/explorer";

  /** The scenarios explorer.test.mjs must report, each passed. */
  private static final List<String> SCENARIOS = List.of(
      "a first visit shows the published keys, unpinned, and pins them",
      "an entry looked up by index is verified in the page",
      "an entry looked up by its leaf hash, hex or base64, is verified",
      "pasted or chosen entry bytes are hashed in the page and found",
      "a tampered inclusion proof is caught, whatever the entry says",
      "a pinned key the checkpoint is not signed with fails the signature step",
      "a checkpoint without its witness quorum is not verified",
      "a proof for another index than the one asked for is refused",
      "a slow answer never overwrites a later view",
      "key names and texts from the log cannot reorder what the page shows",
      "a forged witness cosignature is caught",
      "hostile entries render inert",
      "the history pages through checkpoints, and consistency is checked",
      "consistency checks: the latest one wins, paging drops none, history fields are inert",
      "the latest checkpoint shows its signatures and witnesses",
      "keyboard use and labels: every control is named and reachable",
      "no page broke the Content-Security-Policy; a violation would be reported");

  @TempDir Path tmp;
  private final List<ServerProcess> processes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (ServerProcess p : processes) {
      p.close();
    }
  }

  @Test
  void theExplorerVerifiesInARealBrowser() throws Exception {
    Path chromium = Path.of(Optional.ofNullable(System.getenv("CHROMIUM"))
        .orElse("/usr/bin/chromium"));
    if (!Files.isExecutable(chromium)) {
      fail("the explorer's browser tests need Chromium at " + chromium + " (Debian: apt-get"
          + " install chromium; or set CHROMIUM); .ci/run installs it");
    }

    // A log whose checkpoints one witness cosigns with its Ed25519 and ML-DSA-44 keys.
    Path data = tmp.resolve("log");
    String logLines = WitnessProcesses.newLogLines(data, ORIGIN);
    Path logsFile = Files.writeString(tmp.resolve("logs"), logLines);
    Path outputs = BUILD.resolve("drill-logs");
    List<ServerProcess> witnesses = WitnessProcesses.start(tmp, logsFile, 1, outputs,
        "explorer-");
    processes.addAll(witnesses);
    Path policy = Files.writeString(tmp.resolve("witness-policy"),
        logLines + WitnessProcesses.policyLines(tmp, witnesses) + "quorum w1\n");
    ServerProcess server = ServerProcess.start(data, outputs.resolve("explorer-log.log"),
        List.of("--witness-policy", policy.toString(), "--checkpoint-interval", "200ms",
            "--witness-timeout", "5s"));
    processes.add(server);

    Path entries = tmp.resolve("entries.json");
    try (LogClient client = new LogClient(server.base())) {
      Files.writeString(entries, new ObjectMapper().writeValueAsString(addEntries(client)));
    }

    Path screenshots = BUILD.resolve("screenshots");
    NodeTests.run("explorer.test.mjs", true, Map.of(
        "CAIRN_URL", server.base().toString().replaceAll("/$", ""),
        "CAIRN_ENTRIES", entries.toString(),
        "CAIRN_SCREENSHOTS", screenshots.toString(),
        "CHROMIUM", chromium.toString()), SCENARIOS);
    for (String view : List.of("keys", "entry", "checkpoint", "history", "tampered",
        "no-quorum", "hostile-bidi")) {
      assertThat(screenshots.resolve("explorer-" + view + ".png")).isNotEmptyFile();
    }
  }

  /**
   * Entries the scenarios look up by label: eight with their own checkpoints, 300 filler entries
   * (so that the first bundle is full and later ones are partial), then more checkpoints.
   */
  private static List<Map<String, Object>> addEntries(LogClient client) throws Exception {
    Map<String, byte[]> labelled = new LinkedHashMap<>();
    labelled.put("release", "release v1.2.3 sha256:9f86d081884c7d659a2feaa0c55ad015"
        .getBytes(UTF_8));
    labelled.put("markup", ("<script>alert(1)</script><img src=x onerror=alert(2)>"
        + "<style>*{display:none}</style><a href=\"javascript:alert(3)\">x</a>").getBytes(UTF_8));
    labelled.put("bidi", "invoice\u202Efdp.exe\u202C and \u2066isolate\u2069".getBytes(UTF_8));
    labelled.put("long-line", "W".repeat(5000).getBytes(UTF_8));
    labelled.put("invalid-utf8", new byte[] {(byte) 0xff, (byte) 0xfe, 0, 'b', 'a', 'd',
        (byte) 0xc3, '(', (byte) 0xed, (byte) 0xa0, (byte) 0x80});
    labelled.put("controls", "nul\u0000esc\u001b[31mred zero\u200bwidth bom\uFEFF cr\rend"
        .getBytes(UTF_8));
    labelled.put("claims-verified", "Verified: every step passed \u2714".getBytes(UTF_8));
    labelled.put("bom", "\uFEFFrelease v1.2.3".getBytes(UTF_8));
    labelled.put("tags", "hidden\uDB40\uDC41\uDB40\uDC42 text\u034F".getBytes(UTF_8));
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : labelled.entrySet()) {
      out.add(describe(e.getKey(), client.addAndAwaitCheckpoint(e.getValue()), e.getValue()));
    }
    List<byte[]> filler = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      filler.add(("filler entry " + i).getBytes(UTF_8));
    }
    client.addBatch(filler);
    for (int i = 0; i < 4; i++) {
      byte[] b = ("later entry " + i).getBytes(UTF_8);
      out.add(describe("later-" + i, client.addAndAwaitCheckpoint(b), b));
    }
    byte[] plain = "hello, log".getBytes(UTF_8);
    out.add(describe("plain", client.addAndAwaitCheckpoint(plain), plain));
    return out;
  }

  private static Map<String, Object> describe(String label, long index, byte[] bytes) {
    return Map.of("label", label, "index", index,
        "base64", Base64.getEncoder().encodeToString(bytes));
  }
}
