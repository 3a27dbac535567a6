package dev.cairn.monitor.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The HTML page: the golden file, and a page that stays inert whatever a hostile log put in the
 * report — only the renderer's own tags and attributes, no script, no handler, no link.
 */
class ReportHtmlTest {
  private static final String PAGE = html(Reports.golden());
  private static final Pattern TAG = Pattern.compile("<(/?)([A-Za-z][A-Za-z0-9]*)([^>]*)>");
  private static final Pattern ATTRIBUTE = Pattern.compile("([A-Za-z-]+)=\"([^\"]*)\"");
  private static final Set<String> TAGS = Set.of("html", "head", "meta", "title", "style",
      "body", "h1", "h2", "h3", "h4", "h5", "p", "span", "table", "thead", "tbody", "tr", "th",
      "td", "code", "section", "div", "dl", "dt", "dd", "pre", "small", "ul", "li");
  private static final Set<String> ATTRIBUTES = Set.of("lang", "charset", "name", "content",
      "class");

  private static String html(Report r) {
    return new String(ReportHtml.render(r), StandardCharsets.UTF_8);
  }

  @Test
  void theGoldenReportRendersByteForByte() throws Exception {
    byte[] page = ReportHtml.render(Reports.golden());
    assertThat(page).isEqualTo(Golden.of("golden.html", page));
    assertThat(ReportHtml.render(Reports.golden())).isEqualTo(page);
  }

  @Test
  void hostileTextIsEscapedAndNeverMarkup() {
    assertThat(PAGE.toLowerCase()).doesNotContain("<script").doesNotContain("<img");
    // A URL is text, never a link.
    assertThat(PAGE).contains("<code>javascript:alert(1)//https://evil.example/</code>");
    assertThat(PAGE).contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
        + "&lt;img src=x onerror=alert(1)&gt;");
    assertThat(PAGE).contains("&quot;quoted&quot; &amp; &#39;single&#39;");
  }

  @Test
  void controlCharactersAreShownAsTheirPictures() {
    assertThat(ReportHtml.escape("a\u0000b\u001fc\u007fd\u0085e\tf\ng\rh"))
        .isEqualTo("a\u2400b\u241fc\u2421d\ufffde\tf\ng\rh");
    assertThat(PAGE.chars().filter(c -> c < 0x20 && c != '\n' && c != '\t')).isEmpty();
  }

  @Test
  void everyTagAndAttributeIsTheRenderersOwn() {
    List<String> tags = new ArrayList<>();
    Matcher m = TAG.matcher(PAGE.replaceFirst("<!DOCTYPE html>", ""));
    while (m.find()) {
      tags.add(m.group(2));
      assertThat(m.group(2).toLowerCase()).isIn(TAGS);
      String attributes = m.group(3);
      Matcher a = ATTRIBUTE.matcher(attributes);
      while (a.find()) {
        assertThat(a.group(1).toLowerCase()).as(m.group()).isIn(ATTRIBUTES)
            .doesNotStartWith("on");
        assertThat(a.group(2).toLowerCase()).doesNotContain("javascript:");
      }
      // nothing but the attributes matched: no unquoted or bare attribute slipped in
      assertThat(ATTRIBUTE.matcher(attributes).replaceAll("").trim()).as(m.group()).isEmpty();
    }
    assertThat(tags).contains("pre", "table", "style");
    assertThat(PAGE).doesNotContain("href").doesNotContain("src=\"").doesNotContain("<link")
        .doesNotContain("url(").doesNotContain("@import");
  }

  @Test
  void thePageShowsEachLogAndEachFindingGroupedMostSevereFirst() {
    Report r = Reports.golden();
    assertThat(PAGE).contains("<td>example.com/log</td>").contains("<td class=\"n\">1234</td>")
        .contains("<td>unreachable</td>");
    int critical = PAGE.indexOf("<span class=\"badge critical\">critical</span> 1</h3>");
    int error = PAGE.indexOf("<span class=\"badge error\">error</span> 1</h3>");
    int info = PAGE.indexOf("<span class=\"badge info\">info</span> 1</h3>");
    assertThat(critical).isPositive().isLessThan(error);
    assertThat(error).isLessThan(info);
    assertThat(PAGE).doesNotContain("badge warning");
    for (Finding f : r.findings()) {
      assertThat(PAGE).contains("<code>" + f.rule().id() + "</code>")
          .contains(ReportHtml.escape(f.summary()))
          .contains("<dd>" + ReportHtml.escape(f.observed()) + "</dd>")
          .contains("<dd>" + ReportHtml.escape(f.expected()) + "</dd>")
          .contains(ReportHtml.escape(f.rule().consequence()))
          .contains(ReportHtml.escape(f.rule().remediation()))
          .contains("<code>" + f.fingerprint() + "</code>")
          .contains(f.firstSeen().toString()).contains(f.lastSeen().toString());
      for (Evidence e : f.evidence()) {
        assertThat(PAGE).contains("<pre>\n" + ReportHtml.escape(e.content()) + "</pre>");
      }
    }
    assertThat(PAGE).contains("<h2>Resolved</h2>").contains(r.resolved().get(0));
    assertThat(PAGE).contains("3 findings: 1 critical, 1 error, 1 info.");
  }

  @Test
  void aQuietReportSaysSoAndHasNoFindingsSection() {
    String page = html(Reports.quiet("q", Instant.parse("2026-01-01T00:00:00Z")));
    assertThat(page).contains("No findings.").doesNotContain("<h2>Findings</h2>")
        .doesNotContain("<h2>Resolved</h2>").endsWith("</html>\n").doesNotContain("\r");
  }
}
