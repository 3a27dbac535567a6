package dev.cairn.cluster;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.note.SignedNote;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An object store whose {@code checkpoint} object never moves back to a smaller tree. A node
 * publishes the object after its swap in PostgreSQL succeeded; if it then pauses (a GC, a
 * SIGSTOP) and another node takes the lease and publishes a newer checkpoint, the late write of
 * the older one would replace the newer one. So the object is read first and a smaller
 * checkpoint is not written. (The read and the write are two requests: a pause between exactly
 * those two can still land an older object, until the holder's next publication; a conditional
 * put with {@code If-Match} would close that window where the service supports it.)
 */
final class ForwardOnlyCheckpoint implements ObjectStore {
  private static final Logger LOG = LoggerFactory.getLogger(ForwardOnlyCheckpoint.class);
  private final ObjectStore objects;

  ForwardOnlyCheckpoint(ObjectStore objects) {
    this.objects = objects;
  }

  @Override
  public void create(String path, byte[] data) throws IOException {
    objects.create(path, data);
  }

  @Override
  public void createAll(Map<String, byte[]> all) throws IOException {
    objects.createAll(all);
  }

  @Override
  public Optional<byte[]> get(String path) throws IOException {
    return objects.get(path);
  }

  @Override
  public void deletePartials(TilePath full, IntPredicate widths) throws IOException {
    objects.deletePartials(full, widths);
  }

  @Override
  public void publishCheckpoint(byte[] note) throws IOException {
    Optional<byte[]> current = objects.get(CHECKPOINT);
    if (current.isPresent()) {
      long now = size(current.get());
      long next = size(note);
      if (now > next) {
        LOG.warn("not replacing the bucket's checkpoint of size {} with one of size {}: another"
            + " node published after this one", now, next);
        return;
      }
    }
    objects.publishCheckpoint(note);
  }

  private static long size(byte[] note) {
    try {
      return Checkpoint.parse(SignedNote.parse(note).text()).size();
    } catch (RuntimeException e) {
      return -1; // unreadable: replace it
    }
  }
}
