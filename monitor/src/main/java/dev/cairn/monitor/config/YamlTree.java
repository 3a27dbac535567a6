package dev.cairn.monitor.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;

/**
 * Reads YAML into a Jackson tree, more strictly than Jackson does: one document whose root is a
 * mapping; keys are text and appear once in each mapping; no aliases ({@code *name}, which
 * Jackson would read as the text {@code name}). Scalars keep the type YAML gives them: a
 * number, {@code true}/{@code false}, null, or text.
 */
final class YamlTree {
  private static final YAMLFactory YAML = YAMLFactory.builder().build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private YamlTree() {}

  /**
   * The mapping in {@code yaml}.
   *
   * @param label names the file in error messages
   * @throws ConfigException naming the line, or the key path of a duplicate key
   */
  static ObjectNode read(byte[] yaml, String label) {
    try (JsonParser p = YAML.createParser(yaml)) {
      JsonToken first = p.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw new ConfigException(label + ": expected a mapping of settings"
            + (first == null ? ", the file is empty" : ""));
      }
      ObjectNode root = mapping(p, "", label);
      if (p.nextToken() != null) {
        throw new ConfigException(label + ": line " + line(p.currentLocation())
            + ": a second YAML document; the file holds one");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw new ConfigException(label + ": line " + line(e.getLocation()) + ": not valid YAML: "
          + e.getOriginalMessage().lines().findFirst().orElse(""));
    } catch (IOException e) {
      throw new ConfigException(label + ": couldn't read: " + e.getMessage());
    }
  }

  private static ObjectNode mapping(JsonParser p, String path, String label) throws IOException {
    ObjectNode out = NODES.objectNode();
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      String key = p.currentName();
      String keyPath = Mapping.child(path, key);
      if (out.has(key)) {
        throw new ConfigException(label + ": " + keyPath + ": duplicate key (again on line "
            + line(p.currentLocation()) + ")");
      }
      out.set(key, value(p, p.nextToken(), keyPath, label));
    }
    return out;
  }

  private static JsonNode value(JsonParser p, JsonToken t, String path, String label)
      throws IOException {
    if (p instanceof YAMLParser y && y.isCurrentAlias()) {
      throw new ConfigException(label + ": " + path + ": YAML aliases (*" + p.getText()
          + ") are not supported; write the value out");
    }
    return switch (t) {
      case START_OBJECT -> mapping(p, path, label);
      case START_ARRAY -> {
        ArrayNode a = NODES.arrayNode();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          a.add(value(p, e, Mapping.index(path, a.size()), label));
        }
        yield a;
      }
      case VALUE_STRING -> NODES.textNode(p.getText());
      case VALUE_NUMBER_INT -> NODES.numberNode(p.getBigIntegerValue());
      case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDecimalValue());
      case VALUE_TRUE, VALUE_FALSE -> NODES.booleanNode(t == JsonToken.VALUE_TRUE);
      case VALUE_NULL -> NODES.nullNode();
      default -> throw new ConfigException(label + ": " + path + ": unexpected YAML " + t);
    };
  }

  private static String line(JsonLocation at) {
    return at == null ? "?" : String.valueOf(at.getLineNr());
  }
}
