package dev.cairn.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cairn.witnessing.AddCheckpoint;
import java.util.OptionalLong;

/**
 * The witness's request framing: an add-checkpoint body is rejected with {@link
 * IllegalArgumentException} or parsed and written back byte for byte (the framing is
 * canonical); a 409 answer's size body is read only if it is exactly what {@link
 * AddCheckpoint#sizeBody} writes. Any other exception is a bug.
 */
class AddCheckpointFuzzTest {
  @FuzzTest(maxDuration = "2m")
  void addCheckpoint(byte[] data) {
    AddCheckpoint request;
    try {
      request = AddCheckpoint.parse(data);
    } catch (IllegalArgumentException expected) {
      return;
    }
    assertThat(request.encode()).isEqualTo(data);
    assertThat(request.proof()).hasSizeLessThanOrEqualTo(AddCheckpoint.MAX_PROOF);
    assertThat(request.note()).isNotEmpty();
  }

  @FuzzTest(maxDuration = "2m")
  void sizeBody(byte[] data) {
    OptionalLong size = AddCheckpoint.parseSizeBody(data);
    if (size.isPresent()) {
      assertThat(AddCheckpoint.sizeBody(size.getAsLong())).isEqualTo(data);
    }
  }
}
