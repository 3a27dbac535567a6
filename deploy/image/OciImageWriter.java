/*
 * Writes an OCI image layout (the OCI image-spec's oci-layout, index.json and blobs/sha256/) from
 * directories staged on disk, one per layer, without a container engine. scripts/image stages
 * Cairn's layers and runs this file with the JDK's source launcher; it needs nothing but the JDK.
 *
 * The output is a function of the staged files and the arguments only: tar entries sorted by
 * name, every entry's time set to --epoch (the commit's time), numeric owners (root unless
 * --owner says otherwise, no user or group names), modes normalised (0755 for directories and
 * executable files, 0644 for the rest, unless --mode says otherwise), gzip without a file name or
 * time, JSON written in a fixed order. Two runs on the same input give the same bytes.
 *
 *   java OciImageWriter.java --output DIR --epoch SECONDS --arch amd64 [--tag TAG]
 *       --layer COMMENT=DIR ... [--owner PATH=UID:GID ...] [--mode PATH=OCTAL ...]
 *       [--user U] [--workdir D] [--env K=V ...] [--entrypoint ARG ...] [--cmd ARG ...]
 *       [--port 8080/tcp ...] [--volume /data ...] [--label K=V ...]
 *
 * PATH in --owner and --mode is relative to the layer's root (data, not /data) and applies to
 * that entry in whichever layer holds it. Prints the manifest's digest.
 *
 *   java OciImageWriter.java drop-entries JAR OUT SUFFIX...
 *
 * copies JAR to OUT without the entries whose names end with one of the suffixes (the JNI
 * libraries for other systems that a jar carries), the other entries and their order unchanged.
 *
 *   java OciImageWriter.java tar-gz DIR OUT EPOCH
 *
 * writes DIR's contents as a gzipped tar to OUT the way a layer is written (scripts/release makes
 * the distribution's cairn-VERSION.tar.gz with it) and prints its SHA-256.
 */

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

public final class OciImageWriter {
  static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
  static final String INDEX_TYPE = "application/vnd.oci.image.index.v1+json";
  static final String CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";
  static final String LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";

  /** A blob written under blobs/sha256: its digest ("sha256:hex") and size in bytes. */
  record Blob(String digest, long size) {}

  /** A layer: its compressed blob and the digest of its uncompressed tar (the config's diff_id). */
  record Layer(String comment, Blob blob, String diffId) {}

  private OciImageWriter() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("drop-entries")) {
      dropEntries(Path.of(args[1]), Path.of(args[2]), List.of(args).subList(3, args.length));
      return;
    }
    if (args.length == 4 && args[0].equals("tar-gz")) {
      // Written beside OUT and renamed: a failure never leaves a partial OUT.
      Path out = Path.of(args[2]).toAbsolutePath();
      Path tmp = Files.createTempFile(out.getParent(), out.getFileName().toString(), ".tmp");
      Digesting compressed;
      try (OutputStream file = Files.newOutputStream(tmp)) {
        compressed = writeTarGz(Path.of(args[1]), file, Long.parseLong(args[3]), Map.of(),
            Map.of())[0];
      }
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
      System.out.println(HexFormat.of().formatHex(compressed.digest.digest()));
      return;
    }
    Map<String, List<String>> options = parse(args);
    Path output = Path.of(one(options, "output"));
    long epoch = Long.parseLong(one(options, "epoch"));
    String arch = one(options, "arch");
    Map<String, String> owners = pairs(options.get("owner"));
    Map<String, String> modes = pairs(options.get("mode"));

    Path blobs = output.resolve("blobs").resolve("sha256");
    Files.createDirectories(blobs);
    try (Stream<Path> top = Files.list(output); Stream<Path> inBlobs = Files.list(blobs)) {
      if (top.anyMatch(p -> !p.getFileName().toString().equals("blobs"))
          || inBlobs.findAny().isPresent()) {
        throw new IllegalArgumentException(output + " is not empty");
      }
    }

    // Layers are independent: compress them in parallel (the machine's cores, at most the layers).
    List<String> layerArgs = options.getOrDefault("layer", List.of());
    ExecutorService pool = Executors.newFixedThreadPool(
        Math.max(1, Math.min(layerArgs.size(), Runtime.getRuntime().availableProcessors())));
    List<Future<Layer>> pending = new ArrayList<>();
    for (String layer : layerArgs) {
      int eq = layer.indexOf('=');
      String comment = layer.substring(0, eq);
      Path dir = Path.of(layer.substring(eq + 1));
      pending.add(pool.submit(() -> writeLayer(blobs, comment, dir, epoch, owners, modes)));
    }
    List<Layer> layers = new ArrayList<>();
    for (Future<Layer> f : pending) {
      layers.add(f.get());
    }
    pool.shutdown();

    String created = Instant.ofEpochSecond(epoch).toString();
    Json config = Json.object()
        .put("created", created)
        .put("architecture", arch)
        .put("os", "linux")
        .put("config", imageConfig(options))
        .put("rootfs", Json.object().put("type", "layers")
            .put("diff_ids",
                Json.array(layers.stream().map(l -> Json.string(l.diffId())).toList())))
        .put("history", Json.array(layers.stream().map(l -> Json.object()
            .put("created", created).put("created_by", "scripts/image").put("comment", l.comment()))
            .toList()));
    Blob configBlob = writeBlob(blobs, config.bytes());

    Json manifest = Json.object()
        .put("schemaVersion", 2)
        .put("mediaType", MANIFEST_TYPE)
        .put("config", descriptor(CONFIG_TYPE, configBlob))
        .put("layers",
            Json.array(layers.stream().map(l -> descriptor(LAYER_TYPE, l.blob())).toList()));
    Map<String, String> labels = pairs(options.get("label"));
    if (!labels.isEmpty()) {
      manifest.put("annotations", Json.strings(labels));
    }
    Blob manifestBlob = writeBlob(blobs, manifest.bytes());

    Json entry = descriptor(MANIFEST_TYPE, manifestBlob)
        .put("platform", Json.object().put("architecture", arch).put("os", "linux"));
    List<String> tag = options.get("tag");
    if (tag != null) {
      entry.put("annotations", Json.object().put("org.opencontainers.image.ref.name", tag.get(0)));
    }
    Json index = Json.object()
        .put("schemaVersion", 2)
        .put("mediaType", INDEX_TYPE)
        .put("manifests", Json.array(List.of(entry)));
    Files.write(output.resolve("oci-layout"),
        Json.object().put("imageLayoutVersion", "1.0.0").bytes());
    Files.write(output.resolve("index.json"), index.bytes());
    System.out.println(manifestBlob.digest());
  }

  static void dropEntries(Path jar, Path out, List<String> suffixes) throws IOException {
    try (ZipFile in = new ZipFile(jar.toFile());
        ZipOutputStream zip = new ZipOutputStream(
            new BufferedOutputStream(Files.newOutputStream(out), 1 << 16))) {
      for (ZipEntry e : Collections.list(in.entries())) {
        if (suffixes.stream().anyMatch(e.getName()::endsWith)) {
          continue;
        }
        ZipEntry copy = new ZipEntry(e); // name, times, method, extra fields and comment
        copy.setCompressedSize(-1); // compressed again: the size may differ
        zip.putNextEntry(copy);
        try (InputStream data = in.getInputStream(e)) {
          data.transferTo(zip);
        }
        zip.closeEntry();
      }
    }
  }

  /** The config's "config" object: what a runtime runs, as whom, where. */
  static Json imageConfig(Map<String, List<String>> options) {
    Json c = Json.object();
    options.getOrDefault("user", List.of()).forEach(u -> c.put("User", u));
    List<String> ports = options.getOrDefault("port", List.of());
    if (!ports.isEmpty()) {
      Json exposed = Json.object();
      ports.stream().sorted().forEach(p -> exposed.put(p, Json.object()));
      c.put("ExposedPorts", exposed);
    }
    List<String> env = options.getOrDefault("env", List.of());
    if (!env.isEmpty()) {
      c.put("Env", Json.array(env.stream().map(Json::string).toList()));
    }
    List<String> entrypoint = options.getOrDefault("entrypoint", List.of());
    if (!entrypoint.isEmpty()) {
      c.put("Entrypoint", Json.array(entrypoint.stream().map(Json::string).toList()));
    }
    List<String> cmd = options.getOrDefault("cmd", List.of());
    if (!cmd.isEmpty()) {
      c.put("Cmd", Json.array(cmd.stream().map(Json::string).toList()));
    }
    List<String> volumes = options.getOrDefault("volume", List.of());
    if (!volumes.isEmpty()) {
      Json v = Json.object();
      volumes.stream().sorted().forEach(p -> v.put(p, Json.object()));
      c.put("Volumes", v);
    }
    options.getOrDefault("workdir", List.of()).forEach(w -> c.put("WorkingDir", w));
    Map<String, String> labels = pairs(options.get("label"));
    if (!labels.isEmpty()) {
      c.put("Labels", Json.strings(labels));
    }
    return c;
  }

  static Json descriptor(String mediaType, Blob blob) {
    return Json.object().put("mediaType", mediaType).put("digest", blob.digest())
        .put("size", blob.size());
  }

  static Blob writeBlob(Path blobs, byte[] content) throws IOException {
    String hex = HexFormat.of().formatHex(sha256().digest(content));
    Files.write(blobs.resolve(hex), content);
    return new Blob("sha256:" + hex, content.length);
  }

  /** Tars and gzips one staged directory into a blob; the tar's own digest is the diff_id. */
  static Layer writeLayer(Path blobs, String comment, Path dir, long epoch,
      Map<String, String> owners, Map<String, String> modes) throws IOException {
    Path tmp = Files.createTempFile(blobs.getParent(), "layer", ".tmp");
    Digesting[] written;
    try (OutputStream file = Files.newOutputStream(tmp)) {
      written = writeTarGz(dir, file, epoch, owners, modes);
    }
    Digesting compressed = written[0];
    Digesting tar = written[1];
    String hex = HexFormat.of().formatHex(compressed.digest.digest());
    Files.move(tmp, blobs.resolve(hex), StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(blobs.resolve(hex), PosixFilePermissions.fromString("rw-r--r--"));
    return new Layer(comment, new Blob("sha256:" + hex, compressed.count),
        "sha256:" + HexFormat.of().formatHex(tar.digest.digest()));
  }

  /**
   * Tars and gzips dir's contents (not dir itself) to file: returns what counted and hashed the
   * gzipped bytes and the tar's.
   */
  static Digesting[] writeTarGz(Path dir, OutputStream file, long epoch,
      Map<String, String> owners, Map<String, String> modes) throws IOException {
    Digesting compressed = new Digesting(new BufferedOutputStream(file, 1 << 16));
    // GZIPOutputStream writes no file name and a zero time: the bytes depend on the content only.
    GZIPOutputStream gzip = new GZIPOutputStream(compressed, 1 << 16);
    Digesting tar = new Digesting(new BufferedOutputStream(gzip, 1 << 16));
    TarWriter writer = new TarWriter(tar, epoch);
    for (Map.Entry<String, Path> entry : entries(dir).entrySet()) {
      Path p = entry.getValue();
      String name = dir.relativize(p).toString();
      String owner = owners.getOrDefault(name, "0:0");
      int colon = owner.indexOf(':');
      long uid = Long.parseLong(owner.substring(0, colon));
      long gid = Long.parseLong(owner.substring(colon + 1));
      String mode = modes.get(name);
      if (Files.isSymbolicLink(p)) {
        writer.symlink(name, Files.readSymbolicLink(p).toString(), uid, gid);
      } else if (Files.isDirectory(p)) {
        writer.directory(name, mode != null ? Integer.parseInt(mode, 8) : 0755, uid, gid);
      } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        boolean executable = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)
            .contains(PosixFilePermission.OWNER_EXECUTE);
        int m = mode != null ? Integer.parseInt(mode, 8) : executable ? 0755 : 0644;
        writer.file(name, p, m, uid, gid);
      } else {
        throw new IOException("neither a file, a directory nor a symbolic link: " + p);
      }
    }
    writer.finish();
    tar.flush();
    gzip.finish();
    compressed.flush();
    return new Digesting[] {compressed, tar};
  }

  /**
   * Every path under dir (not dir itself) by its name in the tar (a directory's ends with "/"),
   * sorted: a directory's name is a prefix of its children's, so it comes before them.
   */
  static TreeMap<String, Path> entries(Path dir) throws IOException {
    TreeMap<String, Path> entries = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.filter(p -> !p.equals(dir)).forEach(p -> entries.put(dir.relativize(p)
          + (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "/" : ""), p));
    }
    return entries;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Passes bytes through, counting and hashing them. */
  static final class Digesting extends FilterOutputStream {
    final MessageDigest digest = sha256();
    long count;

    Digesting(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      digest.update((byte) b);
      count++;
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      digest.update(b, off, len);
      count += len;
      out.write(b, off, len);
    }
  }

  /**
   * A POSIX tar (ustar) writer: regular files, directories and symbolic links; a pax extended
   * header carries a name or link target longer than ustar's 100 bytes. No user or group names,
   * no device numbers, one fixed time.
   */
  static final class TarWriter {
    private final OutputStream out;
    private final long mtime;

    TarWriter(OutputStream out, long mtime) {
      this.out = out;
      this.mtime = mtime;
    }

    void directory(String name, int mode, long uid, long gid) throws IOException {
      header(name + "/", mode, uid, gid, 0, '5', "");
    }

    void symlink(String name, String target, long uid, long gid) throws IOException {
      header(name, 0777, uid, gid, 0, '2', target);
    }

    void file(String name, Path source, int mode, long uid, long gid) throws IOException {
      long size = Files.size(source);
      header(name, mode, uid, gid, size, '0', "");
      long copied = Files.copy(source, out);
      if (copied != size) {
        throw new IOException(source + " changed while being written");
      }
      pad(size);
    }

    /** The end of the archive: two zero blocks. */
    void finish() throws IOException {
      out.write(new byte[1024]);
    }

    private void header(String name, int mode, long uid, long gid, long size, char type,
        String link) throws IOException {
      byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
      byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);
      if (nameBytes.length > 100 || linkBytes.length > 100) {
        StringBuilder pax = new StringBuilder();
        if (nameBytes.length > 100) {
          pax.append(paxRecord("path", name));
        }
        if (linkBytes.length > 100) {
          pax.append(paxRecord("linkpath", link));
        }
        byte[] records = pax.toString().getBytes(StandardCharsets.UTF_8);
        block("PaxHeaders/" + truncate(name, 80), 0644, 0, 0, records.length, 'x', "");
        out.write(records);
        pad(records.length);
      }
      block(truncate(name, 100), mode, uid, gid, size, type, truncate(link, 100));
    }

    private void block(String name, int mode, long uid, long gid, long size, char type,
        String link) throws IOException {
      byte[] h = new byte[512];
      put(h, 0, 100, name.getBytes(StandardCharsets.UTF_8));
      octal(h, 100, 8, mode);
      octal(h, 108, 8, uid);
      octal(h, 116, 8, gid);
      octal(h, 124, 12, size);
      octal(h, 136, 12, mtime);
      Arrays.fill(h, 148, 156, (byte) ' ');
      h[156] = (byte) type;
      put(h, 157, 100, link.getBytes(StandardCharsets.UTF_8));
      put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
      put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
      octal(h, 329, 8, 0);
      octal(h, 337, 8, 0);
      long sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      put(h, 148, 8, String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII));
      out.write(h);
    }

    private void pad(long size) throws IOException {
      int rest = (int) (size % 512);
      if (rest != 0) {
        out.write(new byte[512 - rest]);
      }
    }

    /** "LEN key=value\n", where LEN counts the whole record including its own digits. */
    static String paxRecord(String key, String value) {
      int body = (" " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8).length;
      int len = body + String.valueOf(body).length();
      if (String.valueOf(len).length() != String.valueOf(body).length()) {
        len++;
      }
      return len + " " + key + "=" + value + "\n";
    }

    /** At most max bytes of s's UTF-8, cut at a character boundary. */
    static String truncate(String s, int max) {
      String t = s;
      while (t.getBytes(StandardCharsets.UTF_8).length > max) {
        t = t.substring(0, t.length() - 1);
      }
      return t;
    }

    static void octal(byte[] h, int offset, int width, long value) {
      String digits = Long.toOctalString(value);
      if (digits.length() > width - 1) {
        throw new IllegalArgumentException(value + " does not fit a tar header field");
      }
      String field = "0".repeat(width - 1 - digits.length()) + digits;
      put(h, offset, width, (field + "\0").getBytes(StandardCharsets.US_ASCII));
    }

    static void put(byte[] h, int offset, int width, byte[] value) {
      System.arraycopy(value, 0, h, offset, Math.min(width, value.length));
    }
  }

  /** Just enough JSON: objects keep the order their members were put in. */
  static final class Json {
    private final Object value;

    private Json(Object value) {
      this.value = value;
    }

    static Json object() {
      return new Json(new LinkedHashMap<String, Json>());
    }

    static Json array(List<Json> items) {
      return new Json(List.copyOf(items));
    }

    static Json string(String s) {
      return new Json(s);
    }

    /** An object of string members, sorted by key. */
    static Json strings(Map<String, String> map) {
      Json o = object();
      new TreeMap<>(map).forEach(o::put);
      return o;
    }

    @SuppressWarnings("unchecked")
    Json put(String key, Object v) {
      ((Map<String, Json>) value).put(key, v instanceof Json j ? j : new Json(v));
      return this;
    }

    byte[] bytes() {
      StringBuilder sb = new StringBuilder();
      write(sb);
      return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private void write(StringBuilder sb) {
      if (value instanceof Map<?, ?> map) {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<String, Json> e : ((Map<String, Json>) map).entrySet()) {
          sb.append(first ? "" : ",");
          first = false;
          quote(sb, e.getKey());
          sb.append(':');
          e.getValue().write(sb);
        }
        sb.append('}');
      } else if (value instanceof List<?> list) {
        sb.append('[');
        for (int i = 0; i < list.size(); i++) {
          sb.append(i == 0 ? "" : ",");
          ((Json) list.get(i)).write(sb);
        }
        sb.append(']');
      } else if (value instanceof String s) {
        quote(sb, s);
      } else {
        sb.append(value);
      }
    }

    private static void quote(StringBuilder sb, String s) {
      sb.append('"');
      for (char c : s.toCharArray()) {
        switch (c) {
          case '"' -> sb.append("\\\"");
          case '\\' -> sb.append("\\\\");
          case '\n' -> sb.append("\\n");
          default -> {
            if (c < 0x20) {
              sb.append(String.format("\\u%04x", (int) c));
            } else {
              sb.append(c);
            }
          }
        }
      }
      sb.append('"');
    }
  }

  /** --name value pairs; a name may repeat, its values kept in order. */
  static Map<String, List<String>> parse(String[] args) {
    Map<String, List<String>> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value, got " + args[i]);
      }
      options.computeIfAbsent(args[i].substring(2), k -> new ArrayList<>()).add(args[i + 1]);
    }
    return options;
  }

  static String one(Map<String, List<String>> options, String name) {
    List<String> values = options.get(name);
    if (values == null || values.size() != 1) {
      throw new IllegalArgumentException("--" + name + " is needed once");
    }
    return values.get(0);
  }

  /** K=V values as a map (later ones win). */
  static Map<String, String> pairs(List<String> values) {
    Map<String, String> map = new LinkedHashMap<>();
    if (values != null) {
      for (String v : values) {
        int eq = v.indexOf('=');
        if (eq < 0) {
          throw new IllegalArgumentException("expected K=V, got " + v);
        }
        map.put(v.substring(0, eq), v.substring(eq + 1));
      }
    }
    return map;
  }
}
