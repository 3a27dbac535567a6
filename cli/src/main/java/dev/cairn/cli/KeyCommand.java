package dev.cairn.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code cairn key list|rotate|retire}: the admin actions on a running log's checkpoint keys,
 * over its {@code /admin/keys} routes with a bearer token holding the role {@code admin}.
 */
@Command(name = "key", description = "List, rotate or retire a running log's checkpoint keys"
    + " (role admin).",
    subcommands = {KeyCommand.List.class, KeyCommand.Rotate.class, KeyCommand.Retire.class})
final class KeyCommand implements Runnable {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--url", required = true, description = "The log, e.g. https://log.example")
  String url;

  @Option(names = "--token-file", required = true, paramLabel = "FILE",
      description = "File holding a bearer JWT with the role admin.")
  Path tokenFile;

  @Option(names = "--ca-cert", paramLabel = "FILE", description = "With an https --url: trust"
      + " the PEM certificates in FILE (a private CA) instead of the JDK's.")
  Path caCert;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  String call(String method, String path, String body) throws IOException {
    String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    if (!base.startsWith("http://") && !base.startsWith("https://")) {
      throw new CliException(CliException.USAGE, "--url must start with http:// or https://");
    }
    URI uri;
    try {
      uri = URI.create(base + path);
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, "--url is not a URL: " + e.getMessage());
    }
    if (uri.getScheme().equals("http") && !isLoopback(uri.getHost())) {
      // The admin token would cross the network in the clear, for anyone on the path to reuse.
      throw new CliException(CliException.USAGE, "--url " + url + " is plain http to another"
          + " machine: the admin token would cross the network in the clear; use https://"
          + " (plain http only to a loopback address)");
    }
    if (caCert != null && uri.getScheme().equals("http")) {
      throw new CliException(CliException.USAGE, "--ca-cert is for an https --url");
    }
    String token;
    try {
      token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new CliException(CliException.USAGE, "cannot read --token-file " + tokenFile + ": "
          + e.getMessage());
    }
    HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
        .header("Authorization", "Bearer " + token);
    req = body == null ? req.GET() : req.header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> resp;
    try (HttpClient client = HttpClients.builder(java.util.Optional.ofNullable(caCert), TIMEOUT)
        .build()) {
      resp = client.send(req.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    if (resp.statusCode() != 200) {
      throw new CliException(resp.statusCode() == 401 || resp.statusCode() == 403
          ? CliException.USAGE : CliException.IO, (body == null ? "GET " : "POST ") + base
          + path + " answered " + resp.statusCode() + ": " + resp.body().strip());
    }
    return resp.body();
  }

  static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    try {
      // Only names that need no lookup: a DNS answer cannot make a remote host "loopback".
      return host.equals("localhost") || (host.matches("([0-9]{1,3}\\.){3}[0-9]{1,3}|\\[[0-9a-fA-F:.]+\\]")
          && java.net.InetAddress.getByName(host).isLoopbackAddress());
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  @Command(name = "list", description = "Print the key ring: active and retired keys.")
  static final class List implements Callable<Integer> {
    @ParentCommand KeyCommand parent;

    @Override
    public Integer call() throws IOException {
      parent.spec.commandLine().getOut().print(parent.call("GET", "/admin/keys", null));
      parent.spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "rotate", description = "Add a checkpoint key; it signs beside the active keys"
      + " from the next checkpoint on, until you retire the old one.")
  static final class Rotate implements Callable<Integer> {
    @ParentCommand KeyCommand parent;

    @Option(names = "--type", paramLabel = "TYPE", description = "ed25519 (default) or mldsa44"
        + " for a new key file; with --pkcs11-label, the type (ed25519 or ecdsa) the HSM key"
        + " must have.")
    String type;

    @Option(names = "--pkcs11-label", paramLabel = "LABEL",
        description = "Add this key of the log's PKCS#11 token instead of a new key file.")
    String label;

    @Override
    public Integer call() throws IOException {
      if (type != null && !type.matches("ed25519|ecdsa|mldsa44")) {
        throw new CliException(CliException.USAGE, "--type must be ed25519, ecdsa or mldsa44");
      }
      com.fasterxml.jackson.databind.node.ObjectNode body =
          com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
      if (type != null) {
        body.put("type", type);
      }
      if (label != null) {
        body.put("pkcs11_label", label);
      }
      parent.spec.commandLine().getOut().println(parent.call("POST", "/admin/keys/rotate",
          body.toString()));
      parent.spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "retire", description = "Stop signing with a key (it stays in the ring, so"
      + " the checkpoints it signed still verify).")
  static final class Retire implements Callable<Integer> {
    @ParentCommand KeyCommand parent;

    @Option(names = "--key-id", required = true, paramLabel = "HEX",
        description = "The key's 8 hex digit key ID.")
    String keyId;

    @Option(names = "--force", description = "Retire it even though no checkpoint signed by"
        + " another active key of its type was published yet (a compromised key): clients"
        + " trusting only the keys left active cannot verify the latest checkpoint until the"
        + " log grows.")
    boolean force;

    @Override
    public Integer call() throws IOException {
      if (!keyId.matches("[0-9a-f]{8}")) {
        throw new CliException(CliException.USAGE, "--key-id must be 8 lowercase hex digits");
      }
      parent.spec.commandLine().getOut().println(parent.call("POST", "/admin/keys/retire",
          "{\"key_id\":\"" + keyId + "\"" + (force ? ",\"force\":true" : "") + "}"));
      parent.spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
