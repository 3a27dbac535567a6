package dev.cairn.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Kubernetes objects of {@code deploy/k8s/} (one directory per variant, multi-document
 * YAML) and the invariants every variant keeps: probes, resources and the security context on
 * every container, a default-deny NetworkPolicy and an allowing one for every pod, pinned
 * images, container args that {@code cairn} takes, probe ports the container opens, and a grace
 * period that covers {@code --shutdown-timeout}.
 */
final class K8sManifests {
  /** The UID and GID the image runs as (a non-root user). */
  static final int USER = 65532;
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final Pattern FLAG = Pattern.compile("(?<![\\w-])(--[a-z][a-z0-9-]*)");

  /** One object, where it came from. */
  record K8sObject(Path file, String variant, JsonNode node) {
    String kind() {
      return node.path("kind").asText();
    }

    /** How messages name it: variant, kind and name. */
    String describe() {
      return variant + ": " + kind() + " " + node.path("metadata").path("name").asText();
    }
  }

  private K8sManifests() {}

  /**
   * Every Kubernetes object (a document with apiVersion and kind, not a kustomization) in the
   * YAML files under {@code root}; the variant is the file's directory relative to it.
   */
  static List<K8sObject> load(Path root) throws IOException {
    List<K8sObject> out = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
          .sorted().toList();
    }
    for (Path f : files) {
      String variant = root.relativize(f.getParent()).toString();
      try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
        while (docs.hasNext()) {
          JsonNode n = docs.next();
          if (n != null && n.has("apiVersion") && n.has("kind")
              && !n.path("kind").asText().equals("Kustomization")) {
            out.add(new K8sObject(f, variant, n));
          }
        }
      }
    }
    return out;
  }

  /** The options {@code cairn <command> --help} lists, for each command line prefix. */
  static Map<String, Set<String>> cairnOptions(List<String> commands) {
    Map<String, Set<String>> out = new HashMap<>();
    for (String command : commands) {
      List<String> args = new ArrayList<>(List.of(command.split(" ")));
      args.add("--help");
      StringWriter help = new StringWriter();
      int code = dev.cairn.cli.Main.run(args.toArray(String[]::new), new PrintWriter(help, true),
          new PrintWriter(new StringWriter(), true));
      if (code != 0) {
        throw new IllegalStateException("cairn " + command + " --help exited " + code);
      }
      Set<String> flags = new TreeSet<>();
      Matcher m = FLAG.matcher(help.toString());
      while (m.find()) {
        flags.add(m.group(1));
      }
      out.put(command, flags);
    }
    return out;
  }

  /** What breaks an invariant, one message per problem, naming the object and container. */
  static List<String> problems(List<K8sObject> objects, Map<String, Set<String>> options) {
    List<String> out = new ArrayList<>();
    Map<String, List<K8sObject>> byVariant = new HashMap<>();
    objects.forEach(o -> byVariant.computeIfAbsent(o.variant(), v -> new ArrayList<>()).add(o));
    for (var variant : new TreeSet<>(byVariant.keySet())) {
      List<K8sObject> in = byVariant.get(variant);
      List<K8sObject> policies = in.stream()
          .filter(o -> o.kind().equals("NetworkPolicy")).toList();
      if (policies.stream().noneMatch(K8sManifests::isDefaultDeny)) {
        out.add(variant + ": no default-deny NetworkPolicy (podSelector {}, policyTypes"
            + " Ingress and Egress, no rules)");
      }
      for (K8sObject o : in) {
        JsonNode template = o.node().path("spec").path("template");
        if (template.isMissingNode()) {
          continue;
        }
        checkPod(o, template, policies, options, out);
      }
    }
    return out;
  }

  private static boolean isDefaultDeny(K8sObject p) {
    JsonNode spec = p.node().path("spec");
    Set<String> types = new TreeSet<>();
    spec.path("policyTypes").forEach(t -> types.add(t.asText()));
    return spec.path("podSelector").isObject() && spec.path("podSelector").isEmpty()
        && types.equals(Set.of("Ingress", "Egress"))
        && spec.path("ingress").isEmpty() && spec.path("egress").isEmpty();
  }

  private static void checkPod(K8sObject o, JsonNode template, List<K8sObject> policies,
      Map<String, Set<String>> options, List<String> out) {
    String name = o.describe();
    JsonNode labels = template.path("metadata").path("labels");
    boolean allowed = policies.stream().filter(p -> !isDefaultDeny(p))
        .anyMatch(p -> selects(p.node().path("spec").path("podSelector"), labels));
    if (!allowed) {
      out.add(name + ": no NetworkPolicy (besides the default deny) selects its pods");
    }
    JsonNode pod = template.path("spec");
    JsonNode podSecurity = pod.path("securityContext");
    if (!podSecurity.path("runAsNonRoot").asBoolean(false)) {
      out.add(name + ": the pod's securityContext lacks runAsNonRoot: true");
    }
    if (!"RuntimeDefault".equals(podSecurity.path("seccompProfile").path("type").asText())) {
      out.add(name + ": the pod's securityContext lacks seccompProfile RuntimeDefault");
    }
    Set<String> emptyDirs = new TreeSet<>();
    pod.path("volumes").forEach(v -> {
      if (v.has("emptyDir")) {
        emptyDirs.add(v.path("name").asText());
      }
    });
    List<JsonNode> containers = new ArrayList<>();
    pod.path("initContainers").forEach(containers::add);
    pod.path("containers").forEach(containers::add);
    if (containers.isEmpty()) {
      out.add(name + ": no containers");
    }
    for (JsonNode c : containers) {
      checkContainer(name + " container " + c.path("name").asText(), c, podSecurity, emptyDirs,
          options, out);
    }
    long grace = pod.path("terminationGracePeriodSeconds").asLong(30);
    for (JsonNode c : pod.path("containers")) {
      long needed = shutdownSeconds(c) + c.path("lifecycle").path("preStop").path("sleep")
          .path("seconds").asLong(0);
      if (needed > 0 && grace <= needed) {
        out.add(name + ": terminationGracePeriodSeconds " + grace + " does not exceed the"
            + " preStop sleep and --shutdown-timeout of container " + c.path("name").asText()
            + " (" + needed + " s)");
      }
    }
  }

  private static void checkContainer(String name, JsonNode c, JsonNode podSecurity,
      Set<String> emptyDirs, Map<String, Set<String>> options, List<String> out) {
    for (String probe : List.of("livenessProbe", "readinessProbe")) {
      if (!c.has(probe)) {
        out.add(name + ": no " + probe);
      }
    }
    Set<String> portNames = new TreeSet<>();
    Set<Integer> portNumbers = new TreeSet<>();
    c.path("ports").forEach(p -> {
      portNumbers.add(p.path("containerPort").asInt());
      if (p.has("name")) {
        portNames.add(p.path("name").asText());
      }
    });
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      JsonNode action = c.path(probe).path("httpGet");
      if (action.isMissingNode()) {
        action = c.path(probe).path("tcpSocket");
      }
      if (action.isMissingNode()) {
        continue;
      }
      JsonNode port = action.path("port");
      boolean opens = port.isInt() ? portNumbers.contains(port.asInt())
          : portNames.contains(port.asText());
      if (!opens) {
        out.add(name + ": " + probe + " port " + port.asText() + " is not one of the"
            + " container's ports " + portNames + " " + portNumbers);
      }
    }
    JsonNode resources = c.path("resources");
    for (String kind : List.of("requests", "limits")) {
      for (String r : List.of("cpu", "memory")) {
        if (!resources.path(kind).has(r)) {
          out.add(name + ": no resources." + kind + "." + r);
        }
      }
    }
    JsonNode s = c.path("securityContext");
    if (!s.path("runAsNonRoot").asBoolean(podSecurity.path("runAsNonRoot").asBoolean(false))) {
      out.add(name + ": not runAsNonRoot");
    }
    for (String id : List.of("runAsUser", "runAsGroup")) {
      int value = s.path(id).asInt(podSecurity.path(id).asInt(-1));
      if (value != USER) {
        out.add(name + ": " + id + " is " + (value < 0 ? "not set" : value) + ", not " + USER);
      }
    }
    if (!s.path("readOnlyRootFilesystem").asBoolean(false)) {
      out.add(name + ": readOnlyRootFilesystem is not true");
    }
    if (s.path("allowPrivilegeEscalation").asBoolean(true)) {
      out.add(name + ": allowPrivilegeEscalation is not false");
    }
    boolean dropsAll = false;
    for (JsonNode d : s.path("capabilities").path("drop")) {
      dropsAll |= d.asText().equals("ALL");
    }
    if (!dropsAll || s.path("capabilities").path("add").size() > 0) {
      out.add(name + ": capabilities do not drop ALL (and add none)");
    }
    String seccomp = s.path("seccompProfile").path("type")
        .asText(podSecurity.path("seccompProfile").path("type").asText());
    if (!seccomp.equals("RuntimeDefault")) {
      out.add(name + ": seccompProfile is not RuntimeDefault");
    }
    boolean tmp = false;
    for (JsonNode m : c.path("volumeMounts")) {
      tmp |= m.path("mountPath").asText().equals("/tmp")
          && emptyDirs.contains(m.path("name").asText());
    }
    if (!tmp) {
      out.add(name + ": no emptyDir mounted at /tmp (the root filesystem is read-only)");
    }
    String image = c.path("image").asText();
    String last = image.substring(image.lastIndexOf('/') + 1);
    if (!image.contains("@sha256:") && (!last.contains(":") || last.endsWith(":latest"))) {
      out.add(name + ": image \"" + image + "\" is not pinned (no tag, or latest)");
    }
    checkArgs(name, c, options, out);
  }

  /** The container's {@code --flags} are options of the cairn command its args start with. */
  private static void checkArgs(String name, JsonNode c, Map<String, Set<String>> options,
      List<String> out) {
    List<String> args = new ArrayList<>();
    c.path("command").forEach(a -> args.add(a.asText()));
    c.path("args").forEach(a -> args.add(a.asText()));
    if (!args.isEmpty() && args.get(0).endsWith("cairn")) {
      args.remove(0);
    }
    List<String> words = new ArrayList<>();
    Iterator<String> it = args.iterator();
    while (it.hasNext()) {
      String a = it.next();
      if (a.startsWith("-")) {
        break;
      }
      words.add(a);
    }
    String command = String.join(" ", words);
    Set<String> known = options.get(command);
    if (known == null) {
      out.add(name + ": runs \"cairn " + command + "\", not one of the commands checked "
          + options.keySet());
      return;
    }
    Set<String> unknown = new LinkedHashSet<>();
    for (String a : args) {
      if (a.startsWith("--")) {
        String flag = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
        if (!known.contains(flag)) {
          unknown.add(flag);
        }
      }
    }
    if (!unknown.isEmpty()) {
      out.add(name + ": cairn " + command + " has no option " + String.join(", ", unknown));
    }
  }

  /** The seconds of {@code --shutdown-timeout=Ns} among the container's args, or 0. */
  private static long shutdownSeconds(JsonNode c) {
    for (JsonNode a : c.path("args")) {
      Matcher m = Pattern.compile("--shutdown-timeout=(\\d+)s").matcher(a.asText());
      if (m.matches()) {
        return Long.parseLong(m.group(1));
      }
    }
    return 0;
  }

  /** Whether a podSelector's matchLabels (no expressions) select pods with {@code labels}. */
  private static boolean selects(JsonNode selector, JsonNode labels) {
    if (selector.has("matchExpressions")) {
      return false;
    }
    Iterator<Map.Entry<String, JsonNode>> wanted = selector.path("matchLabels").fields();
    while (wanted.hasNext()) {
      var e = wanted.next();
      if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
        return false;
      }
    }
    return true;
  }
}
