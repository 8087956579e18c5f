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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.store.CertificateImport;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.RevocationChecker;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.core.store.StoreException;

/**
 * Mirrors an exported folder of PKCS#12 files (the operator's own key infrastructure) into the store: new
 * certificates are added, renewed ones replace the old file, files whose certificate is gone from the source are
 * removed, bad ones are refused with their reason. Every write goes through {@link CertificateImport} (rules,
 * profile, re-encryption, atomic rename). A second run with the same source changes nothing.
 */
public final class StoreSync {
    /** What the sync does, or would do, to one file. */
    public static final class Action {
        public enum Kind { ADD, REPLACE, REMOVE, UNCHANGED, REFUSE }

        public final Kind kind;
        public final String file;
        public final String detail;

        Action(Kind kind, String file, String detail) {
            this.kind = kind;
            this.file = file;
            this.detail = detail;
        }

        @Override
        public String toString() {
            return kind.name().toLowerCase(Locale.ROOT) + " " + file + (detail.isEmpty() ? "" : ": " + detail);
        }
    }

    private final CertificateImport importer;
    private final Clock clock;

    public StoreSync(CertificateImport importer, Clock clock) {
        this.importer = importer;
        this.clock = clock;
    }

    /** Plans the mirror and, unless {@code dryRun}, carries it out. Actions are in file-name order. */
    public List<Action> sync(Path source, char[] sourcePassword, Path store, char[] storePassword, boolean dryRun) throws StoreException {
        Instant now = clock.instant();
        Map<String, String> current = new HashMap<>();
        for (CertificateStore.FileReport report : CertificateStore.open(store, storePassword, clock, Optional.empty(), RevocationChecker.none(), importer.rules()).reports()) {
            current.put(report.name(),
                report.identities().isEmpty() ? "" : report.identities().get(0).fingerprint());
        }
        Map<String, Action> plan = new TreeMap<>();
        Map<String, Path> toWrite = new HashMap<>();
        Set<String> wanted = new HashSet<>();
        for (Path file : CertificateStore.listFiles(source)) {
            List<SigningIdentity> identities;
            try {
                identities = importer.inspect(file, sourcePassword, now);
            } catch (StoreException e) {
                plan.put("source " + file.getFileName(), new Action(Action.Kind.REFUSE, file.getFileName().toString(), e.getMessage()));
                continue;
            }
            for (SigningIdentity identity : identities) {
                String target = CertificateImport.fileName(identity);
                wanted.add(target);
                String existing = current.get(target);
                Action.Kind kind = existing == null ? Action.Kind.ADD
                    : existing.equals(identity.fingerprint()) ? Action.Kind.UNCHANGED : Action.Kind.REPLACE;
                plan.put(target, new Action(kind, target, String.join(",", identity.addresses()) + " sha256=" + identity.fingerprint()
                    + " from " + file.getFileName()));
                if (kind != Action.Kind.UNCHANGED) {
                    toWrite.put(target, file);
                }
            }
        }
        for (String file : current.keySet()) {
            if (!wanted.contains(file)) {
                plan.put(file, new Action(Action.Kind.REMOVE, file, "not in the source"));
            }
        }
        if (!dryRun) {
            for (Path file : new HashSet<>(toWrite.values())) {
                importer.importInto(store, storePassword, file, sourcePassword, now);
            }
            for (Action action : plan.values()) {
                if (action.kind == Action.Kind.REMOVE) {
                    try {
                        Files.deleteIfExists(store.resolve(action.file));
                    } catch (IOException e) {
                        throw new StoreException(FailureKind.IO, "cannot remove " + store.resolve(action.file) + " (" + e.getMessage() + ")", e);
                    }
                }
            }
        }
        return new ArrayList<>(plan.values());
    }
}
