package dev.cairn.log.storage;

import dev.cairn.log.storage.embedded.LocalObjectStore;
import dev.cairn.read.LogReader;
import dev.cairn.read.LogReaderContract;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The {@link LogReaderContract} over the log's own object store: a running log's tiles read as
 * any tlog-tiles log (the third source beside a directory and HTTP, which core's tests run).
 */
class ObjectStoreReaderTest extends LogReaderContract {
  @Override
  protected LogReader open(Path root) throws IOException {
    return new ObjectStoreReader(new LocalObjectStore(root), "the test's object store");
  }

  @Override
  protected String location(Path root, String p) {
    return p;
  }
}
