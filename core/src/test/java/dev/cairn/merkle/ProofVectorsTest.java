package dev.cairn.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.testing.NaiveTree;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The transparency-dev/merkle proof vectors: the verifier must accept exactly the files with
 * {@code wantErr: false} and reject every other one.
 *
 * <p>A vector hash is parsed with the strict {@link Hash} parser, so a proof or leaf hash that is
 * not 32 bytes is rejected at parsing. Roots are the exception: a few vectors use short
 * placeholder roots ("don't care") where only their equality matters, so a root that is not 32
 * bytes is mapped through SHA-256, which keeps equal placeholders equal and different ones
 * different.
 */
class ProofVectorsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TestFactory
  Stream<DynamicTest> inclusionVectors() {
    return vectors("inclusion").map(f -> DynamicTest.dynamicTest(name(f), () -> {
      JsonNode v = read(f);
      boolean wantErr = v.get("wantErr").asBoolean();
      boolean ok = accepts(() -> ProofVerifier.verifyInclusion(
          Hash.fromBase64(v.get("leafHash").asText()), v.get("leafIdx").asLong(),
          v.get("treeSize").asLong(), proof(v), root(v.get("root"))));
      assertThat(ok).as(name(f) + ": " + v.get("desc").asText()).isEqualTo(!wantErr);
    }));
  }

  @TestFactory
  Stream<DynamicTest> consistencyVectors() {
    return vectors("consistency").map(f -> DynamicTest.dynamicTest(name(f), () -> {
      JsonNode v = read(f);
      boolean wantErr = v.get("wantErr").asBoolean();
      boolean ok = accepts(() -> ProofVerifier.verifyConsistency(
          v.get("size1").asLong(), v.get("size2").asLong(), proof(v),
          root(v.get("root1")), root(v.get("root2"))));
      assertThat(ok).as(name(f) + ": " + v.get("desc").asText()).isEqualTo(!wantErr);
    }));
  }

  @Test
  void everyVectorFileIsRun() {
    assertThat(vectors("inclusion").count() + vectors("consistency").count()).isEqualTo(196);
    assertThat(vectors("inclusion").filter(f -> !read(f).get("wantErr").asBoolean()).count())
        .isPositive();
  }

  @Test
  void shortHashesAreRejectedByTheParser() {
    assertThatThrownBy(() -> Hash.fromBase64("ZG9uJ3QgY2FyZSAy"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("44 characters");
  }

  private static boolean accepts(Runnable r) {
    try {
      r.run();
      return true;
    } catch (ProofException | IllegalArgumentException e) {
      return false;
    }
  }

  private static List<Hash> proof(JsonNode v) {
    List<Hash> out = new ArrayList<>();
    JsonNode p = v.get("proof");
    if (p != null && !p.isNull()) {
      p.forEach(h -> out.add(Hash.fromBase64(h.asText())));
    }
    return out;
  }

  private static Hash root(JsonNode n) {
    byte[] b = Base64.getDecoder().decode(n.asText());
    return b.length == Hash.SIZE ? Hash.of(b) : Hash.of(NaiveTree.sha(b));
  }

  private static Stream<Path> vectors(String kind) {
    try {
      return Files.walk(dir(kind)).filter(p -> p.toString().endsWith(".json")).sorted();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path dir(String kind) {
    try {
      return Path.of(ProofVectorsTest.class.getResource("/vectors/merkle/" + kind).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String name(Path f) {
    return f.getParent().getFileName() + "/" + f.getFileName();
  }

  private static JsonNode read(Path f) {
    try {
      return JSON.readTree(f.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
