package dev.cairn.log.storage.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.StorageException.Kind;
import java.io.IOException;
import java.nio.file.FileSystemException;
import org.junit.jupiter.api.Test;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** The embedded backend's one translation of operating system errors into kinds. */
class FileErrorsTest {
  @Test
  void kindsComeFromTheOperatingSystemsMessageAnywhereInTheCauses() {
    assertThat(FileErrors.kindOf(new IOException("dedup write failed: While appending to file:"
        + " /data/index/000004.log: No space left on device"))).isEqualTo(Kind.NO_SPACE);
    assertThat(FileErrors.kindOf(new IOException("Disk quota exceeded")))
        .isEqualTo(Kind.NO_SPACE);
    assertThat(FileErrors.kindOf(new IOException("sequencing failed",
        new FileSystemException("/data/x", null, "Read-only file system"))))
        .isEqualTo(Kind.READ_ONLY);
    IOException suppressed = new IOException("couldn't append");
    suppressed.addSuppressed(new IOException("Input/output error"));
    assertThat(FileErrors.kindOf(suppressed)).isEqualTo(Kind.IO_ERROR);
    assertThat(FileErrors.kindOf(new IOException("injected LOSE fault"))).isEqualTo(Kind.OTHER);
    assertThat(FileErrors.kindOf(new IllegalStateException())).isEqualTo(Kind.OTHER);
  }

  @Test
  void rocksDbSaysWhatFailedInItsStatus() {
    assertThat(FileErrors.kindOf(new RocksDBException("While appending: full",
        new Status(Status.Code.IOError, Status.SubCode.NoSpace, "full")))).isEqualTo(Kind.NO_SPACE);
    assertThat(FileErrors.kindOf(new RocksDBException("block checksum mismatch",
        new Status(Status.Code.Corruption, Status.SubCode.None, "checksum"))))
        .isEqualTo(Kind.CORRUPT);
    assertThat(FileErrors.kindOf(new RocksDBException("x",
        new Status(Status.Code.IOError, Status.SubCode.None, "Read-only file system"))))
        .isEqualTo(Kind.READ_ONLY);
  }

  @Test
  void wrappingKeepsTheMessageAndTheCause() {
    IOException e = new IOException("couldn't write tile/0/000: No space left on device");
    StorageException s = FileErrors.wrap(e);
    assertThat(s.kind()).isEqualTo(Kind.NO_SPACE);
    assertThat(s).hasMessage(e.getMessage()).hasCause(e);
    assertThat(FileErrors.wrap(s)).isSameAs(s);
  }
}
