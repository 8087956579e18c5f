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

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.jamessmime.core.failure.FailureKind;

/**
 * The certificates a CA delivers for a request, in whatever form it delivers them: PEM (one or more {@code CERTIFICATE}
 * blocks, or a {@code PKCS7} block), or DER (one certificate, or a PKCS#7 bundle, {@code .p7b}/{@code .p7c}). Anything
 * else is refused with one line; nothing of it is quoted back.
 */
public final class CertificateInput {
    /** A CA's answer: a certificate and its chain take a few KB; a file larger than this is not one. */
    public static final int MAX_BYTES = 256 * 1024;
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

    private CertificateInput() {
    }

    /** The certificates of {@code input}, in the order given. */
    public static List<X509Certificate> read(byte[] input) throws StoreException {
        if (input.length == 0 || input.length > MAX_BYTES) {
            throw refused(input.length == 0 ? "is empty" : "is larger than any certificate chain (" + MAX_BYTES / 1024 + " KiB at most)");
        }
        String text = new String(input, StandardCharsets.ISO_8859_1);
        List<X509Certificate> certificates = new ArrayList<>();
        Matcher pem = PEM.matcher(text);
        boolean anyPem = false;
        while (pem.find()) {
            anyPem = true;
            String type = pem.group(1);
            if (!type.equals("CERTIFICATE") && !type.equals("PKCS7") && !type.equals("X509 CERTIFICATE")) {
                throw refused(type.contains("PRIVATE KEY") ? "holds a private key; give only the certificates the CA issued"
                    : "holds a '" + type + "' block; give the CERTIFICATE (or PKCS7) blocks the CA issued");
            }
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(pem.group(2));
            } catch (IllegalArgumentException e) {
                throw refused("holds a " + type + " block that is not base64");
            }
            certificates.addAll(decode(der));
        }
        if (!anyPem) {
            if (text.contains("-----BEGIN")) {
                throw refused("holds a PEM block that does not end; give the whole file the CA issued");
            }
            certificates.addAll(decode(input));
        }
        if (certificates.isEmpty()) {
            throw refused("holds no certificate");
        }
        return certificates;
    }

    private static List<X509Certificate> decode(byte[] der) throws StoreException {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            Collection<? extends java.security.cert.Certificate> decoded = factory.generateCertificates(new ByteArrayInputStream(der));
            List<X509Certificate> certificates = new ArrayList<>();
            for (java.security.cert.Certificate certificate : decoded) {
                certificates.add((X509Certificate) certificate);
            }
            return certificates;
        } catch (CertificateException | RuntimeException e) {
            throw refused("is neither PEM nor DER certificates nor a PKCS#7 bundle");
        }
    }

    private static StoreException refused(String what) {
        return new StoreException(FailureKind.BAD_INPUT, "the certificate input " + what
            + "; give the certificate the CA issued (PEM or DER, optionally with its chain, or a PKCS#7 bundle)");
    }
}
