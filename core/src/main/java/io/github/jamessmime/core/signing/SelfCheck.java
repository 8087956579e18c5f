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
package io.github.jamessmime.core.signing;

import java.io.IOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.Arrays;
import java.util.Properties;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.ContentType;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMessage;

/**
 * Reads a freshly signed message back as a re-serialising verifier does, before it replaces the original:
 * javax.mail parses the headers (they must announce the multipart/signed written), the first part must re-serialise
 * to the very bytes that were signed, and the signature must verify over its signed attributes with the
 * certificate's public key, in the signer's provider (a faulty key operation never leaves; {@link SignatureProvider}
 * checks the native provider against the JDK's once).
 *
 * <p>The first part is shown canonical by {@link VerifierView} from its line structure, without parsing leaf
 * bodies again. Where that fast reading cannot show it, the full re-serialisation decides
 * ({@link #reserialisedProblem}: javax.mail parses the part and {@link Reserialiser} writes it again), so the verdict
 * is always the re-serialisation's. The content digest is not computed a second time: the bytes are shown equal to
 * those hashed.
 */
final class SelfCheck {
    private static final Session SESSION = Session.getInstance(new Properties());

    private SelfCheck() {
    }

    /** A new verifier, initialised with the certificate's public key. */
    interface Verifier {
        Signature create() throws GeneralSecurityException;
    }

    /**
     * @param cms              the SignedData written into the message
     * @param signedAttributes the DER signed attributes the key operation signed
     * @param value            the signature value the key operation returned
     */
    static void verify(MessageBuffer buffer, String boundary, int contentStart, int contentLength, byte[] cms,
                       byte[] signedAttributes, byte[] value, Verifier verifier) throws SelfCheckException {
        String problem;
        try {
            problem = problem(buffer, boundary, contentStart, contentLength, cms, signedAttributes, value, verifier);
        } catch (MessagingException | IOException | GeneralSecurityException | RuntimeException e) {
            problem = "the signed message cannot be read back: " + HeaderForm.excerpt(String.valueOf(e.getMessage()), 200);
        }
        if (problem != null) {
            throw new SelfCheckException("self-check failed, so the message is not signed: " + problem);
        }
    }

    /** What is wrong with the signed message, or null. */
    private static String problem(MessageBuffer buffer, String boundary, int contentStart, int contentLength, byte[] cms,
                                  byte[] signedAttributes, byte[] value, Verifier verifiers)
        throws MessagingException, IOException, GeneralSecurityException {
        MimeMessage parsed = new MimeMessage(SESSION, buffer.toInputStream());
        ContentType type = new ContentType(parsed.getContentType());
        if (!type.match("multipart/signed") || !boundary.equals(type.getParameter("boundary"))) {
            return "the message reads as " + type.getBaseType() + ", not as the multipart/signed written";
        }
        if (VerifierView.problem(buffer.array(), contentStart, contentStart + contentLength) != null) {
            String problem = reserialisedProblem(buffer, contentStart, contentLength);
            if (problem != null) {
                return problem;
            }
        }
        // The SignedData holds the value and, under its [0] IMPLICIT tag, the very attribute bytes that were signed
        // (a SET's content after its tag and length): found there, they need not be parsed back out of it.
        if (indexOf(cms, value) < 0 || indexOf(cms, Arrays.copyOfRange(signedAttributes, contentOffset(signedAttributes),
            signedAttributes.length)) < 0) {
            return "the SignedData does not hold the signature value and attributes that were signed";
        }
        Signature verifier = verifiers.create();
        verifier.update(signedAttributes);
        if (!verifier.verify(value)) {
            return "the signature does not verify with the certificate's public key";
        }
        return null;
    }

    /**
     * What a re-serialising verifier would hash differently in the first part, found the full way: javax.mail parses
     * the part as the verifier's parser delimits it (the 192-bit random boundary occurs nowhere else) and
     * {@link Reserialiser} writes it again; or null.
     */
    static String reserialisedProblem(MessageBuffer buffer, int contentStart, int contentLength) throws MessagingException, IOException {
        MimeBodyPart first = new MimeBodyPart(buffer.toInputStream().newStream(contentStart, contentStart + contentLength));
        Comparison comparison = new Comparison(buffer.array(), contentStart, contentLength);
        try {
            Reserialiser.write(first, comparison);
        } catch (Comparison.Differs e) {
            return "a re-serialising verifier would hash other bytes than those signed (from byte " + (e.offset - contentStart) + ")";
        }
        if (comparison.position != contentStart + contentLength) {
            return "a re-serialising verifier would hash " + (comparison.position - contentStart) + " of the "
                + contentLength + " bytes signed";
        }
        return null;
    }

    /** Where the content of a DER element starts: after its one-byte tag and its length octets. */
    private static int contentOffset(byte[] der) {
        int first = der[1] & 0xFF;
        return first < 0x80 ? 2 : 2 + (first & 0x7F);
    }

    /** Where {@code needle} last occurs in {@code haystack}: the signer info, with both, ends the SignedData. */
    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = haystack.length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** An output stream that compares what it is given with the bytes signed. */
    private static final class Comparison extends OutputStream {
        private final byte[] expected;
        private final int end;
        private int position;

        Comparison(byte[] expected, int start, int length) {
            this.expected = expected;
            this.position = start;
            this.end = start + length;
        }

        @Override
        public void write(int b) {
            if (position >= end || expected[position] != (byte) b) {
                throw new Differs(position);
            }
            position++;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            if (length > end - position) {
                throw new Differs(end);
            }
            int mismatch = Arrays.mismatch(bytes, offset, offset + length, expected, position, position + length);
            if (mismatch >= 0) {
                throw new Differs(position + mismatch);
            }
            position += length;
        }

        static final class Differs extends RuntimeException {
            private static final long serialVersionUID = 1L;
            final int offset;

            Differs(int offset) {
                super(null, null, false, false);
                this.offset = offset;
            }
        }
    }
}
