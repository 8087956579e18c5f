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
package io.github.jamessmime.core.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Where a node writes what it keeps besides the certificates: the usage journal ({@value SettingKeys.USAGE_DIRECTORY})
 * and the store index ({@value SmimeConfiguration#STORE_INDEX_FILE}). A setting given is used as it is (relative to the
 * store directory). Left out, each goes into the store directory as before when that can be written there, and otherwise
 * under James's {@code var/smime/}: a store mounted read-only (a Kubernetes Secret, a {@code :ro} volume) then signs and
 * counts without any setting.
 */
public final class StateLocations {
    static final String USAGE_IN_STORE = ".usage";
    static final String INDEX_IN_STORE = ".james-smime-index";
    static final String VAR_SUBDIRECTORY = "smime";
    static final String USAGE_IN_VAR = "usage";
    static final String INDEX_IN_VAR = "store-index";

    private final Path storeDirectory;
    private final Path varDirectory;
    private final Optional<Path> usageSetting;
    private final Optional<Path> indexSetting;
    private final boolean indexOff;

    /**
     * @param usageSetting the {@value SettingKeys.USAGE_DIRECTORY} given, resolved; empty for the default
     * @param indexSetting the {@value SmimeConfiguration#STORE_INDEX_FILE} given, resolved; empty for the default (or none)
     * @param indexOff     {@value SmimeConfiguration#STORE_INDEX_FILE} is {@code none}
     */
    StateLocations(Path storeDirectory, Path varDirectory, Optional<Path> usageSetting, Optional<Path> indexSetting, boolean indexOff) {
        this.storeDirectory = storeDirectory;
        this.varDirectory = varDirectory;
        this.usageSetting = usageSetting;
        this.indexSetting = indexSetting;
        this.indexOff = indexOff;
    }

    /** Decides the places now, by what can be written in the store directory. */
    public Resolved resolve() {
        return resolve(Files::isWritable);
    }

    Resolved resolve(Predicate<Path> writable) {
        boolean storeWritable = writable.test(storeDirectory);
        Path varState = varDirectory.resolve(VAR_SUBDIRECTORY);
        Path usageInStore = storeDirectory.resolve(USAGE_IN_STORE);
        // an existing .usage that can be written keeps its counts there, even in a store directory closed to writing
        boolean usageInStoreWritable = storeWritable || (Files.isDirectory(usageInStore) && writable.test(usageInStore));
        Path usage = usageSetting.orElse(usageInStoreWritable ? usageInStore : varState.resolve(USAGE_IN_VAR));
        Optional<Path> index = indexOff ? Optional.empty()
            : Optional.of(indexSetting.orElse(storeWritable ? storeDirectory.resolve(INDEX_IN_STORE) : varState.resolve(INDEX_IN_VAR)));
        boolean movedUsage = usageSetting.isEmpty() && !usageInStoreWritable;
        boolean movedIndex = !indexOff && indexSetting.isEmpty() && !storeWritable;
        Optional<String> note = movedUsage || movedIndex
            ? Optional.of("the store directory " + storeDirectory + " cannot be written (read-only, as a Kubernetes Secret is),"
                + " so this node keeps" + (movedUsage ? " its usage counts in " + usage : "")
                + (movedUsage && movedIndex ? " and" : "") + (movedIndex ? " the store index in " + index.orElseThrow() : "")
                + (movedUsage ? "; nodes sharing the store add up their counts only when " + SettingKeys.USAGE_DIRECTORY
                    + " (SMIME_USAGE_DIRECTORY) names a directory they share" : ""))
            : Optional.empty();
        return new Resolved(usage, index, note);
    }

    @Override
    public String toString() {
        return "usage=" + usageSetting.map(Path::toString).orElse("default") + ", index="
            + (indexOff ? "none" : indexSetting.map(Path::toString).orElse("default"));
    }

    /** The places decided at start. */
    public static final class Resolved {
        private final Path usageDirectory;
        private final Optional<Path> indexFile;
        private final Optional<String> note;

        Resolved(Path usageDirectory, Optional<Path> indexFile, Optional<String> note) {
            this.usageDirectory = usageDirectory;
            this.indexFile = indexFile;
            this.note = note;
        }

        public Path usageDirectory() {
            return usageDirectory;
        }

        /** Empty when the index is switched off. */
        public Optional<Path> indexFile() {
            return indexFile;
        }

        /** Why a default moved out of the store directory, for one log line at start. */
        public Optional<String> note() {
            return note;
        }
    }
}
