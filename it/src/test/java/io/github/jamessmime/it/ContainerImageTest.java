/*
 * Copyright 2026 the james-smime authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */
package io.github.jamessmime.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.opentest4j.TestAbortedException;

import io.github.jamessmime.it.SmtpSink.ReceivedMail;
import io.github.jamessmime.testing.TestPki;

/**
 * The image as a user runs it: docker/Dockerfile built with podman on the local stand-in of apache/james:memory-3.8.1
 * (docker/standin/build), started from a copy of docker/docker-compose.yml with podman-compose (the copy differs only in
 * the image, host ports, relay gateway and trust anchors, which the first test checks), with a store, keys and passwords
 * made at test time and given as the README says: secrets files, the store volume filled with {@code podman cp} before
 * the first start. Mail submitted with SMTP AUTH leaves the container S/MIME- and DKIM-signed, to an SMTP sink on this
 * host; the image holds no key, password or store; an upgrade keeps the store volume and the usage counts; a
 * read-only store laid out as a Kubernetes Secret signs, counts and follows an atomic swap; two nodes sharing it and
 * one usage volume add up their counts.
 *
 * <p>Needs root podman (installed by docker/standin/build) and podman-compose (bin/test installs it). Where they cannot
 * run the tests fail with one line saying what is missing, or are skipped with that line when
 * {@code JAMES_SMIME_CONTAINER_TESTS=skip}. Everything made here is removed at the end except the stand-in image.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerImageTest {

    private static final String DOMAIN = "shop.example";
    private static final String BILLING = "billing@" + DOMAIN;
    private static final String USER_PASSWORD = "billing-user-secret";
    private static final String RECIPIENT = "someone@example.net";
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration STANDIN_TIMEOUT = Duration.ofMinutes(20);
    private static final String SKIP_VARIABLE = "JAMES_SMIME_CONTAINER_TESTS";
    private static final String STANDIN_IMAGE = "docker.io/apache/james:memory-3.8.1";
    private static final String STORE_IN_CONTAINER = "/srv/smime/store";
    /** The test CA's root, given as the README says for a private CA: a secret named by SMIME_TRUST_ANCHORS. */
    private static final List<String> TRUST_ANCHORS_LINES = List.of(
        "      SMIME_TRUST_ANCHORS: /run/secrets/smime_trust_anchors",
        "      - smime_trust_anchors",
        "  smime_trust_anchors:",
        "    file: ./secrets/roots.pem");
    /** The line of docker/docker-compose.yml that mounts the store volume. */
    private static final String STORE_VOLUME_LINE =
        "      - smime-store:/srv/smime/store     # the certificate store (PKCS#12 files); shared by every node that mounts it";
    private static final String EXTENSIONS_IN_IMAGE = "/opt/james-smime/extensions-jars";
    /** A PEM private key of any kind (PKCS#8, RSA, EC, ENCRYPTED); the label is split so that no key-looking literal is committed. */
    private static final Pattern PEM_PRIVATE_KEY = Pattern.compile("-----BEGIN [A-Z0-9 ]*" + "PRIVATE" + " KEY-----");

    /** Stacks that are up; their logs go into the message of a failing test. */
    private static final List<ComposeStack> OPEN_STACKS = new CopyOnWriteArrayList<>();
    /** What a test made for itself (stacks, volumes), removed after it. */
    private static final List<AutoCloseable> PER_TEST = new CopyOnWriteArrayList<>();

    private static Podman podman;
    private static Path root;
    private static Path run;
    private static String id;
    private static String imageTag;
    private static final List<String> IMAGE_TAGS = new ArrayList<>();
    private static String originalCompose;
    private static ItStore store;
    private static BillingCertificate billing;
    private static KeyPair dkimKeys;
    private static AdminTokens tokens;
    private static SmtpSink sink;
    private static ComposeStack primary;

    @RegisterExtension
    static final InvocationInterceptor CONTAINER_LOGS_ON_FAILURE = new ContainerLogsOnFailure();

    /** The sender's certificate and the PKCS#12 file it was written to. */
    private static final class BillingCertificate {
        final X509Certificate certificate;
        final Path pkcs12;

        BillingCertificate(X509Certificate certificate, Path pkcs12) {
            this.certificate = certificate;
            this.pkcs12 = pkcs12;
        }
    }

    @BeforeAll
    static void buildTheImageAndStartItWithCompose() throws Exception {
        root = ItEnvironment.confDirectory().getParent();
        podman = new Podman(root);
        requireContainerEngine();

        run = ItEnvironment.newRunDirectory(ContainerImageTest.class.getSimpleName());
        id = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        imageTag = "localhost/james-smime-it:" + id;
        buildImage(imageTag, root, root.resolve("docker/Dockerfile"));
        originalCompose = Files.readString(root.resolve("docker/docker-compose.yml"), StandardCharsets.UTF_8);

        store = ItStore.create(run.resolve("pki"));
        billing = issueBilling("billing.p12", 0);
        dkimKeys = rsaKeyPair();
        tokens = AdminTokens.generate();
        sink = SmtpSink.startOn(hostAddressForContainers());

        primary = newStack("a", composeCopy(imageTag, Map.of(), List.of()));
        // As the README says: the store volume is filled before the first start (compose creates the container, the
        // files are copied into its volume, then it starts).
        primary.compose("up", "--no-start");
        primary.podman("cp", billing.pkcs12.toString(), primary.container() + ":" + STORE_IN_CONTAINER + "/billing.p12");
        primary.compose("start");
        primary.awaitStarted();
        provision(primary);
    }

    @AfterEach
    void removeWhatTheTestMade() throws Exception {
        List<AutoCloseable> made = new ArrayList<>(PER_TEST);
        Collections.reverse(made);
        PER_TEST.clear();
        ItEnvironment.closeAll(made.toArray(new AutoCloseable[0]));
    }

    @AfterAll
    static void removeContainersVolumesNetworksAndImages() throws Exception {
        List<AutoCloseable> cleanup = new ArrayList<>();
        if (primary != null) {
            cleanup.add(() -> close(primary));
        }
        cleanup.add(sink);
        for (String tag : IMAGE_TAGS) {
            cleanup.add(() -> podman.podman(Duration.ofMinutes(2), "rmi", "-f", tag).check());
        }
        ItEnvironment.closeAll(cleanup.toArray(new AutoCloseable[0]));
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void composeCopyShouldDifferFromTheShippedFileOnlyInImagePortsGatewayAndTrustAnchorsSecret() throws Exception {
        String copy = Files.readString(primary.composeFile(), StandardCharsets.UTF_8);

        assertCopyChangesOnly(primary, imageTag, List.of(), List.of());
        // the secrets are the files the shipped compose file names, beside the copy
        assertThat(copy).contains("file: ./secrets/smime-store.password", "file: ./secrets/webadmin-jwt-public.pem",
            "file: ./secrets/dkim-private.pem", "- smime-store:/srv/smime/store");
        assertThat(primary.directory().resolve("secrets/roots.pem")).hasSameBinaryContentAs(store.rootPem());
    }

    @Test
    @Order(2)
    void imageShouldHoldNoKeyPasswordOrStoreAndExactlyOneExtensionJar() throws Exception {
        Path layers = Files.createDirectories(run.resolve("image-layers"));
        List<String> findings = new ArrayList<>();
        Map<String, byte[]> confInImage = new TreeMap<>();
        try {
            for (Path layer : layersAddedByTheDockerfile(imageTag, layers)) {
                scanLayer(layer, findings, confInImage);
            }
        } finally {
            deleteTree(layers);
        }

        assertThat(findings).as("keys, passwords, PKCS#12 files or store files in the layers docker/Dockerfile adds").isEmpty();
        assertThat(confInImage).as("/opt/james-smime/conf of the image: james-conf/ without its README and .gitignore")
            .containsOnlyKeys(expectedConfFiles().keySet());
        for (Map.Entry<String, byte[]> file : expectedConfFiles().entrySet()) {
            assertThat(confInImage.get(file.getKey())).as("conf/%s in the image", file.getKey()).isEqualTo(file.getValue());
        }
        String jars = primary.podman("exec", primary.container(), "sh", "-c", "cd " + EXTENSIONS_IN_IMAGE + " && sha256sum *").output;
        assertThat(jars.strip().split("\n")).as("files in %s", EXTENSIONS_IN_IMAGE).hasSize(1);
        assertThat(jars).as("the extension jar in the image is dist/target's")
            .startsWith(sha256(Files.readAllBytes(ItEnvironment.extensionJar())) + "  " + ItEnvironment.extensionJar().getFileName());
    }

    @Test
    @Order(3)
    void webAdminShouldRefuseRequestsWithoutTheOperatorsTokenAndAnswerWithIt() {
        for (String path : List.of("/domains", "/users", "/smime/usage", "/smime/certificates")) {
            assertThat(primary.webAdminWithoutToken().get(path).statusCode()).as("GET %s without a token", path).isEqualTo(401);
            assertThat(primary.webAdmin().get(path).statusCode()).as("GET %s with the operator's token", path).isBetween(200, 299);
        }
        assertThat(body(primary.webAdmin().get("/domains"))).contains("\"" + DOMAIN + "\"");
        assertThat(body(primary.webAdmin().get("/users"))).contains("\"" + BILLING + "\"");
        assertThat(new WebAdminClient(ItEnvironment.LOOPBACK, primary.webAdminPort(), Optional.of(AdminTokens.foreignToken()))
            .get("/domains").statusCode()).as("a token signed by another key").isEqualTo(401);
    }

    @Test
    @Order(4)
    void mailSubmittedToTheContainerShouldLeaveSignedAndDkimSigned() throws Exception {
        TestMessage mail = TestMessage.text(BILLING, RECIPIENT, "Invoice – through the container");

        mail.sendAuthenticated(ItEnvironment.LOOPBACK, primary.submissionPort(), BILLING, USER_PASSWORD);
        ReceivedMail received = sink.awaitMessageId(mail.messageId(), DELIVERY_TIMEOUT);
        Path file = save(received, "signed-in-container.eml");

        assertThat(received.contentType().toLowerCase(Locale.ROOT)).as("Content-Type of the delivered message")
            .startsWith("multipart/signed").contains("protocol=\"application/pkcs7-signature\"");
        assertThat(received.header("From")).isEqualTo(BILLING);
        assertThat(received.header("To")).isEqualTo(RECIPIENT);
        assertSignedBy(file, billing.certificate);
        assertThat(received.header("DKIM-Signature")).as("DKIM-Signature header").contains("d=" + DOMAIN).contains("s=demo");
        assertDkimVerifies(file);
    }

    @Test
    @Order(5)
    void healthcheckAndMetricsShouldShowTheStoreWithoutAToken() throws Exception {
        HttpResponse<byte[]> health = primary.webAdminWithoutToken().get("/healthcheck");
        HttpResponse<byte[]> metrics = primary.webAdminWithoutToken().get("/metrics");

        assertThat(health.statusCode()).as("GET /healthcheck: %s", body(health)).isEqualTo(200);
        assertThat(smimeCheck(body(health))).as("the S/MIME check in %s", body(health)).containsEntry("status", "healthy");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).get().asString().startsWith("text/plain; version=0.0.4");
        Map<String, Double> samples = smimeSamples(body(metrics));
        assertThat(samples).as("smime_* samples of /metrics").containsEntry("smime_certificates_usable_senders", 1.0)
            .containsEntry("smime_certificates_refused_files", 0.0).containsKey("smime_signing_native_provider");
        assertThat(samples.get("smime_signed_total")).as("smime_signed_total").isGreaterThanOrEqualTo(1.0);
        // the compose file's health check command (curl in the container), run by podman as its systemd timer would
        primary.podman("healthcheck", "run", primary.container());
        assertThat(primary.podman("inspect", "--format", "{{.State.Health.Status}}", primary.container()).output.strip())
            .as("health of the container after podman healthcheck run").isEqualTo("healthy");
    }

    @Test
    @Order(6)
    void inspectingTheContainerShouldShowTheDkimKeyFileButNeitherTheKeyNorThePassword() throws Exception {
        String inspect = primary.podman("inspect", primary.container()).output;
        String environment = primary.podman("inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", primary.container()).output;
        String keyBody = Base64.getEncoder().encodeToString(dkimKeys.getPrivate().getEncoded());

        assertThat(environment.split("\n")).as("environment of the container")
            .contains("DKIM_PRIVATE_KEY_FILE=/run/secrets/dkim_private_key")
            .noneMatch(line -> line.startsWith("DKIM_PRIVATE_KEY="));
        assertThat(inspect).as("podman inspect %s", primary.container())
            .doesNotContain(keyBody.substring(0, 64)).doesNotContain(keyBody.substring(keyBody.length() - 64))
            .doesNotContainPattern(PEM_PRIVATE_KEY)
            .doesNotContain(ItStore.PASSWORD).doesNotContain(USER_PASSWORD);
    }

    @Test
    @Order(7)
    void upgradeShouldRunTheNewImageAndKeepTheStoreVolumeAndTheUsageCounts() throws Exception {
        TestMessage before = TestMessage.text(BILLING, RECIPIENT, "Invoice – before the upgrade");
        before.sendAuthenticated(ItEnvironment.LOOPBACK, primary.submissionPort(), BILLING, USER_PASSWORD);
        sink.awaitMessageId(before.messageId(), DELIVERY_TIMEOUT);
        long usageBefore = billingUsage(primary);
        String certificatesBefore = body(primary.webAdmin().get("/smime/certificates"));
        String oldImage = imageId(imageTag);
        assertThat(usageBefore).isGreaterThanOrEqualTo(1);
        assertThat(certificatesBefore).contains(sha256(billing.certificate.getEncoded()));

        // the next release: the same context with one change in conf/ (a comment of smime.properties)
        String marker = "# upgrade check " + id;
        Path context = copyOfTheBuildContext(run.resolve("upgrade-context"));
        Files.writeString(context.resolve("james-conf/smime.properties"), "\n" + marker + "\n", StandardOpenOption.APPEND);
        String newTag = imageTag + "-upgrade";
        buildImage(newTag, context, context.resolve("docker/Dockerfile"));
        deleteTree(context);
        primary.writeComposeFile(composeCopy(newTag, Map.of(), List.of(), primary));
        assertCopyChangesOnly(primary, newTag, List.of(), List.of());
        primary.compose("up", "-d", "--force-recreate");
        primary.awaitStarted();
        provision(primary); // the memory flavour keeps users and domains in memory only

        assertThat(primary.podman("inspect", "--format", "{{.Image}}", primary.container()).output.strip())
            .as("image of the recreated container").isEqualTo(imageId(newTag)).isNotEqualTo(oldImage);
        assertThat(primary.podman("exec", primary.container(), "cat", "/opt/james-smime/conf/smime.properties").output).contains(marker);
        assertThat(body(primary.webAdmin().get("/smime/certificates"))).as("certificates after the upgrade")
            .contains(sha256(billing.certificate.getEncoded()));
        assertThat(billingUsage(primary)).as("usage of %s after the upgrade", BILLING).isEqualTo(usageBefore);

        TestMessage after = TestMessage.text(BILLING, RECIPIENT, "Invoice – after the upgrade");
        after.sendAuthenticated(ItEnvironment.LOOPBACK, primary.submissionPort(), BILLING, USER_PASSWORD);
        Path file = save(sink.awaitMessageId(after.messageId(), DELIVERY_TIMEOUT), "after-upgrade.eml");
        assertSignedBy(file, billing.certificate);
        assertThat(billingUsage(primary)).as("usage of %s after one more mail", BILLING).isEqualTo(usageBefore + 1);
    }

    @Test
    @Order(8)
    void readOnlyStoreLaidOutAsAKubernetesSecretShouldSignCountAndFollowAnAtomicSwap() throws Exception {
        KubernetesSecret secret = KubernetesSecret.create(run.resolve("k8s-secret-ro"), "..2026_12_06_10_00_00.000000001",
            Map.of("billing.p12", billing.pkcs12));
        ComposeStack node = perTest(newStack("ro", composeCopy(imageTag,
            Map.of(STORE_VOLUME_LINE,
                List.of("      - " + secret.directory() + ":" + STORE_IN_CONTAINER + ":ro")),
            List.of("      SMIME_STORE_RELOAD_SECONDS: \"2\""))));
        assertCopyChangesOnly(node, imageTag, List.of(STORE_VOLUME_LINE),
            List.of("      SMIME_STORE_RELOAD_SECONDS: \"2\"", "      - " + secret.directory() + ":" + STORE_IN_CONTAINER + ":ro"));

        node.compose("up", "-d");
        node.awaitStarted();
        provision(node);
        assertThat(smimeCheck(body(node.webAdmin().get("/healthcheck")))).containsEntry("status", "healthy");

        TestMessage first = TestMessage.text(BILLING, RECIPIENT, "Invoice – read-only store");
        first.sendAuthenticated(ItEnvironment.LOOPBACK, node.submissionPort(), BILLING, USER_PASSWORD);
        assertSignedBy(save(sink.awaitMessageId(first.messageId(), DELIVERY_TIMEOUT), "read-only-store.eml"), billing.certificate);
        assertThat(billingUsage(node)).as("usage of %s", BILLING).isEqualTo(1);
        String month = YearMonth.now(ZoneOffset.UTC).toString();
        // checked softly, so that the swap below runs even when they fail; reported at the end
        SoftAssertions afterFirstStart = new SoftAssertions();
        afterFirstStart.assertThat(node.podman("exec", node.container(), "ls", "-1", "/root/var/smime/usage/" + month).output.split("\\s+"))
            .as("usage journals in James's var/smime/usage/%s (the store cannot be written)", month).containsExactly("james-1.journal");
        afterFirstStart.assertThat(podman.podman(Duration.ofMinutes(1), "exec", node.container(), "test", "-s", "/root/var/smime/store-index").ok())
            .as("the store index /root/var/smime/store-index was written at the first start (the store cannot be written); James's log: %s",
                node.logs().lines().filter(line -> line.contains("store index")).collect(Collectors.joining("\n")))
            .isTrue();

        // The certificate is renewed: the kubelet writes a new timestamped directory and swaps ..data to it atomically
        BillingCertificate renewed = issueBilling("billing-renewed.p12", 1);
        secret.swap("..2026_12_06_10_05_00.000000002", Map.of("billing.p12", renewed.pkcs12));
        String renewedSha256 = sha256(renewed.certificate.getEncoded());
        awaitCertificate(node, renewedSha256, Duration.ofSeconds(30));

        TestMessage second = TestMessage.text(BILLING, RECIPIENT, "Invoice – after the swap");
        second.sendAuthenticated(ItEnvironment.LOOPBACK, node.submissionPort(), BILLING, USER_PASSWORD);
        X509Certificate signer = assertSignedBy(save(sink.awaitMessageId(second.messageId(), DELIVERY_TIMEOUT), "after-swap.eml"),
            renewed.certificate);
        assertThat(sha256(signer.getEncoded())).isEqualTo(renewedSha256).isNotEqualTo(sha256(billing.certificate.getEncoded()));
        assertThat(signer.getSerialNumber()).isNotEqualTo(billing.certificate.getSerialNumber());
        assertThat(billingUsage(node)).as("usage of %s after the swap", BILLING).isEqualTo(2);
        assertThat(secret.entries()).as("the Secret's directory (nothing written into it)")
            .containsExactlyInAnyOrder("..2026_12_06_10_05_00.000000002", "..data", "billing.p12");
        afterFirstStart.assertAll();
    }

    @Test
    @Order(9)
    void twoNodesSharingAReadOnlyStoreAndOneUsageVolumeShouldAddUpTheirCounts() throws Exception {
        int mailsPerNode = 3;
        KubernetesSecret secret = KubernetesSecret.create(run.resolve("k8s-secret-two-nodes"), "..2026_12_06_10_00_00.000000001",
            Map.of("billing.p12", billing.pkcs12));
        String usageVolume = "james-smime-it-" + id + "-usage";
        podman.podman(Duration.ofMinutes(1), "volume", "create", usageVolume).check();
        PER_TEST.add(() -> podman.podman(Duration.ofMinutes(1), "volume", "rm", "-f", usageVolume).check());
        List<ComposeStack> nodes = new ArrayList<>();
        for (String node : List.of("james-1", "james-2")) {
            Map<String, List<String>> replaced = new LinkedHashMap<>();
            replaced.put(STORE_VOLUME_LINE,
                List.of("      - " + secret.directory() + ":" + STORE_IN_CONTAINER + ":ro", "      - smime-usage:/srv/smime/usage"));
            replaced.put("  james-var:", List.of("  james-var:", "  smime-usage:", "    external: true", "    name: " + usageVolume));
            if (!node.equals("james-1")) {
                replaced.put("      SMIME_USAGE_NODE: james-1", List.of("      SMIME_USAGE_NODE: " + node));
            }
            ComposeStack stack = perTest(newStack(node.replace("james-", "n"),
                composeCopy(imageTag, replaced, List.of("      SMIME_USAGE_DIRECTORY: /srv/smime/usage"))));
            List<String> removed = new ArrayList<>(List.of(STORE_VOLUME_LINE));
            List<String> added = new ArrayList<>(List.of("      SMIME_USAGE_DIRECTORY: /srv/smime/usage"));
            if (!node.equals("james-1")) {
                removed.add("      SMIME_USAGE_NODE: james-1");
                added.add("      SMIME_USAGE_NODE: " + node);
            }
            added.addAll(List.of("      - " + secret.directory() + ":" + STORE_IN_CONTAINER + ":ro", "      - smime-usage:/srv/smime/usage",
                "  smime-usage:", "    external: true", "    name: " + usageVolume));
            assertCopyChangesOnly(stack, imageTag, removed, added);
            nodes.add(stack);
        }
        for (ComposeStack node : nodes) {
            node.compose("up", "-d");
        }
        for (ComposeStack node : nodes) {
            node.awaitStarted();
            provision(node);
        }

        List<TestMessage> mails = new ArrayList<>();
        for (ComposeStack node : nodes) {
            for (int i = 0; i < mailsPerNode; i++) {
                TestMessage mail = TestMessage.text(BILLING, RECIPIENT, "Invoice " + i + " through " + node.project());
                mail.sendAuthenticated(ItEnvironment.LOOPBACK, node.submissionPort(), BILLING, USER_PASSWORD);
                mails.add(mail);
            }
        }
        for (TestMessage mail : mails) {
            ReceivedMail received = sink.awaitMessageId(mail.messageId(), DELIVERY_TIMEOUT);
            assertThat(received.contentType()).as("%s", mail.subject()).startsWithIgnoringCase("multipart/signed");
        }
        assertSignedBy(save(sink.awaitMessageId(mails.get(mails.size() - 1).messageId(), DELIVERY_TIMEOUT), "two-nodes.eml"),
            billing.certificate);

        for (ComposeStack node : nodes) {
            assertThat(billingUsage(node)).as("usage of %s on %s", BILLING, node.project()).isEqualTo(2L * mailsPerNode);
        }
        String month = YearMonth.now(ZoneOffset.UTC).toString();
        assertThat(nodes.get(0).podman("exec", nodes.get(0).container(), "ls", "/srv/smime/usage/" + month).output.split("\\s+"))
            .as("journals in the shared usage volume").containsExactlyInAnyOrder("james-1.journal", "james-2.journal");
    }

    @Test
    @Order(10)
    void usageDirectoryThatCannotBeWrittenShouldMakeTheHealthCheckUnhealthyAndNameTheSetting() throws Exception {
        KubernetesSecret secret = KubernetesSecret.create(run.resolve("k8s-secret-unwritable-usage"), "..2026_12_06_10_00_00.000000001",
            Map.of("billing.p12", billing.pkcs12));
        ComposeStack node = perTest(newStack("unwritable", composeCopy(imageTag,
            Map.of(STORE_VOLUME_LINE,
                List.of("      - " + secret.directory() + ":" + STORE_IN_CONTAINER + ":ro")),
            List.of("      SMIME_USAGE_DIRECTORY: " + STORE_IN_CONTAINER + "/usage"))));

        assertCopyChangesOnly(node, imageTag, List.of(STORE_VOLUME_LINE), List.of(
            "      SMIME_USAGE_DIRECTORY: " + STORE_IN_CONTAINER + "/usage", "      - " + secret.directory() + ":" + STORE_IN_CONTAINER + ":ro"));

        node.compose("up", "-d");
        node.awaitStarted();
        HttpResponse<byte[]> health = node.webAdminWithoutToken().get("/healthcheck");

        assertThat(health.statusCode()).as("GET /healthcheck: %s", body(health)).isEqualTo(503);
        assertThat(smimeCheck(body(health))).as("the S/MIME check in %s", body(health)).containsEntry("status", "unhealthy");
        assertThat(smimeCheck(body(health)).get("cause")).as("cause of the S/MIME check").contains("usage.directory");
    }

    // --- the engine ----------------------------------------------------------------------------------------------

    /**
     * Root, the stand-in base image (docker/standin/build: installs podman and runc when missing, builds or reuses the
     * image) and podman-compose; fails, or skips with {@code JAMES_SMIME_CONTAINER_TESTS=skip}, with one line naming
     * what is missing.
     */
    private static void requireContainerEngine() throws IOException {
        Optional<String> missing = whatTheEngineLacks();
        if (missing.isEmpty()) {
            return;
        }
        String line = "ContainerImageTest needs root podman and podman-compose: " + missing.get();
        if ("skip".equals(System.getenv(SKIP_VARIABLE))) {
            // surefire reports a class aborted in @BeforeAll as "Tests run: 0" without the reason: print it
            System.out.println("[ContainerImageTest] SKIPPED: " + line + " (" + SKIP_VARIABLE + "=skip)");
            Assumptions.abort(line + " (skipped: " + SKIP_VARIABLE + "=skip)");
        }
        throw new AssertionError(line + " (set " + SKIP_VARIABLE + "=skip to skip these tests)");
    }

    private static Optional<String> whatTheEngineLacks() throws IOException {
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (!Integer.valueOf(0).equals(uid)) {
            return Optional.of("not running as root (uid " + uid + "); podman, runc and the stand-in image need root");
        }
        Podman.Result standin = podman.run(root, STANDIN_TIMEOUT, List.of(root.resolve("docker/standin/build").toString()));
        if (!standin.ok()) {
            List<String> lines = standin.output.strip().lines().collect(Collectors.toList());
            String reason = lines.stream().filter(l -> l.contains("ERROR")).reduce((a, b) -> b)
                .orElse(lines.isEmpty() ? "no output" : lines.get(lines.size() - 1));
            return Optional.of("docker/standin/build failed" + (standin.timedOut ? " (timed out)" : "") + ": " + reason.strip());
        }
        System.out.println("[ContainerImageTest] " + standin.output.strip().lines().reduce((a, b) -> b).orElse(""));
        if (Podman.onPath("podman-compose").isEmpty()) {
            return Optional.of("podman-compose is not installed (Debian package podman-compose; bin/test installs it)");
        }
        return Optional.empty();
    }

    /** {@code podman build --format docker -f DOCKERFILE -t TAG CONTEXT}; the tag is removed at the end. */
    private static void buildImage(String tag, Path context, Path dockerfile) {
        IMAGE_TAGS.add(tag);
        Podman.Result build = podman.podman(BUILD_TIMEOUT, "build", "--format", "docker", "-f", dockerfile.toString(), "-t", tag,
            context.toString());
        if (!build.ok()) {
            throw new AssertionError("the image does not build: " + build);
        }
        System.out.println("[ContainerImageTest] built " + tag + " in " + build.took.toMillis() + " ms");
    }

    private static String imageId(String tag) {
        return podman.podman(Duration.ofMinutes(1), "image", "inspect", "--format", "{{.Id}}", tag).check().output.strip();
    }

    /**
     * An address of this host that a container on a rootful podman bridge reaches (through its gateway, NAT): the
     * source address of the default route, else the first IPv4 address of an interface that is up and not a
     * container bridge. James resolves the relay gateway through its own DNS service, so it gets an IP, not a name.
     */
    private static String hostAddressForContainers() throws IOException {
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(InetAddress.getByName("203.0.113.1"), 9); // a route lookup only: nothing is sent
            InetAddress local = probe.getLocalAddress();
            if (local instanceof Inet4Address && !local.isAnyLocalAddress() && !local.isLoopbackAddress()) {
                return local.getHostAddress();
            }
        } catch (IOException | RuntimeException e) {
            // no default route: look at the interfaces
        }
        for (Enumeration<NetworkInterface> interfaces = NetworkInterface.getNetworkInterfaces(); interfaces.hasMoreElements(); ) {
            NetworkInterface candidate = interfaces.nextElement();
            if (!candidate.isUp() || candidate.isLoopback() || candidate.isVirtual()
                || candidate.getName().matches("(podman|cni|veth|docker|br-).*")) {
                continue;
            }
            for (InetAddress address : Collections.list(candidate.getInetAddresses())) {
                if (address instanceof Inet4Address) {
                    return address.getHostAddress();
                }
            }
        }
        throw new AssertionError("this host has no IPv4 address other than loopback for the SMTP sink that James in a container relays to");
    }

    // --- compose --------------------------------------------------------------------------------------------------

    /** A stack in {@code run/compose-NAME/} with fresh host ports, the secrets beside the compose file, the compose file written. */
    private static ComposeStack newStack(String name, ComposeCopy copy) throws IOException {
        Path directory = Files.createDirectories(run.resolve("compose-" + name));
        Path secrets = Files.createDirectories(directory.resolve("secrets"));
        Files.copy(store.passwordFile(), secrets.resolve("smime-store.password"));
        tokens.writePublicKey(secrets.resolve("webadmin-jwt-public.pem"));
        Files.copy(store.rootPem(), secrets.resolve("roots.pem"));
        String label = "PRIVATE" + " KEY";
        Files.writeString(secrets.resolve("dkim-private.pem"), "-----BEGIN " + label + "-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(dkimKeys.getPrivate().getEncoded())
            + "\n-----END " + label + "-----\n", StandardCharsets.US_ASCII);
        ComposeStack stack = new ComposeStack(podman, "smimeit" + id + name, directory, ItEnvironment.freePort(), ItEnvironment.freePort(),
            ItEnvironment.freePort(), tokens);
        stack.writeComposeFile(copy.render(stack));
        OPEN_STACKS.add(stack);
        return stack;
    }

    private static ComposeStack perTest(ComposeStack stack) {
        PER_TEST.add(() -> close(stack));
        return stack;
    }

    private static void close(ComposeStack stack) {
        OPEN_STACKS.remove(stack);
        stack.close();
    }

    /** What a copy of docker/docker-compose.yml changes, rendered once the stack's ports are known. */
    @FunctionalInterface
    private interface ComposeCopy {
        String render(ComposeStack stack);
    }

    private static ComposeCopy composeCopy(String image, Map<String, List<String>> replacedLines, List<String> extraEnvironment) {
        return stack -> composeCopy(image, replacedLines, extraEnvironment, stack);
    }

    /**
     * docker/docker-compose.yml with: {@code image:} for {@code build:}, the host ports of {@code stack}, the relay gateway
     * (the sink), the test root as the README's private-CA secret (smime_trust_anchors), {@code extraEnvironment}, and each line of
     * {@code replacedLines} (which must be in the file exactly once) replaced by its lines. Every other line is the
     * shipped file's.
     */
    private static String composeCopy(String image, Map<String, List<String>> replacedLines, List<String> extraEnvironment,
                                      ComposeStack stack) {
        Map<String, List<String>> replace = new LinkedHashMap<>();
        replace.put("    build:", List.of("    image: " + image));
        replace.put("      context: ..", List.of());
        replace.put("      dockerfile: docker/Dockerfile", List.of());
        List<String> gateway = new ArrayList<>(List.of(
            "      JAMES_RELAY_GATEWAY: \"" + sink.host() + "\"",
            "      JAMES_RELAY_GATEWAY_PORT: \"" + sink.port() + "\"",
            TRUST_ANCHORS_LINES.get(0)));
        gateway.addAll(extraEnvironment);
        replace.put("      JAMES_RELAY_GATEWAY: \"\"", gateway);
        replace.put("      - \"127.0.0.1:2525:2525\"", List.of("      - \"127.0.0.1:" + stack.smtpPort() + ":2525\""));
        replace.put("      - \"127.0.0.1:2587:2587\"", List.of("      - \"127.0.0.1:" + stack.submissionPort() + ":2587\""));
        replace.put("      - \"127.0.0.1:8000:8000\"            # WebAdmin (JWT required); still, publish it on loopback only",
            List.of("      - \"127.0.0.1:" + stack.webAdminPort() + ":8000\"            # WebAdmin (JWT required); still, publish it on loopback only"));
        replace.put("      - dkim_private_key", List.of("      - dkim_private_key", TRUST_ANCHORS_LINES.get(1)));
        replace.put("    file: ./secrets/dkim-private.pem", List.of("    file: ./secrets/dkim-private.pem", TRUST_ANCHORS_LINES.get(2),
            TRUST_ANCHORS_LINES.get(3)));
        replace.putAll(replacedLines);

        List<String> lines = originalCompose.lines().collect(Collectors.toList());
        for (String line : replace.keySet()) {
            assertThat(lines.stream().filter(line::equals).count())
                .as("docker/docker-compose.yml has the line [%s] exactly once (the test edits a copy of it)", line).isEqualTo(1);
        }
        StringBuilder copy = new StringBuilder();
        for (String line : lines) {
            for (String replacement : replace.getOrDefault(line, List.of(line))) {
                copy.append(replacement).append('\n');
            }
        }
        return copy.toString();
    }

    /**
     * The compose file of {@code stack} is docker/docker-compose.yml but for: {@code image:} instead of {@code build:}, the
     * host ports, the relay gateway, the trust anchors as the README's private-CA secret, and the lines {@code removed} and {@code added}. Every other
     * line is the shipped file's, in its order (the diff is a longest common subsequence).
     */
    private static void assertCopyChangesOnly(ComposeStack stack, String image, List<String> removed, List<String> added)
        throws IOException {
        LineDiff diff = LineDiff.of(originalCompose, Files.readString(stack.composeFile(), StandardCharsets.UTF_8));
        String webAdminComment = "            # WebAdmin (JWT required); still, publish it on loopback only";
        List<String> expectedRemoved = new ArrayList<>(List.of("    build:", "      context: ..", "      dockerfile: docker/Dockerfile",
            "      JAMES_RELAY_GATEWAY: \"\"", "      - \"127.0.0.1:2525:2525\"", "      - \"127.0.0.1:2587:2587\"",
            "      - \"127.0.0.1:8000:8000\"" + webAdminComment));
        expectedRemoved.addAll(removed);
        List<String> expectedAdded = new ArrayList<>(List.of("    image: " + image,
            "      JAMES_RELAY_GATEWAY: \"" + sink.host() + "\"", "      JAMES_RELAY_GATEWAY_PORT: \"" + sink.port() + "\"",
            "      - \"127.0.0.1:" + stack.smtpPort() + ":2525\"", "      - \"127.0.0.1:" + stack.submissionPort() + ":2587\"",
            "      - \"127.0.0.1:" + stack.webAdminPort() + ":8000\"" + webAdminComment));
        expectedAdded.addAll(TRUST_ANCHORS_LINES);
        expectedAdded.addAll(added);

        assertThat(diff.removed).as("lines of docker/docker-compose.yml that %s does not have", stack.composeFile())
            .containsExactlyInAnyOrderElementsOf(expectedRemoved);
        assertThat(diff.added).as("lines only %s has", stack.composeFile()).containsExactlyInAnyOrderElementsOf(expectedAdded);
    }

    /** The lines only the original has and those only the copy has (a longest-common-subsequence diff), in order. */
    static final class LineDiff {
        final List<String> removed = new ArrayList<>();
        final List<String> added = new ArrayList<>();

        static LineDiff of(String original, String copy) {
            List<String> a = original.lines().collect(Collectors.toList());
            List<String> b = copy.lines().collect(Collectors.toList());
            int[][] common = new int[a.size() + 1][b.size() + 1];
            for (int i = a.size() - 1; i >= 0; i--) {
                for (int j = b.size() - 1; j >= 0; j--) {
                    common[i][j] = a.get(i).equals(b.get(j)) ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
                }
            }
            LineDiff diff = new LineDiff();
            int i = 0;
            int j = 0;
            while (i < a.size() || j < b.size()) {
                if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                    i++;
                    j++;
                } else if (j < b.size() && (i == a.size() || common[i][j + 1] >= common[i + 1][j])) {
                    diff.added.add(b.get(j++));
                } else {
                    diff.removed.add(a.get(i++));
                }
            }
            return diff;
        }
    }

    /** Creates the domain and the sender's user over WebAdmin with the operator's token (the memory flavour keeps them in memory). */
    private static void provision(ComposeStack stack) {
        WebAdminClient admin = stack.webAdmin();
        admin.createDomain(DOMAIN);
        admin.createUser(BILLING, USER_PASSWORD);
    }

    // --- the store ------------------------------------------------------------------------------------------------

    /** A certificate of {@link #BILLING} from the test PKI (with the {@code keyIndex}th test key), as a PKCS#12 file under the store password. */
    private static BillingCertificate issueBilling(String fileName, int keyIndex) throws IOException {
        TestPki.Issued issued = store.pki().sender(BILLING).keyIndex(keyIndex).issue();
        return new BillingCertificate(issued.certificate(), store.write(run.resolve("pki").resolve(fileName), issued));
    }

    /**
     * A directory laid out as the kubelet lays out a mounted Secret: the files in a timestamped directory
     * {@code ..YYYY_MM_DD_hh_mm_ss.N}, {@code ..data} a symbolic link to it, and each file name a link to
     * {@code ..data/NAME}. An update writes a new timestamped directory and replaces {@code ..data} atomically.
     */
    private static final class KubernetesSecret {
        private final Path directory;
        private String current;

        private KubernetesSecret(Path directory, String current) {
            this.directory = directory;
            this.current = current;
        }

        static KubernetesSecret create(Path directory, String timestamped, Map<String, Path> files) throws IOException {
            Files.createDirectories(directory);
            writeTimestamped(directory.resolve(timestamped), files);
            Files.createSymbolicLink(directory.resolve("..data"), Path.of(timestamped));
            for (String name : files.keySet()) {
                Files.createSymbolicLink(directory.resolve(name), Path.of("..data", name));
            }
            return new KubernetesSecret(directory, timestamped);
        }

        /**
         * The kubelet's update: a new timestamped directory, a new link {@code ..data_tmp} to it renamed over
         * {@code ..data} (rename(2), as {@code mv -T} does: atomic), then the old directory removed.
         */
        void swap(String timestamped, Map<String, Path> files) throws IOException {
            writeTimestamped(directory.resolve(timestamped), files);
            Path temporary = Files.createSymbolicLink(directory.resolve("..data_tmp"), Path.of(timestamped));
            Files.move(temporary, directory.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
            deleteTree(directory.resolve(current));
            current = timestamped;
        }

        Path directory() {
            return directory;
        }

        List<String> entries() throws IOException {
            try (Stream<Path> list = Files.list(directory)) {
                return list.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
            }
        }

        private static void writeTimestamped(Path timestamped, Map<String, Path> files) throws IOException {
            Files.createDirectories(timestamped);
            for (Map.Entry<String, Path> file : files.entrySet()) {
                Files.copy(file.getValue(), timestamped.resolve(file.getKey()));
            }
        }
    }

    private static void awaitCertificate(ComposeStack stack, String sha256, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            last = body(stack.webAdmin().get("/smime/certificates/" + WebAdminClient.encodeSegment(BILLING)));
            if (last.contains(sha256)) {
                return;
            }
            JamesServerProcess.sleep(Duration.ofMillis(500));
        }
        throw new AssertionError("the store of " + stack.container() + " did not take up the certificate " + sha256 + " within "
            + timeout.toSeconds() + " s; GET /smime/certificates/" + BILLING + ": " + last);
    }

    // --- the image's layers --------------------------------------------------------------------------------------

    /**
     * The layers docker/Dockerfile adds to the base image, each unpacked into a directory of {@code into}: the image is
     * saved ({@code podman image save}, docker-archive: one {@code <diffID>.tar} per layer), its layers below the
     * base's are checked to be the base image's, and the others (one per COPY and RUN) are unpacked.
     */
    private static List<Path> layersAddedByTheDockerfile(String tag, Path into) throws IOException {
        Path archive = into.resolve("image.tar");
        podman.podman(Duration.ofMinutes(5), "image", "save", "--format", "docker-archive", "-o", archive.toString(), tag).check();
        try {
            List<String> layers = diffIds(tag);
            List<String> base = diffIds(STANDIN_IMAGE);
            assertThat(layers.subList(0, base.size())).as("the image's lower layers are those of %s", STANDIN_IMAGE).isEqualTo(base);
            long instructions = Files.readAllLines(root.resolve("docker/Dockerfile")).stream()
                .filter(line -> line.startsWith("COPY ") || line.startsWith("RUN ")).count();
            List<String> added = layers.subList(base.size(), layers.size());
            assertThat(added).as("layers added by docker/Dockerfile (one per COPY and RUN)").hasSize((int) instructions);
            List<String> members = new ArrayList<>(List.of("tar", "-xf", archive.toString(), "-C", into.toString()));
            added.forEach(layer -> members.add(layer + ".tar"));
            podman.run(into, Duration.ofMinutes(2), members).check();
            List<Path> directories = new ArrayList<>();
            for (int i = 0; i < added.size(); i++) {
                Path directory = Files.createDirectories(into.resolve("layer-" + i));
                podman.run(into, Duration.ofMinutes(2), List.of("tar", "-xf", into.resolve(added.get(i) + ".tar").toString(),
                    "-C", directory.toString())).check();
                Files.delete(into.resolve(added.get(i) + ".tar"));
                directories.add(directory);
            }
            return directories;
        } finally {
            Files.deleteIfExists(archive);
        }
    }

    private static List<String> diffIds(String image) {
        String layers = podman.podman(Duration.ofMinutes(1), "image", "inspect", "--format", "{{range .RootFS.Layers}}{{println .}}{{end}}",
            image).check().output;
        return layers.lines().map(String::strip).filter(l -> !l.isEmpty()).map(l -> l.replaceFirst("^sha256:", ""))
            .collect(Collectors.toList());
    }

    /**
     * Adds to {@code findings} every file of the layer that is a PKCS#12 file, names a password, holds a PEM private
     * key or comes from a store directory, and the same inside jars; collects the files of /opt/james-smime/conf.
     */
    private static void scanLayer(Path layer, List<String> findings, Map<String, byte[]> conf) throws IOException {
        Files.walkFileTree(layer, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                String path = "/" + layer.relativize(file);
                String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
                if (name.endsWith(".p12") || name.endsWith(".pfx") || name.contains("password") || path.contains("smime-store")) {
                    findings.add(path + " (name)");
                }
                if (attributes.isRegularFile()) {
                    byte[] content = Files.readAllBytes(file);
                    if (PEM_PRIVATE_KEY.matcher(new String(content, StandardCharsets.ISO_8859_1)).find()) {
                        findings.add(path + " (PEM private key)");
                    }
                    if (name.endsWith(".jar")) {
                        scanJar(file, path, findings);
                    }
                    if (path.startsWith("/opt/james-smime/conf/")) {
                        conf.put(path.substring("/opt/james-smime/conf/".length()), content);
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void scanJar(Path jar, String path, List<String> findings) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                String name = entry.getName().toLowerCase(Locale.ROOT);
                if (name.endsWith(".p12") || name.endsWith(".pfx") || name.endsWith(".jks") || name.endsWith(".key")) {
                    findings.add(path + "!" + entry.getName() + " (key store in the jar)");
                }
                if (!entry.isDirectory()) {
                    try (InputStream in = zip.getInputStream(entry)) {
                        if (PEM_PRIVATE_KEY.matcher(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)).find()) {
                            findings.add(path + "!" + entry.getName() + " (PEM private key)");
                        }
                    }
                }
            }
        }
    }

    /** james-conf/ as .dockerignore lets it into the build context: without README.md, .gitignore, the store, keys and passwords. */
    private static Map<String, byte[]> expectedConfFiles() throws IOException {
        Path conf = ItEnvironment.confDirectory();
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(conf)) {
            for (Path file : walk.filter(Files::isRegularFile).collect(Collectors.toList())) {
                String relative = conf.relativize(file).toString();
                String name = file.getFileName().toString();
                if (relative.equals("README.md") || relative.equals(".gitignore") || relative.startsWith("smime-store")
                    || name.endsWith(".p12") || name.endsWith(".pem") || name.endsWith(".key") || name.contains("password")) {
                    continue;
                }
                files.put(relative, Files.readAllBytes(file));
            }
        }
        return files;
    }

    /** What .dockerignore lets into the build context, copied to {@code into}: the Dockerfile, the entry point, james-conf/ and the jar. */
    private static Path copyOfTheBuildContext(Path into) throws IOException {
        Files.createDirectories(into.resolve("docker"));
        Files.createDirectories(into.resolve("dist/target"));
        Files.copy(root.resolve(".dockerignore"), into.resolve(".dockerignore"));
        Files.copy(root.resolve("docker/Dockerfile"), into.resolve("docker/Dockerfile"));
        Files.copy(root.resolve("docker/entrypoint"), into.resolve("docker/entrypoint"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(ItEnvironment.extensionJar(), into.resolve("dist/target").resolve(ItEnvironment.extensionJar().getFileName()));
        Path conf = ItEnvironment.confDirectory();
        try (Stream<Path> walk = Files.walk(conf)) {
            for (Path source : walk.collect(Collectors.toList())) {
                Path target = into.resolve("james-conf").resolve(conf.relativize(source).toString());
                if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
        return into;
    }

    // --- checks of delivered mail ----------------------------------------------------------------------------------

    /**
     * The message verifies with openssl against the test root (with Thunderbird's rules) and with BouncyCastle's
     * SMIMESigned, which re-serialises the part from javax.mail's parse; its signer is {@code expected}. The signer.
     */
    private static X509Certificate assertSignedBy(Path file, X509Certificate expected) throws Exception {
        OpenSsl.Result openssl = OpenSsl.cmsVerify(file, store.rootPem());
        assertThat(openssl.ok()).as("openssl verification of %s:\n%s", file, openssl).isTrue();
        X509Certificate signer;
        try (InputStream in = Files.newInputStream(openssl.signerCertificates)) {
            signer = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        assertThat(sha256(signer.getEncoded())).as("SHA-256 of the signer certificate of %s", file).isEqualTo(sha256(expected.getEncoded()));
        assertThat(bouncyCastleVerdict(file)).as("BouncyCastle SMIMESigned verdict on %s", file).isEqualTo("OK");
        return signer;
    }

    /**
     * core's BcSmimeVerify (BouncyCastle bcmail 1.85 in a JVM of its own, see Verifiers.independentVerify): "OK" or
     * "FAIL&lt;TAB&gt;reason".
     */
    private static String bouncyCastleVerdict(Path message) throws IOException {
        Path program = root.resolve("core/src/test/verifier/BcSmimeVerify.java");
        Path classpath = root.resolve("core/target/bc-smime-verifier");
        assertThat(classpath).as("BouncyCastle verifier jars (mvn generate-test-resources in core/ makes them)").isDirectory();
        Path directory = Files.createTempDirectory(run, "bc-verify-");
        Files.copy(message, directory.resolve("message.eml"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Podman.Result result = podman.run(directory, Duration.ofMinutes(2),
            List.of(java.toString(), "-cp", classpath + "/*", program.toString(), directory.toString())).check();
        Matcher verdict = Pattern.compile("(?m)^message\\t(.*)$").matcher(result.output);
        assertThat(verdict.find()).as("a verdict in %s", result).isTrue();
        return verdict.group(1).strip();
    }

    /** dkimpy (python3-dkim, another implementation than James's jdkim) verifies the DKIM signature with the test key. */
    private static void assertDkimVerifies(Path file) {
        Podman.Result dkim = podman.run(file.getParent(), Duration.ofMinutes(1), List.of("/usr/bin/python3",
            Path.of("src/test/resources/dkim_verify.py").toAbsolutePath().toString(), file.toString(),
            Base64.getEncoder().encodeToString(dkimKeys.getPublic().getEncoded())));
        assertThat(dkim.ok()).as("dkimpy verification: %s", dkim).isTrue();
    }

    private static Path save(ReceivedMail received, String fileName) throws IOException {
        Path directory = Files.createDirectories(run.resolve("received"));
        return Files.write(directory.resolve(fileName), received.raw());
    }

    // --- WebAdmin answers ------------------------------------------------------------------------------------------

    private static long billingUsage(ComposeStack stack) {
        HttpResponse<byte[]> response = stack.webAdmin().get("/smime/usage?month=" + YearMonth.now(ZoneOffset.UTC));
        assertThat(response.statusCode()).as("GET /smime/usage: %s", body(response)).isEqualTo(200);
        Matcher count = Pattern.compile("\"" + Pattern.quote(BILLING) + "\":(\\d+)").matcher(body(response));
        return count.find() ? Long.parseLong(count.group(1)) : 0;
    }

    /** status and cause of the extension's check in a /healthcheck answer. */
    private static Map<String, String> smimeCheck(String healthcheck) {
        Matcher check = Pattern.compile("\\{\"componentName\":\"S/MIME certificates\",\"escapedComponentName\":\"[^\"]*\","
            + "\"status\":\"([a-z]+)\",\"cause\":(null|\"(?:[^\"\\\\]|\\\\.)*\")\\}").matcher(healthcheck);
        if (!check.find()) {
            return Map.of();
        }
        Map<String, String> result = new TreeMap<>();
        result.put("status", check.group(1));
        result.put("cause", check.group(2));
        return result;
    }

    /** The smime_* samples of a Prometheus text answer (summaries' quantiles left out). */
    private static Map<String, Double> smimeSamples(String metrics) {
        Map<String, Double> samples = new TreeMap<>();
        Pattern sample = Pattern.compile("^(smime_[A-Za-z_]+)(?:\\{[^}]*\\})? (\\S+)$");
        for (String line : metrics.split("\n")) {
            Matcher matcher = sample.matcher(line);
            if (matcher.matches() && !line.contains("quantile")) {
                samples.put(matcher.group(1), Double.parseDouble(matcher.group(2)));
            }
        }
        return samples;
    }

    private static String body(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    // --- small things ---------------------------------------------------------------------------------------------

    private static KeyPair rsaKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    private static String sha256(byte[] bytes) throws GeneralSecurityException {
        StringBuilder hex = new StringBuilder();
        for (byte b : MessageDigest.getInstance("SHA-256").digest(bytes)) {
            hex.append(String.format("%02x", b & 0xff));
        }
        return hex.toString();
    }

    private static void deleteTree(Path directory) throws IOException {
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(Collections.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(path);
            }
        }
    }

    /**
     * A failing test's (or set-up's) message gets the log of every container still up ({@code podman logs}), as
     * PrintJamesLogOnFailure prints James's log for the tests of a James process.
     */
    private static final class ContainerLogsOnFailure implements InvocationInterceptor {
        @Override
        public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> context,
                                        ExtensionContext extensionContext) throws Throwable {
            withLogs(invocation);
        }

        @Override
        public void interceptBeforeAllMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> context,
                                             ExtensionContext extensionContext) throws Throwable {
            withLogs(invocation);
        }

        private static void withLogs(Invocation<Void> invocation) throws Throwable {
            try {
                invocation.proceed();
            } catch (TestAbortedException aborted) {
                throw aborted;
            } catch (Throwable failure) {
                if (OPEN_STACKS.isEmpty() || String.valueOf(failure.getMessage()).contains("----- podman logs")) {
                    throw failure;
                }
                StringBuilder logs = new StringBuilder(String.valueOf(failure.getMessage()));
                for (ComposeStack stack : OPEN_STACKS) {
                    logs.append('\n').append(stack.logsForFailure());
                }
                AssertionError withLogs = new AssertionError(logs.toString(), failure);
                withLogs.setStackTrace(failure.getStackTrace());
                throw withLogs;
            }
        }
    }
}
