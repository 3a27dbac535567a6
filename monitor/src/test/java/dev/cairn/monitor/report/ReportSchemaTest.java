package dev.cairn.monitor.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JSON Schema in {@code docs/monitor/report.schema.json} (the one copy, read from the
 * repository) agrees with {@link ReportJson}: what it writes validates, and each negative vector
 * in {@code reports/invalid/} is refused by both.
 */
class ReportSchemaTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SCHEMA = Path.of("../docs/monitor/report.schema.json");
  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

  private static JsonNode schemaNode() throws Exception {
    return JSON.readTree(Files.readAllBytes(SCHEMA));
  }

  private static Set<ValidationMessage> validate(byte[] json) throws Exception {
    JsonSchema schema = FACTORY.getSchema(schemaNode());
    return schema.validate(JSON.readTree(json));
  }

  static Stream<Path> invalidVectors() throws Exception {
    try (var files = Files.list(Golden.DIR.resolve("invalid"))) {
      return files.filter(f -> f.toString().endsWith(".json")).sorted().toList().stream();
    }
  }

  @Test
  void theSchemaIsAValidDraft202012Schema() throws Exception {
    JsonSchema meta = FACTORY.getSchema(
        SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
    assertThat(meta.validate(schemaNode())).isEmpty();
    assertThat(schemaNode().get("$schema").asText())
        .isEqualTo("https://json-schema.org/draft/2020-12/schema");
  }

  @Test
  void writtenReportsValidate() throws Exception {
    assertThat(validate(ReportJson.write(Reports.golden()))).isEmpty();
    assertThat(validate(ReportJson.write(Reports.quiet("quiet.1",
        Instant.parse("2026-01-01T00:00:00.000000001Z"))))).isEmpty();
    assertThat(validate(Files.readAllBytes(Golden.DIR.resolve("golden.json")))).isEmpty();
  }

  @Test
  void theEnumsAreTheCodesRulesSeveritiesAndStatuses() throws Exception {
    JsonNode defs = schemaNode().get("$defs");
    assertThat(strings(defs.at("/rule/enum")))
        .containsExactlyElementsOf(Arrays.stream(Rule.values()).map(Rule::id).toList());
    assertThat(strings(defs.at("/severity/enum")))
        .containsExactlyElementsOf(Arrays.stream(Severity.values()).map(Severity::id).toList());
    assertThat(strings(defs.at("/log/properties/status/enum")))
        .containsExactlyElementsOf(ReportJson.STATUSES);
    assertThat(schemaNode().at("/properties/schema_version/const").intValue())
        .isEqualTo(Report.SCHEMA_VERSION);
  }

  @Test
  void thereAreNegativeVectors() throws Exception {
    assertThat(invalidVectors().map(p -> p.getFileName().toString()).toList())
        .contains("missing-field.json", "unknown-rule.json", "extra-key.json",
            "bad-fingerprint.json");
  }

  @ParameterizedTest
  @MethodSource("invalidVectors")
  void anInvalidVectorIsRefusedByTheSchemaAndTheReader(Path vector) throws Exception {
    byte[] json = Files.readAllBytes(vector);
    assertThat(validate(json)).as(vector.toString()).isNotEmpty();
    assertThatThrownBy(() -> ReportJson.read(json)).as(vector.toString())
        .isInstanceOf(InvalidReportException.class);
  }

  private static List<String> strings(JsonNode array) {
    assertThat(array.isArray()).isTrue();
    return JSON.convertValue(array, JSON.getTypeFactory()
        .constructCollectionType(List.class, String.class));
  }
}
