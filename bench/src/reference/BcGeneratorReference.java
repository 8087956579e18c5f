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

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;

import javax.mail.Session;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;
import javax.mail.internet.MimePartDataSource;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.smime.SMIMECapabilitiesAttribute;
import org.bouncycastle.asn1.smime.SMIMECapability;
import org.bouncycastle.asn1.smime.SMIMECapabilityVector;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.mail.smime.SMIMESignedGenerator;

/**
 * The benchmark's reference (bench/run starts it with BouncyCastle 1.85 alone on its class path): how fast
 * BouncyCastle's own S/MIME generator signs the same message with the same key, the way its documentation shows
 * (SMIMESignedGenerator, JcaSimpleSignerInfoGeneratorBuilder, BouncyCastle's provider passed as an object, SHA-256,
 * SMIMECapabilities), parse and serialise included as in the project's benchmark.
 *
 * <p>{@code java -cp 'bc-reference/*' BcGeneratorReference.java P12 PASSWORD MESSAGE ALGORITHM WARMUP_S ITERATIONS ITERATION_S}
 * prints one {@code ITERATION <messages per second>} line per measured iteration.
 */
public final class BcGeneratorReference {
    public static void main(String[] args) throws Exception {
        Provider bc = new BouncyCastleProvider();
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            keyStore.load(in, args[1].toCharArray());
        }
        String alias = Collections.list(keyStore.aliases()).stream().filter(a -> isKey(keyStore, a)).findFirst().orElseThrow();
        PrivateKey key = (PrivateKey) keyStore.getKey(alias, args[1].toCharArray());
        Certificate[] chain = keyStore.getCertificateChain(alias);
        List<X509Certificate> withoutRoot = new ArrayList<>();
        for (int i = 0; i < chain.length - 1; i++) {
            withoutRoot.add((X509Certificate) chain[i]);
        }
        byte[] message = Files.readAllBytes(Path.of(args[2]));
        String algorithm = args[3];
        long warmup = Long.parseLong(args[4]) * 1_000_000_000L;
        int iterations = Integer.parseInt(args[5]);
        long iteration = Long.parseLong(args[6]) * 1_000_000_000L;

        Session session = Session.getInstance(new Properties());
        SMIMECapabilityVector capabilities = new SMIMECapabilityVector();
        capabilities.addCapability(SMIMECapability.aES256_CBC);
        capabilities.addCapability(SMIMECapability.aES192_CBC);
        capabilities.addCapability(SMIMECapability.aES128_CBC);
        ASN1EncodableVector attributes = new ASN1EncodableVector();
        attributes.add(new SMIMECapabilitiesAttribute(capabilities));
        JcaCertStore certificates = new JcaCertStore(withoutRoot);
        X509Certificate signer = (X509Certificate) chain[0];

        Runnable signOne = () -> {
            try {
                MimeMessage original = new MimeMessage(session, new ByteArrayInputStream(message));
                SMIMESignedGenerator generator = new SMIMESignedGenerator();
                generator.addSignerInfoGenerator(new JcaSimpleSignerInfoGeneratorBuilder().setProvider(bc)
                    .setSignedAttributeGenerator(new AttributeTable(attributes)).build(algorithm, key, signer));
                generator.addCertificates(certificates);
                // a multipart is handed over as its parsed parts (BouncyCastle's own examples do so); parsed here
                // from the message's data source, so no content handler of javax.mail's mailcap is needed
                MimeMultipart signed;
                if (original.getContentType().toLowerCase(java.util.Locale.ROOT).startsWith("multipart/")) {
                    MimeBodyPart content = new MimeBodyPart();
                    content.setContent(new MimeMultipart(new MimePartDataSource(original)));
                    signed = generator.generate(content);
                } else {
                    signed = generator.generate(original);
                }
                MimeMessage out = new MimeMessage(original);
                out.setContent(signed, signed.getContentType());
                out.saveChanges();
                out.writeTo(OutputStream.nullOutputStream());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        long end = System.nanoTime() + warmup;
        while (System.nanoTime() < end) {
            signOne.run();
        }
        for (int i = 0; i < iterations; i++) {
            long start = System.nanoTime();
            long count = 0;
            do {
                signOne.run();
                count++;
            } while (System.nanoTime() - start < iteration);
            System.out.println("ITERATION " + count * 1e9 / (System.nanoTime() - start));
        }
    }

    private static boolean isKey(KeyStore keyStore, String alias) {
        try {
            return keyStore.isKeyEntry(alias);
        } catch (Exception e) {
            return false;
        }
    }
}
