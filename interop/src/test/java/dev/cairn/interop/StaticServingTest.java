package dev.cairn.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.SimpleFileServer;
import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Proofs;
import dev.cairn.note.SignedNote;
import dev.cairn.tile.TileHashReader;
import dev.cairn.tile.TileLayout;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log's {@code tiles/} directory is a static C2SP tlog-tiles log: served by a plain static file
 * server (the JDK's {@code SimpleFileServer}, which knows nothing of Cairn), the Go auditor
 * checks it — the checkpoint's signature, every tile against its parent, every bundle, and the
 * earlier checkpoints' consistency — while the log runs and after it stopped; and every
 * checkpoint in the log's history has its partial tiles and bundles there at their exact paths,
 * as tlog-tiles requires.
 */
class StaticServingTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void theTilesDirectoryServedAsStaticFilesIsALogTheGoAuditorAccepts(@TempDir Path tmp)
      throws Exception {
    Path data = tmp.resolve("data");
    Path previous = Files.createDirectories(tmp.resolve("previous"));
    List<byte[]> checkpoints = new ArrayList<>();
    // Rounds of different sizes: full and partial bundles, a level-1 tile that fills up.
    int[] rounds = {37, 219, 300, 1, 555, 4};
    long total = 0;
    String vkey;
    try (LiveLog live = LiveLog.start(data)) {
      vkey = live.vkey();
      for (int i = 0; i < rounds.length; i++) {
        live.write("round " + i, rounds[i], 17); // and one more, which waits for a checkpoint
        total += rounds[i] + 1;
        byte[] c = live.client.checkpoint();
        checkpoints.add(c);
        Files.write(previous.resolve("checkpoint-" + i), c);
      }
      HttpServer files = serve(data.resolve("tiles"));
      try {
        GoTool.Result r = audit(vkey, files, previous);
        assertThat(r.exitCode()).as(r::describe).isZero();
        assertThat(r.stdout()).as(r::describe).contains("tree hash ok\n", "tiles ok\n",
            "previous " + rounds.length + " consistent ok\n");
      } finally {
        files.stop(0);
      }
      assertThat(live.client.history(1_000)).hasSizeGreaterThanOrEqualTo(rounds.length);
    }

    // The log has stopped: the directory alone is the log.
    HttpServer files = serve(data.resolve("tiles"));
    try {
      GoTool.Result r = audit(vkey, files, previous);
      assertThat(r.exitCode()).as(r::describe).isZero();
      assertThat(r.stdout()).as(r::describe).contains(" entries " + total + " ok\n");
      URI base = base(files);
      for (byte[] note : checkpoints) {
        Checkpoint c = Checkpoint.parse(SignedNote.parse(note).text());
        readEveryObjectExactly(base, c.size());
        TileHashReader reader = new TileHashReader(c.size(),
            tile -> get(base.resolve(tile.path())));
        assertThat(Proofs.treeHash(reader, c.size())).as("root of the checkpoint at %d served"
            + " statically", c.size()).isEqualTo(c.root());
      }
      assertThat(status(base.resolve(".tmp/"))).as("temporary files are not served")
          .isNotEqualTo(200);
    } finally {
      files.stop(0);
    }
  }

  private static HttpServer serve(Path root) {
    HttpServer s = SimpleFileServer.createFileServer(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), root.toAbsolutePath(),
        SimpleFileServer.OutputLevel.NONE);
    s.start();
    return s;
  }

  private static URI base(HttpServer s) {
    return URI.create("http://127.0.0.1:" + s.getAddress().getPort() + "/");
  }

  private static GoTool.Result audit(String vkey, HttpServer files, Path previous) {
    return GoTool.run(GoTool.program("auditor"), "-vkey", vkey, "-previous",
        previous.toString(), base(files).toString());
  }

  /**
   * Fetches every tile and bundle of the tree of {@code size} at its exact path: a checkpoint's
   * partial tiles must be there (the full tile standing in only once it exists).
   */
  private static void readEveryObjectExactly(URI base, long size) throws Exception {
    List<TilePath> paths = new ArrayList<>();
    for (long first = 0; first < size; first += TilePath.FULL_WIDTH) {
      paths.add(TileLayout.bundleFor(first, size));
    }
    for (int level = 0; TileLayout.hashesAtLevel(level, size) > 0; level++) {
      long hashes = TileLayout.hashesAtLevel(level, size);
      for (long first = 0; first < hashes; first += TilePath.FULL_WIDTH) {
        paths.add(TileLayout.tileFor(level, first, size));
      }
    }
    for (TilePath p : paths) {
      int code = status(base.resolve(p.path()));
      if (code != 200 && p.isPartial()) {
        TilePath full = p.withWidth(TilePath.FULL_WIDTH);
        assertThat(status(base.resolve(full.path())))
            .as("%s of size %d is gone, so its full tile must be there", p.path(), size)
            .isEqualTo(200);
      } else {
        assertThat(code).as("%s of size %d", p.path(), size).isEqualTo(200);
      }
    }
  }

  private static int status(URI uri) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(uri).GET().build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static byte[] get(URI uri) throws IOException {
    try {
      HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(uri).GET().build(),
          HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() == 404 && uri.getPath().contains(".p/")) {
        // A partial tile deleted once its full tile was published: the full one, cut.
        String full = uri.getPath().substring(0, uri.getPath().indexOf(".p/"));
        int width = Integer.parseInt(uri.getPath().substring(uri.getPath().indexOf(".p/") + 3));
        byte[] data = get(uri.resolve(full));
        return java.util.Arrays.copyOf(data, width * Hash.SIZE);
      }
      if (r.statusCode() != 200) {
        throw new IOException("GET " + uri + " answered " + r.statusCode());
      }
      return r.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
