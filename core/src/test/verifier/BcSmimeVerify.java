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
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;

import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.mail.smime.SMIMESigned;

/**
 * The tests' second verifier: BouncyCastle's bcmail SMIMESigned, which rebuilds the signed part from javax.mail's
 * parse before hashing it (as clients and gateways built on it do). It runs in a JVM of its own because bcmail
 * exists only up to 1.85 and a classpath holds one BouncyCastle version.
 *
 * <p>{@code java -cp 'target/bc-smime-verifier/*' src/test/verifier/BcSmimeVerify.java DIR}: for every DIR/*.eml,
 * one line {@code NAME<TAB>OK} (the content as BouncyCastle sees it written to DIR/NAME.bc-content) or
 * {@code NAME<TAB>FAIL<TAB>reason}.
 */
public final class BcSmimeVerify {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Session session = Session.getInstance(new Properties());
        BouncyCastleProvider provider = new BouncyCastleProvider();
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(p -> p.getFileName().toString().endsWith(".eml")).sorted().collect(Collectors.toList());
        }
        for (Path file : files) {
            String name = file.getFileName().toString();
            name = name.substring(0, name.length() - ".eml".length());
            String verdict;
            try (InputStream in = new FileInputStream(file.toFile())) {
                MimeMessage message = new MimeMessage(session, in);
                SMIMESigned signed = new SMIMESigned((MimeMultipart) message.getContent());
                Collection<SignerInformation> signers = signed.getSignerInfos().getSigners();
                if (signers.isEmpty()) {
                    throw new IllegalStateException("no signer");
                }
                for (SignerInformation signer : signers) {
                    @SuppressWarnings("unchecked")
                    Collection<X509CertificateHolder> matches = signed.getCertificates().getMatches(signer.getSID());
                    if (matches.isEmpty()) {
                        throw new IllegalStateException("the signer's certificate is not in the message");
                    }
                    if (!signer.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider(provider).build(matches.iterator().next()))) {
                        throw new IllegalStateException("signature does not verify");
                    }
                }
                try (OutputStream out = new FileOutputStream(dir.resolve(name + ".bc-content").toFile())) {
                    signed.getContent().writeTo(out);
                }
                verdict = "OK";
            } catch (Throwable e) {
                verdict = "FAIL\t" + String.valueOf(e).replaceAll("[\\r\\n\\t]+", " ");
            }
            System.out.println(name + "\t" + verdict);
        }
        System.out.flush();
        // a javax.activation pipe thread left behind by a failed parse must not keep this JVM alive
        System.exit(0);
    }
}
