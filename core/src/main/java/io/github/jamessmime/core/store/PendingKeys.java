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
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import io.github.jamessmime.core.failure.FailureKind;

/**
 * Keys made in the store for sender addresses whose certificates are on their way: one PKCS#12 file per address in
 * the store's {@value #DIRECTORY} directory (so every node sharing the store sees them, and the store's own listing,
 * which skips dot names, never does), encrypted under the store password, written as store files are (atomically,
 * readable by this user only). A pending key never signs: its file holds it with a placeholder certificate until the
 * CA's certificate is installed, which writes the sender's store file and removes the pending one.
 */
public final class PendingKeys {
    /** Where pending keys live, inside the store directory. */
    public static final String DIRECTORY = ".pending";
    private static final long MAX_FILE_BYTES = 64 * 1024;

    private final Path storeDirectory;
    private final Supplier<char[]> password;

    PendingKeys(Path storeDirectory, Supplier<char[]> password) {
        this.storeDirectory = storeDirectory;
        this.password = password;
    }

    /** A pending key: its address, key type, when it was made, and where it lies. */
    public static final class Pending {
        private final String address;
        private final KeyType keyType;
        private final Instant created;
        private final String source;
        final PrivateKey key;
        final X509Certificate placeholder;

        Pending(String address, KeyType keyType, Instant created, String source, PrivateKey key, X509Certificate placeholder) {
            this.address = address;
            this.keyType = keyType;
            this.created = created;
            this.source = source;
            this.key = key;
            this.placeholder = placeholder;
        }

        public String address() {
            return address;
        }

        public KeyType keyType() {
            return keyType;
        }

        public Instant created() {
            return created;
        }

        /** The public key the CA certifies: an issued certificate is matched to its pending key by it. */
        public java.security.PublicKey publicKey() {
            return placeholder.getPublicKey();
        }

        /** The pending file ({@code .pending/billing@shop.example.p12}) or token entry ({@code pkcs11:hsm/billing@shop.example}). */
        public String source() {
            return source;
        }

        @Override
        public String toString() {
            return address + " (" + keyType + ", since " + created + ", " + source + ")";
        }
    }

    private Path directory() {
        return storeDirectory.resolve(DIRECTORY);
    }

    /**
     * Makes a key of {@code type} for {@code address}, keeps it as its pending key (a pending key it had is replaced:
     * whether one may be is {@code CertificateRequests}' to say) and gives its PKCS#10 request (DER).
     */
    public byte[] request(String address, KeyType type, Instant now) throws StoreException {
        String mailbox = CertificateRules.senderAddress(address, "as the address of a request", "give the sender address the certificate is for");
        Path file = CertificateImport.confined(directory(), StoreFileNames.stem(mailbox) + ".p12");
        try {
            Files.createDirectories(directory());
            KeyPair pair = type.generate(Optional.empty());
            X509Certificate placeholder = CertificationRequest.placeholder(pair, mailbox, type, Optional.empty(), now);
            CertificateImport.writePkcs12(file, password.get(), mailbox, pair.getPrivate(), List.of(placeholder));
            return CertificationRequest.request(CertificationRequest.mailboxSubject(mailbox), mailbox, pair.getPublic(), pair.getPrivate(),
                type, Optional.empty());
        } catch (IOException e) {
            throw new StoreException(FailureKind.IO, "cannot make the pending key for " + mailbox + " in " + directory() + " ("
                + e.getMessage() + "); the store directory must be writable where requests are made", e);
        } catch (GeneralSecurityException e) {
            throw new StoreException(FailureKind.KEY_FAILED, "cannot make a " + type + " key for " + mailbox + " (" + e.getMessage() + ")", e);
        }
    }

    /** The PKCS#10 request (DER) of the pending key of {@code address}, made again from the key (the same request). */
    public Optional<byte[]> csr(String address) throws StoreException {
        Optional<Pending> pending = find(address);
        if (pending.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(CertificationRequest.request(CertificationRequest.mailboxSubject(pending.get().address()),
                pending.get().address(), pending.get().placeholder.getPublicKey(), pending.get().key, pending.get().keyType(), Optional.empty()));
        } catch (GeneralSecurityException e) {
            throw new StoreException(FailureKind.KEY_FAILED, "cannot make the request of " + pending.get() + " (" + e.getMessage() + ")", e);
        }
    }

    /** Every pending key, by address. A file that cannot be read under the store password is left out. */
    public List<Pending> list() throws StoreException {
        List<Pending> pending = new ArrayList<>();
        for (Path file : files()) {
            read(file).ifPresent(pending::add);
        }
        pending.sort(Comparator.comparing(Pending::address));
        return pending;
    }

    /** The addresses with a pending key, from the file names alone (nothing decrypted: what the health check asks). */
    public List<String> addresses() {
        List<String> addresses = new ArrayList<>();
        try {
            for (Path file : files()) {
                String name = file.getFileName().toString();
                String stem = name.substring(0, name.length() - ".p12".length());
                addresses.add(StoreFileNames.address(stem).orElse(stem));
            }
        } catch (StoreException e) {
            // no pending directory that can be read: none pending
        }
        return addresses;
    }

    /** The pending key of {@code address}, if there is one. */
    public Optional<Pending> find(String address) throws StoreException {
        Optional<String> mailbox = io.github.jamessmime.core.address.Addresses.normalize(address);
        if (mailbox.isEmpty()) {
            return Optional.empty();
        }
        Path file;
        try {
            file = CertificateImport.confined(directory(), StoreFileNames.stem(mailbox.get()) + ".p12");
        } catch (StoreException e) {
            // no pending file can have such a name
            return Optional.empty();
        }
        return Files.isRegularFile(file) ? read(file) : Optional.empty();
    }

    /** Removes the pending key of {@code address}; false when there is none. */
    public boolean delete(String address) throws StoreException {
        Optional<Pending> pending = find(address);
        if (pending.isEmpty()) {
            return false;
        }
        try {
            return Files.deleteIfExists(CertificateImport.confined(directory(), StoreFileNames.stem(pending.get().address()) + ".p12"));
        } catch (IOException e) {
            throw new StoreException(FailureKind.IO, "cannot remove the pending key of " + address + " (" + e.getMessage() + ")", e);
        }
    }

    private List<Path> files() throws StoreException {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(directory())) {
            return files;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory(), "*.p12")) {
            for (Path file : stream) {
                if (!file.getFileName().toString().startsWith(".") && Files.isRegularFile(file)) {
                    files.add(file);
                }
            }
        } catch (IOException e) {
            throw new StoreException(FailureKind.IO, "cannot list the pending keys in " + directory() + " (" + e.getMessage() + ")", e);
        }
        files.sort(Comparator.naturalOrder());
        return files;
    }

    private Optional<Pending> read(Path file) {
        try {
            byte[] content;
            try (InputStream in = Files.newInputStream(file)) {
                content = in.readNBytes((int) MAX_FILE_BYTES + 1);
            }
            if (content.length > MAX_FILE_BYTES) {
                return Optional.empty();
            }
            char[] storePassword = password.get();
            KeyStore keyStore = CertificateFile.load(content, storePassword);
            for (String alias : java.util.Collections.list(keyStore.aliases())) {
                Certificate certificate = keyStore.getCertificate(alias);
                if (keyStore.isKeyEntry(alias) && certificate instanceof X509Certificate
                    && CertificationRequest.isPlaceholder((X509Certificate) certificate)) {
                    X509Certificate placeholder = (X509Certificate) certificate;
                    PrivateKey key = (PrivateKey) keyStore.getKey(alias, storePassword);
                    List<String> named = CertificateRules.namedAddresses(placeholder);
                    Optional<KeyType> type = KeyType.of(placeholder.getPublicKey());
                    if (key != null && named.size() == 1 && type.isPresent()) {
                        return Optional.of(new Pending(named.get(0), type.get(), placeholder.getNotBefore().toInstant(),
                            DIRECTORY + "/" + file.getFileName(), key, placeholder));
                    }
                }
            }
            return Optional.empty();
        } catch (IOException | GeneralSecurityException | StoreException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
