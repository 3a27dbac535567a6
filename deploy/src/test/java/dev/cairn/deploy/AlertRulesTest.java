package dev.cairn.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * What every alert in {@code deploy/prometheus} promises the person it wakes: a severity, a
 * one-line summary, and a runbook link to a section that exists in {@code
 * docs/operations/runbook.md}; and that some promtool test expects it to fire, for each
 * severity it has.
 */
class AlertRulesTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String RUNBOOK = "docs/operations/runbook.md";
  private static final Set<String> SEVERITIES = Set.of("page", "ticket", "warning");

  /** One alerting rule, as written in a rule file. */
  private record Alert(String name, Path file, JsonNode rule) {
    String severity() {
      return rule.path("labels").path("severity").asText("");
    }

    String annotation(String key) {
      return rule.path("annotations").path(key).asText("");
    }

    @Override
    public String toString() {
      return name + " (severity " + severity() + ", in " + file.getFileName() + ")";
    }
  }

  @Test
  void everyAlertHasSeveritySummaryAndARunbookSection() throws IOException {
    Set<String> anchors = anchors(Files.readString(repository().resolve(RUNBOOK)));
    List<Alert> alerts = alerts();
    assertThat(alerts).isNotEmpty();
    for (Alert a : alerts) {
      assertThat(a.severity()).as("severity of %s", a).isIn(SEVERITIES);
      assertThat(a.annotation("summary")).as("summary of %s", a).isNotBlank()
          .doesNotContain("\n");
      String url = a.annotation("runbook_url");
      assertThat(url).as("runbook_url of %s", a).startsWith(RUNBOOK + "#");
      String anchor = url.substring(RUNBOOK.length() + 1);
      assertThat(anchors).as("headings of %s (for %s's runbook_url %s)", RUNBOOK, a, url)
          .contains(anchor);
    }
  }

  @Test
  void everyAlertHasAHeadingOfItsName() throws IOException {
    Set<String> anchors = anchors(Files.readString(repository().resolve(RUNBOOK)));
    for (Alert a : alerts()) {
      assertThat(a.annotation("runbook_url")).as("runbook_url of %s", a)
          .isEqualTo(RUNBOOK + "#" + a.name().toLowerCase(Locale.ROOT));
      assertThat(anchors).as("a section of %s named %s", RUNBOOK, a.name())
          .contains(a.name().toLowerCase(Locale.ROOT));
    }
  }

  @Test
  void everyAlertHasATestThatExpectsItToFire() throws IOException {
    Set<String> expected = new TreeSet<>();
    for (Path test : PromtoolTest.ruleTests()) {
      for (JsonNode t : YAML.readTree(test.toFile()).path("tests")) {
        for (JsonNode check : t.path("alert_rule_test")) {
          for (JsonNode fired : check.path("exp_alerts")) {
            expected.add(check.path("alertname").asText() + " severity="
                + fired.path("exp_labels").path("severity").asText());
          }
        }
      }
    }
    Set<String> alerts = new TreeSet<>();
    for (Alert a : alerts()) {
      alerts.add(a.name() + " severity=" + a.severity());
    }
    assertThat(expected).as("alerts (and severities) some promtool test expects to fire")
        .containsAll(alerts);
  }

  @Test
  void anchorsAreComputedAsGitHubDoes() {
    assertThat(anchors("""
        # Runbook
        ## CairnWitnessQuorumLost
        ## Upgrade and rollback
        ```
        ## not a heading, in code
        ```
        ### Key compromise: what `cairn key` can do (and not)
        ## Upgrade and rollback
        """)).containsExactly("runbook", "cairnwitnessquorumlost", "upgrade-and-rollback",
        "key-compromise-what-cairn-key-can-do-and-not", "upgrade-and-rollback-1");
  }

  /** Every alerting rule of every rule file. */
  static List<Alert> alerts() throws IOException {
    List<Alert> alerts = new ArrayList<>();
    for (Path file : PromtoolTest.ruleFiles()) {
      for (JsonNode group : YAML.readTree(file.toFile()).path("groups")) {
        for (JsonNode rule : group.path("rules")) {
          if (rule.has("alert")) {
            alerts.add(new Alert(rule.get("alert").asText(), file, rule));
          }
        }
      }
    }
    return alerts;
  }

  /**
   * The anchors GitHub gives the headings of a Markdown document: lowercased, characters other
   * than letters, digits, spaces, hyphens and underscores dropped, spaces made hyphens, and
   * {@code -1}, {@code -2}, … added to repeats. Lines in fenced code blocks are not headings.
   */
  static Set<String> anchors(String markdown) {
    Set<String> anchors = new LinkedHashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    boolean fenced = false;
    for (String line : markdown.split("\n", -1)) {
      if (line.startsWith("```") || line.startsWith("~~~")) {
        fenced = !fenced;
        continue;
      }
      if (fenced || !line.matches("#{1,6} .*")) {
        continue;
      }
      String text = line.replaceFirst("^#{1,6} +", "").replaceFirst(" +#* *$", "");
      String slug = text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "")
          .replace(' ', '-');
      int n = seen.merge(slug, 1, Integer::sum) - 1;
      anchors.add(n == 0 ? slug : slug + "-" + n);
    }
    return anchors;
  }

  private static Path repository() {
    return Path.of(System.getProperty("cairn.repository.directory", ".."));
  }
}
