package dev.cairn.log.storage;

import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * Where the log publishes: tiles and entry bundles under their C2SP tlog-tiles paths (full ones
 * at {@code tile/<L>/<N>}, partial ones at {@code tile/<L>/<N>.p/<W>}, bundles likewise under
 * {@code tile/entries/}) and the latest checkpoint at {@code checkpoint}. Its contents are a
 * static tlog-tiles log: a directory or bucket any static web server or CDN can serve.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>Tiles and bundles are immutable. {@link #create} stores an object only where there is
 *       none; where the same bytes are stored already it succeeds and changes nothing; where
 *       other bytes are stored it MUST fail with a {@link StorageException} of kind {@link
 *       StorageException.Kind#CONFLICT} and MUST NOT replace them. (The log's objects are a
 *       function of its entries, so a second writer — a restart replaying its sequence log, a
 *       holder whose lease was taken — can only ever write the same bytes.)
 *   <li>When {@link #create} returns, the object is durable and every later {@link #get} sees
 *       it whole; a crash during it leaves the whole object or none, never a part.
 *   <li>Only partial versions of a tile are ever deleted ({@link #deletePartials}): those no
 *       published checkpoint needs, and all of them once the full tile is published.
 *   <li>{@link #publishCheckpoint} atomically and durably replaces the one mutable object.
 *   <li>Every method MAY be called concurrently with any other, for different paths.
 * </ul>
 */
public interface ObjectStore {
  /** The path of the latest checkpoint, the one mutable object. */
  String CHECKPOINT = "checkpoint";

  /**
   * Stores {@code data} at {@code path} durably, unless it is stored there already.
   *
   * @throws StorageException of kind {@code CONFLICT} if other bytes are stored at the path
   */
  void create(String path, byte[] data) throws IOException;

  /**
   * Stores each object as {@link #create} does; when it returns, all of them are durable. The
   * group is not atomic: after a failure or crash any subset may have landed. Backends override
   * it to write in parallel and share the cost of making names durable.
   */
  default void createAll(Map<String, byte[]> objects) throws IOException {
    for (Map.Entry<String, byte[]> o : objects.entrySet()) {
      create(o.getKey(), o.getValue());
    }
  }

  /** The object at {@code path}, if there is one. */
  Optional<byte[]> get(String path) throws IOException;

  /**
   * Deletes the partial versions {@code <path>.p/<W>} of the tile or bundle {@code full} whose
   * width {@code W} {@code widths} accepts. tlog-tiles lets a log drop them once the full one is
   * available; before that, only widths no published checkpoint needs may go.
   */
  void deletePartials(TilePath full, IntPredicate widths) throws IOException;

  /** Atomically and durably replaces the {@value #CHECKPOINT} object with {@code note}. */
  void publishCheckpoint(byte[] note) throws IOException;
}
