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

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import javax.mail.Header;
import javax.mail.Multipart;
import javax.mail.internet.ContentType;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeUtility;

import io.github.jamessmime.testing.Verifiers;

/**
 * What a client that knows header protection (RFC 9788) compares in a signed-only message: the signed part must be
 * marked {@code hp=clear}, and each protected field in it must read as the outer field (as text: folds undone, white
 * space runs as one space, RFC 2047 words and 8-bit bytes decoded; address fields as addresses with their display
 * names). A Message-ID, In-Reply-To or References too long to fold may be missing inside; nothing but the protected
 * fields and the Content-* fields may be there.
 */
final class ProtectedFieldCheck {
    private ProtectedFieldCheck() {
    }

    static List<String> differences(byte[] signed) throws Exception {
        MimeMessage message = Verifiers.parse(signed);
        MimeBodyPart first = (MimeBodyPart) ((Multipart) message.getContent()).getBodyPart(0);
        List<String> differences = new ArrayList<>();
        String marked = new ContentType(first.getContentType()).getParameter(ProtectedHeaders.PARAMETER);
        if (!ProtectedHeaders.SIGNED_ONLY.equals(marked)) {
            differences.add("the signed part is not marked hp=clear: " + first.getContentType());
        }
        for (String field : ProtectedHeaders.FIELDS) {
            String[] outer = message.getHeader(field);
            String[] inner = first.getHeader(field);
            if (inner == null && outer != null && tooLongToFold(field, outer)) {
                continue;
            }
            List<String> outerValues = values(field, outer);
            List<String> innerValues = values(field, inner);
            if (!outerValues.equals(innerValues)) {
                differences.add(field + ": outer " + outerValues + ", signed " + innerValues);
            }
        }
        for (Header header : Collections.list(first.getAllHeaders())) {
            String name = header.getName().toLowerCase(Locale.ROOT);
            if (!ProtectedHeaders.isProtected(name) && !name.startsWith("content-")) {
                differences.add("the signed part has a field that is not protected: " + header.getName());
            }
        }
        return differences;
    }

    private static boolean tooLongToFold(String field, String[] values) {
        if (!field.equals("Message-ID") && !field.equals("In-Reply-To") && !field.equals("References")) {
            return false;
        }
        for (String value : values) {
            try {
                if (!HeaderForm.keepsLineLimit(HeaderForm.canonical(field + ": " + value.trim()))) {
                    return true;
                }
            } catch (Exception e) {
                return true;
            }
        }
        return false;
    }

    private static List<String> values(String field, String[] raw) throws Exception {
        List<String> values = new ArrayList<>();
        if (raw == null) {
            return values;
        }
        boolean addresses = List.of("From", "To", "Cc", "Reply-To").contains(field);
        for (String value : raw) {
            String text = HeaderForm.decode(MimeUtility.unfold(value)).trim();
            if (addresses) {
                List<String> parsed = new ArrayList<>();
                for (InternetAddress address : InternetAddress.parseHeader(text, false)) {
                    parsed.add(address.getAddress() + " " + spaced(address.getPersonal() == null ? "" : address.getPersonal()));
                }
                values.add(String.join(", ", parsed));
            } else {
                values.add(spaced(MimeUtility.decodeText(text)));
            }
        }
        return values;
    }

    private static String spaced(String text) {
        return text.replaceAll("[ \t]+", " ").trim();
    }
}
