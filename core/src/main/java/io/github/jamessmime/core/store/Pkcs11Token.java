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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AuthProvider;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import javax.security.auth.login.LoginException;

import io.github.jamessmime.core.failure.FailureKind;

/**
 * A PKCS#11 token (an HSM, a smart card, SoftHSM) that holds sender keys: its key entries with their certificates, as
 * the JDK's SunPKCS11 provider lists them. The provider is an object of this token only, never registered with the
 * JCA. Every listing opens the token's key store again (logging in when this process is not logged in), so that a
 * token that was filled, emptied or re-plugged meanwhile is read as it is now.
 *
 * <p>A PIN the token refused is not tried again: tokens lock the PIN after a few wrong tries. It is tried again once
 * its file ({@code pkcs11.pin.file}) holds another PIN; a PIN from the environment needs a restart. The PIN is kept
 * here and never logged.
 */
public final class Pkcs11Token {
    /** A token that is gone gets a new provider object at most this often (the JDK keeps one per library anyway). */
    static final Duration PROVIDER_RETRY = Duration.ofMinutes(5);

    private final Settings settings;
    private volatile Provider provider;
    private long providerMadeAt;
    private char[] pin;
    /** Why the token refused {@link #pin}, or null while it has not. */
    private String pinRefusal;

    private Pkcs11Token(Settings settings) {
        this.settings = settings;
        this.pin = settings.pin.clone();
    }

    /** Where the token is and how to log in: {@code pkcs11.*} of smime.properties. */
    public static final class Settings {
        private final String name;
        private final Path library;
        private final Optional<Long> slot;
        private final int slotListIndex;
        private final char[] pin;
        private final Optional<Path> pinFile;

        /**
         * @param name          names the token in sources ({@code pkcs11:<name>/<alias>}) and in the log: letters, digits, {@code .},
         *                      {@code _} and {@code -}
         * @param slot          the slot id, or empty to pick the slot by {@code slotListIndex}
         * @param slotListIndex the position of the slot among the library's slots with a token
         * @param pinFile       where {@code pin} was read from, read again after the token refused it (empty: it came
         *                      from elsewhere)
         * @throws IllegalArgumentException for a name or library path that cannot go into the provider's configuration
         */
        public Settings(String name, Path library, Optional<Long> slot, int slotListIndex, char[] pin, Optional<Path> pinFile) {
            checkName(name);
            checkLibrary(library);
            slot.ifPresent(Settings::checkSlot);
            this.name = name;
            this.library = library;
            this.slot = slot;
            this.slotListIndex = slotListIndex;
            this.pin = pin.clone();
            this.pinFile = pinFile;
        }

        /** @throws IllegalArgumentException unless the name is 1 to 64 letters, digits, '.', '_' and '-' */
        public static void checkName(String name) {
            if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException("'" + CertificateRules.printable(name) + "' may only hold letters, digits, '.', '_' and '-'");
            }
        }

        /** @throws IllegalArgumentException for a path the provider's configuration cannot hold as it is */
        public static void checkLibrary(Path library) {
            if (!library.toString().matches("[^\"\\\\\\p{Cntrl}]+") || library.toString().contains("${")) {
                throw new IllegalArgumentException(CertificateRules.printable(library.toString())
                    + " holds a quote, a backslash, '${' or a control character; give a plain path");
            }
        }

        /** @throws IllegalArgumentException for a slot id SunPKCS11 cannot take (it reads an int) */
        public static void checkSlot(long slot) {
            if (slot < 0 || slot > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("slot id " + slot + " is out of range (0 to " + Integer.MAX_VALUE + ")");
            }
        }

        /** Settings with a PIN that is not read from a file. */
        public Settings(String name, Path library, Optional<Long> slot, int slotListIndex, char[] pin) {
            this(name, library, slot, slotListIndex, pin, Optional.empty());
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

    /**
     * The token failed in the middle of an operation (a key check's signature, a listing): the token's state, not a
     * verdict on an entry.
     */
    static final class Failure extends StoreException {
        private static final long serialVersionUID = 1L;

        Failure(String message, Throwable cause) {
            super(FailureKind.TOKEN_UNAVAILABLE, message, cause);
        }
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

    /** What one listing found: the entries, by alias, and the provider that signs with their keys. */
    static final class Listing {
        final Provider provider;
        final List<Entry> entries;

        Listing(Provider provider, List<Entry> entries) {
            this.provider = provider;
            this.entries = entries;
        }
    }

    /**
     * Lists the key entries that have a certificate (keys without one cannot sign mail and are left out).
     *
     * @throws StoreException naming the token when the library, the slot or the login fails
     */
    Listing entries() throws StoreException {
        Session session = session();
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
            return new Listing(session.provider, entries);
        } catch (GeneralSecurityException | RuntimeException | LinkageError e) {
            throw failed(e, null);
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
        char[] attempt = pinToTry();
        Provider current = provider();
        try {
            KeyStore keyStore = KeyStore.getInstance("PKCS11", current);
            keyStore.load(null, attempt);
            return new Session(current, keyStore);
        } catch (IOException | GeneralSecurityException | RuntimeException | LinkageError e) {
            throw failed(e, attempt);
        }
    }

    /** The PIN to log in with, unless the token refused it and it has not changed since. */
    private synchronized char[] pinToTry() throws StoreException {
        if (pinRefusal == null) {
            return pin.clone();
        }
        if (settings.pinFile.isPresent()) {
            try {
                char[] current = Files.readString(settings.pinFile.get(), StandardCharsets.UTF_8).lines().findFirst().orElse("").toCharArray();
                if (!Arrays.equals(current, pin)) {
                    pin = current;
                    pinRefusal = null;
                    return pin.clone();
                }
            } catch (IOException e) {
                // the refusal below stands until the file can be read and holds another PIN
            }
        }
        throw new StoreException(FailureKind.TOKEN_UNAVAILABLE, pinRefusal);
    }

    /**
     * The failure as one line naming the token. A refused PIN is remembered (see {@link #pinToTry}); a token that is
     * gone gets a new provider object at the next try, at most every {@link #PROVIDER_RETRY}.
     */
    private synchronized StoreException failed(Throwable e, char[] attempt) {
        String reason = reason(e);
        if (attempt != null && reason.startsWith("CKR_PIN_")) {
            pinRefusal = "PKCS#11 token '" + settings.name + "' cannot be opened (" + reason + "): the token refused the PIN, which is not"
                + " tried again so that the token does not lock it; " + settings.pinFile.map(file -> "put the right PIN in " + file)
                .orElse("set the right PIN and restart James");
            return new StoreException(FailureKind.TOKEN_UNAVAILABLE, pinRefusal, e);
        }
        if (System.nanoTime() - providerMadeAt > PROVIDER_RETRY.toNanos()) {
            // a token that was restarted or re-plugged may need a provider object of its own again
            Provider old = provider;
            provider = null;
            if (old instanceof AuthProvider) {
                try {
                    ((AuthProvider) old).logout();
                } catch (LoginException | RuntimeException ignored) {
                    // the old provider's sessions go with it
                }
            }
        }
        return new Failure("PKCS#11 token '" + settings.name + "' cannot be opened (" + reason + "); check pkcs11.library, pkcs11.slot"
            + " and the PIN, and that the token is plugged in and not locked", e);
    }

    private synchronized Provider provider() throws StoreException {
        Provider current = provider;
        if (current != null) {
            return current;
        }
        Provider template = Security.getProvider("SunPKCS11");
        if (template == null) {
            throw new StoreException(FailureKind.CONFIGURATION, "PKCS#11 token '" + settings.name + "': this Java has no SunPKCS11 provider"
                + " (module jdk.crypto.cryptoki); run James on a JDK that has it");
        }
        try {
            current = template.configure("--name=" + settings.name + "\nlibrary=\"" + settings.library + "\"\n"
                + settings.slot.map(id -> "slot=" + id).orElse("slotListIndex=" + settings.slotListIndex) + "\n"
                // keys made by token-keygen stay in the token: not readable, not exportable
                + "attributes(generate, CKO_PRIVATE_KEY, *) = {\n  CKA_SENSITIVE = true\n  CKA_EXTRACTABLE = false\n}\n");
        } catch (InvalidParameterException | UnsupportedOperationException | ProviderException | LinkageError e) {
            throw new Failure("PKCS#11 token '" + settings.name + "' cannot be opened (" + reason(e) + "); check pkcs11.library"
                + " and pkcs11.slot, and that the token is plugged in", e);
        }
        provider = current;
        providerMadeAt = System.nanoTime();
        return current;
    }

    /**
     * Whether {@code e} comes from the token's state (its device, a session, its presence) rather than from the key or
     * the mechanism: {@code CKR_DEVICE_*}, {@code CKR_SESSION_*}, {@code CKR_TOKEN_*}, {@code CKR_GENERAL_ERROR} and memory
     * errors, or a failure without any PKCS#11 return code. A key the token will not sign with ({@code CKR_KEY_*},
     * {@code CKR_MECHANISM_*}, {@code CKR_FUNCTION_NOT_PERMITTED}, {@code CKR_USER_NOT_LOGGED_IN}, ...) is not.
     */
    static boolean isTokenState(Throwable e) {
        String reason = reason(e);
        if (!reason.startsWith("CKR_")) {
            return true;
        }
        return reason.startsWith("CKR_DEVICE_") || reason.startsWith("CKR_SESSION_") || reason.startsWith("CKR_TOKEN_")
            || reason.startsWith("CKR_GENERAL_ERROR") || reason.startsWith("CKR_HOST_MEMORY") || reason.startsWith("CKR_CRYPTOKI_");
    }

    /**
     * The innermost message: the PKCS#11 return code (CKR_PIN_INCORRECT, CKR_SLOT_ID_INVALID, ...) when there is one. The
     * JDK gives a token's return code only as its name: the message of its PKCS11Exception, whose class lies in a
     * package the JDK does not export; the names are PKCS#11's own, fixed by the standard, not prose.
     */
    static String reason(Throwable e) {
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
