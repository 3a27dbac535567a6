package dev.cairn.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The manifests of {@code deploy/k8s/} keep the invariants of {@link K8sManifests}, and a
 * broken fixture ({@code src/test/resources/k8s-broken/}) breaks each one, named.
 */
class K8sManifestsTest {
  private static final Path DEPLOY = Path.of(System.getProperty("cairn.deploy.directory", "."));
  private static final List<String> COMMANDS = List.of("serve", "witness serve", "monitor serve");
  private static Map<String, Set<String>> options;

  @BeforeAll
  static void readCairnOptions() {
    options = K8sManifests.cairnOptions(COMMANDS);
  }

  @Test
  void cairnHelpListsTheOptionsTheChecksRelyOn() {
    assertThat(options.get("serve")).contains("--data", "--listen", "--shutdown-timeout",
        "--postgres", "--objects", "--tls-cert");
    assertThat(options.get("witness serve")).contains("--data", "--logs", "--name");
    assertThat(options.get("monitor serve")).contains("--config", "--profile");
    assertThat(options.get("monitor serve")).doesNotContain("--shutdown-timeout");
  }

  @Test
  void everyVariantKeepsTheInvariants() throws Exception {
    Path k8s = DEPLOY.resolve("k8s");
    List<K8sManifests.K8sObject> objects = K8sManifests.load(k8s);
    assertThat(objects).extracting(K8sManifests.K8sObject::variant)
        .contains("single-node", "cluster", "witness", "monitor");
    assertThat(objects).filteredOn(o -> o.kind().equals("StatefulSet")
        || o.kind().equals("Deployment")).hasSize(4);
    assertThat(K8sManifests.problems(objects, options)).isEmpty();
  }

  @Test
  void theBrokenFixtureBreaksEveryInvariantByName() throws Exception {
    Path broken = Path.of(K8sManifestsTest.class.getResource("/k8s-broken").toURI());
    assertThat(Files.isDirectory(broken)).isTrue();
    List<String> problems = K8sManifests.problems(K8sManifests.load(broken), options);
    String w = "variant: Deployment broken container cairn: ";
    assertThat(problems).contains(
        "variant: no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and"
            + " Egress, no rules)",
        "variant: Deployment broken: no NetworkPolicy (besides the default deny) selects its"
            + " pods",
        "variant: Deployment broken: the pod's securityContext lacks runAsNonRoot: true",
        "variant: Deployment broken: the pod's securityContext lacks seccompProfile"
            + " RuntimeDefault",
        w + "no livenessProbe",
        w + "no readinessProbe",
        w + "no resources.limits.memory",
        w + "not runAsNonRoot",
        w + "runAsUser is 0, not 65532",
        w + "runAsGroup is not set, not 65532",
        w + "readOnlyRootFilesystem is not true",
        w + "allowPrivilegeEscalation is not false",
        w + "capabilities do not drop ALL (and add none)",
        w + "seccompProfile is not RuntimeDefault",
        w + "no emptyDir mounted at /tmp (the root filesystem is read-only)",
        w + "image \"cairn:latest\" is not pinned (no tag, or latest)",
        w + "cairn serve has no option --shutdown-timeout-ms, --datadir",
        "variant: Deployment broken: terminationGracePeriodSeconds 20 does not exceed the"
            + " preStop sleep and --shutdown-timeout of container cairn (25 s)",
        "variant: Deployment untagged container sidecar: image \"registry.example/cairn\" is not"
            + " pinned (no tag, or latest)",
        "variant: Deployment untagged container sidecar: runs \"cairn witness\", not one of"
            + " the commands checked " + options.keySet());
    assertThat(problems).anyMatch(p -> p.startsWith(w + "startupProbe port 9090 is not one"));
  }
}
