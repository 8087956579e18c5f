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
package io.github.jamessmime.core.store;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidParameterException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.ProviderException;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A PKCS#11 token (an HSM, a smart card, SoftHSM) that holds sender keys: its key entries with their certificates, as
 * the JDK's SunPKCS11 provider lists them. The provider is an object of this token only, never registered with the
 * JCA. Every listing logs in again, so that a token that was restarted, re-plugged or filled meanwhile is read as it is
 * now; the PIN is kept here and never logged.
 */
public final class Pkcs11Token {
    private final Settings settings;
    private volatile Provider provider;

    private Pkcs11Token(Settings settings) {
        this.settings = settings;
    }

    /** Where the token is and how to log in: {@code pkcs11.*} of smime.properties. */
    public static final class Settings {
        private final String name;
        private final Path library;
        private final Optional<Long> slot;
        private final int slotListIndex;
        private final char[] pin;

        /**
         * @param name          names the token in sources ({@code pkcs11:<name>/<alias>}) and in the log
         * @param slot          the slot id, or empty to pick the slot by {@code slotListIndex}
         * @param slotListIndex the position of the slot among the library's slots with a token
         */
        public Settings(String name, Path library, Optional<Long> slot, int slotListIndex, char[] pin) {
            this.name = name;
            this.library = library;
            this.slot = slot;
            this.slotListIndex = slotListIndex;
            this.pin = pin.clone();
        }

        public String name() {
            return name;
        }

        /** Without the PIN. */
        @Override
        public String toString() {
            return "pkcs11{" + name + ", library=" + library + ", " + slot.map(id -> "slot=" + id).orElse("slotListIndex=" + slotListIndex) + "}";
        }
    }

    /** A token that is not opened yet: {@link #entries()} opens it, and tells why when it cannot. */
    public static Pkcs11Token of(Settings settings) {
        return new Pkcs11Token(settings);
    }

    public String name() {
        return settings.name;
    }

    /** How an entry of this token is named in reports, the CLI and WebAdmin: {@code pkcs11:<token>/<alias>}. */
    public String source(String alias) {
        return "pkcs11:" + settings.name + "/" + alias;
    }

    /** One key entry of the token: the key (which never leaves it) and the certificates stored with it. */
    static final class Entry {
        final String alias;
        final PrivateKey key;
        final List<X509Certificate> chain;

        Entry(String alias, PrivateKey key, List<X509Certificate> chain) {
            this.alias = alias;
            this.key = key;
            this.chain = chain;
        }
    }

    /** What one listing found: the entries and the provider that signs with their keys. */
    static final class Listing {
        final Provider provider;
        final List<Entry> entries;

        Listing(Provider provider, List<Entry> entries) {
            this.provider = provider;
            this.entries = entries;
        }
    }

    /**
     * Logs in and lists the key entries that have a certificate (keys without one cannot sign mail and are left out).
     *
     * @throws StoreException naming the token when the library, the slot or the login fails
     */
    Listing entries() throws StoreException {
        Session session = session();
        Provider current = session.provider;
        KeyStore keyStore = session.keyStore;
        try {
            List<Entry> entries = new ArrayList<>();
            for (String alias : Collections.list(keyStore.aliases())) {
                if (!keyStore.isKeyEntry(alias)) {
                    continue;
                }
                Key key = keyStore.getKey(alias, null);
                Certificate[] chain = keyStore.getCertificateChain(alias);
                if (!(key instanceof PrivateKey) || chain == null || chain.length == 0) {
                    continue;
                }
                List<X509Certificate> certificates = new ArrayList<>();
                for (Certificate certificate : chain) {
                    if (certificate instanceof X509Certificate) {
                        certificates.add((X509Certificate) certificate);
                    }
                }
                if (!certificates.isEmpty() && certificates.get(0) == chain[0]) {
                    entries.add(new Entry(alias, (PrivateKey) key, List.copyOf(certificates)));
                }
            }
            entries.sort(Comparator.comparing(entry -> entry.alias));
            return new Listing(current, entries);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw unavailable(e);
        }
    }

    /** The provider and the token's key store, logged in. */
    static final class Session {
        final Provider provider;
        final KeyStore keyStore;

        Session(Provider provider, KeyStore keyStore) {
            this.provider = provider;
            this.keyStore = keyStore;
        }
    }

    /** Logs in (when this process is not logged in to the token yet) and gives the token's key store. */
    Session session() throws StoreException {
        Provider current = provider();
        try {
            KeyStore keyStore = KeyStore.getInstance("PKCS11", current);
            keyStore.load(null, settings.pin.clone());
            return new Session(current, keyStore);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw unavailable(e);
        }
    }

    private StoreException unavailable(Exception e) {
        // a token that was restarted or re-plugged may need a provider of its own again
        provider = null;
        return new StoreException("PKCS#11 token '" + settings.name + "' cannot be opened (" + reason(e) + "); check pkcs11.library,"
            + " pkcs11.slot and the PIN, and that the token is plugged in and not locked", e);
    }

    private Provider provider() throws StoreException {
        Provider current = provider;
        if (current != null) {
            return current;
        }
        synchronized (this) {
            if (provider == null) {
                Provider template = Security.getProvider("SunPKCS11");
                if (template == null) {
                    throw new StoreException("PKCS#11 token '" + settings.name + "': this Java has no SunPKCS11 provider"
                        + " (module jdk.crypto.cryptoki); run James on a JDK that has it");
                }
                try {
                    provider = template.configure("--name=" + settings.name + "\nlibrary=\"" + settings.library + "\"\n"
                        + settings.slot.map(id -> "slot=" + id).orElse("slotListIndex=" + settings.slotListIndex) + "\n");
                } catch (InvalidParameterException | UnsupportedOperationException | ProviderException e) {
                    throw new StoreException("PKCS#11 token '" + settings.name + "' cannot be opened (" + reason(e) + "); check pkcs11.library"
                        + " and pkcs11.slot, and that the token is plugged in", e);
                }
            }
            return provider;
        }
    }

    /** The innermost message: the PKCS#11 return code (CKR_PIN_INCORRECT, CKR_SLOT_ID_INVALID, ...) when there is one. */
    private static String reason(Throwable e) {
        Throwable innermost = e;
        while (innermost.getCause() != null && innermost.getCause() != innermost) {
            innermost = innermost.getCause();
        }
        String message = innermost.getMessage();
        return message == null || message.isBlank() ? innermost.getClass().getSimpleName() : message;
    }

    @Override
    public String toString() {
        return settings.toString();
    }
}
