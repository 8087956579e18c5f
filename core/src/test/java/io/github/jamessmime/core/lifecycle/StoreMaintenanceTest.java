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
package io.github.jamessmime.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.RevocationChecker;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.core.store.StoreException;
import io.github.jamessmime.core.store.StorePassword;
import io.github.jamessmime.testing.MutableClock;
import io.github.jamessmime.testing.TestPki;

/**
 * The store's periodic check over a directory laid out as Kubernetes mounts a Secret: each file a link into {@code ..data},
 * itself a link to a timestamped directory, swapped atomically when the Secret changes.
 */
class StoreMaintenanceTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final char[] PASSWORD = "store-secret".toCharArray();
    static final String SENDER = "billing@shop.example";

    @TempDir
    Path store;
    final TestPki pki = TestPki.create(NOW);
    final MutableClock clock = new MutableClock(NOW);

    /** Writes a new timestamped directory holding {@code billing.p12} and swaps {@code ..data} to it, as the kubelet does. */
    private TestPki.Issued publish(String timestamp) throws Exception {
        Path version = Files.createDirectory(store.resolve(".." + timestamp));
        TestPki.Issued issued = pki.sender(SENDER).issue();
        issued.writePkcs12(version.resolve("billing.p12"), PASSWORD);
        Path link = Files.createSymbolicLink(store.resolve("..data_tmp"), Path.of(".." + timestamp));
        Files.move(link, store.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (!Files.exists(store.resolve("billing.p12"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(store.resolve("billing.p12"), Path.of("..data/billing.p12"));
        }
        return issued;
    }

    private CertificateStore open() throws Exception {
        return CertificateStore.open(store, PASSWORD, clock, Optional.empty(), RevocationChecker.none(), pki.rules());
    }

    private static String signer(CertificateStore store) {
        return store.find(SENDER).map(SigningIdentity::fingerprint).orElse("none");
    }

    @Test
    void aStoreInTheKubernetesLayoutShouldListEachFileOnceAndNotTheTimestampedDirectories() throws Exception {
        TestPki.Issued first = publish("2026_06_01_10_00_00.000000001");

        CertificateStore opened = open();

        assertThat(opened.reports()).extracting(CertificateStore.FileReport::name).containsExactly("billing.p12");
        assertThat(opened.find(SENDER)).map(SigningIdentity::certificate).contains(first.certificate());
    }

    @Test
    void aSwapOfTheDataLinkShouldBeTakenAtTheNextCheck() throws Exception {
        publish("2026_06_01_10_00_00.000000001");
        CertificateStore opened = open();
        StoreMaintenance.DirectoryWatch watch = new StoreMaintenance.DirectoryWatch(opened);
        String before = signer(opened);

        TestPki.Issued renewed = publish("2026_06_02_10_00_00.000000002");
        watch.reloadIfChanged();

        assertThat(signer(opened)).isNotEqualTo(before);
        assertThat(opened.find(SENDER)).map(SigningIdentity::certificate).contains(renewed.certificate());
    }

    @Test
    void aSwapToAFileOfTheSameSizeAndTimeShouldStillBeSeen() throws Exception {
        publish("2026_06_01_10_00_00.000000001");
        Path first = store.resolve("..2026_06_01_10_00_00.000000001").resolve("billing.p12");
        // the same bytes under another timestamp, with the same time (as rsync -t or a copy keeping times would leave)
        Path second = Files.createDirectory(store.resolve("..2026_06_02_10_00_00.000000002"));
        Files.copy(first, second.resolve("billing.p12"));
        Files.setLastModifiedTime(second.resolve("billing.p12"), FileTime.from(Files.getLastModifiedTime(first).toInstant()));
        java.util.List<String> before = StoreMaintenance.DirectoryWatch.state(store);

        Path link = Files.createSymbolicLink(store.resolve("..data_tmp"), Path.of("..2026_06_02_10_00_00.000000002"));
        Files.move(link, store.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        assertThat(StoreMaintenance.DirectoryWatch.state(store)).isNotEqualTo(before);
    }

    @Test
    void anUnchangedDirectoryShouldGiveTheSameState() throws Exception {
        publish("2026_06_01_10_00_00.000000001");

        assertThat(StoreMaintenance.DirectoryWatch.state(store)).isEqualTo(StoreMaintenance.DirectoryWatch.state(store))
            .hasSize(1);
    }

    @Test
    void aTaskThatThrowsEvenAnErrorShouldRunAgainAndBeReportedUntilItWorks() {
        StoreMaintenance.Problems problems = new StoreMaintenance.Problems();
        int[] runs = {0};
        Runnable task = problems.guard("directory check", () -> {
            if (runs[0]++ == 0) {
                throw new OutOfMemoryError("Java heap space");
            }
        });

        task.run();
        assertThat(problems.current()).hasValueSatisfying(problem -> assertThat(problem)
            .contains("directory check failed (java.lang.OutOfMemoryError: Java heap space)", "loaded before stay in use"));
        task.run();
        assertThat(runs[0]).isEqualTo(2);
        assertThat(problems.current()).isEmpty();
    }

    @Test
    void aStoreDirectoryThatCannotBeReadShouldBeReportedAndTheCertificatesKept() throws Exception {
        TestPki.Issued issued = pki.sender(SENDER).issue();
        issued.writePkcs12(store.resolve("billing.p12"), PASSWORD);
        CertificateStore opened = open();
        Path away = store.resolveSibling(store.getFileName() + "-away");
        try (StoreMaintenance maintenance = StoreMaintenance.start(opened,
            new io.github.jamessmime.core.usage.UsageCounter(away.resolveSibling(store.getFileName() + "-usage"), "node", clock),
            Duration.ofMillis(1000), Duration.ZERO)) {
            Files.move(store, away);
            awaitProblem(maintenance, true);
            assertThat(maintenance.problem()).get().asString().contains("directory check failed", store.toString());
            assertThat(opened.find(SENDER)).as("the certificates loaded before").isPresent();

            Files.move(away, store);
            awaitProblem(maintenance, false);
        } finally {
            if (Files.exists(away)) {
                Files.move(away, store);
            }
        }
    }

    private static void awaitProblem(StoreMaintenance maintenance, boolean present) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (maintenance.problem().isPresent() != present && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(maintenance.problem().isPresent()).as("problem reported: %s", maintenance.problem()).isEqualTo(present);
    }

    @Test
    void aCorrectedStorePasswordFileShouldBeTakenUpAtTheNextCheckWithoutARestart(@TempDir Path secrets) throws Exception {
        pki.sender(SENDER).issue().writePkcs12(store.resolve("billing.p12"), PASSWORD);
        pki.sender("parcels@shop.example").issue().writePkcs12(store.resolve("parcels.p12"), PASSWORD);
        Path passwordFile = Files.writeString(secrets.resolve("store.password"), "a wrong password\n");
        StorePassword fromFile = new StorePassword() {
            @Override
            public char[] current() throws StoreException {
                try {
                    return Files.readString(passwordFile).strip().toCharArray();
                } catch (java.io.IOException e) {
                    throw new StoreException(FailureKind.IO, e.getMessage(), e);
                }
            }

            @Override
            public String origin() {
                return "store.password.file " + passwordFile;
            }
        };
        CertificateStore opened = CertificateStore.open(store, fromFile, clock, Optional.empty(), RevocationChecker.none(), pki.rules(),
            Optional.empty());
        StoreMaintenance.DirectoryWatch watch = new StoreMaintenance.DirectoryWatch(opened);

        assertThat(opened.passwordProblem()).hasValueSatisfying(problem -> assertThat(problem)
            .startsWith("the store password (store.password.file " + passwordFile + ") opens none of the 2 certificate files")
            .endsWith("it is read again at the next store check, no restart needed"));
        assertThat(opened.whyNoCertificate(SENDER)).isEqualTo(opened.passwordProblem().orElseThrow());
        watch.reloadIfChanged();
        assertThat(opened.find(SENDER)).isEmpty();

        Files.writeString(passwordFile, new String(PASSWORD) + "\n");
        watch.reloadIfChanged();

        assertThat(opened.passwordProblem()).isEmpty();
        assertThat(opened.find(SENDER)).isPresent();
        assertThat(opened.find("parcels@shop.example")).isPresent();
    }
}
