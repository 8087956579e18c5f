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

import java.nio.charset.StandardCharsets;

import javax.mail.MessagingException;
import javax.mail.internet.ContentType;

/**
 * The relay-proof form of a delivery or disposition report's machine-readable part ({@code message/delivery-status},
 * RFC 3464; {@code message/disposition-notification}, RFC 8098): its body is blocks of header fields, which may not be
 * encoded (RFC 2046 5.2) but may be folded. Each field is written as part headers are ({@link HeaderForm}: folded at
 * white space to 76 octets, no trailing white space, 7-bit), blank lines between blocks kept. A body that is not
 * such fields is left to the copy.
 */
final class ReportForm {
    private ReportForm() {
    }

    static boolean appliesTo(ContentType type) {
        return type.match("message/delivery-status") || type.match("message/disposition-notification");
    }

    /** The body written anew, CRLF, or null when a line is neither a field, a fold nor blank. */
    static String canonical(byte[] body) {
        String text = new String(body, StandardCharsets.ISO_8859_1).replace("\r\n", "\n").replace('\r', '\n');
        StringBuilder out = new StringBuilder(body.length + 64);
        StringBuilder field = null;
        for (String line : text.split("\n", -1)) {
            boolean fold = !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
            if (fold && field != null && !line.isBlank()) {
                field.append("\r\n").append(line);
                continue;
            }
            if (field != null && !write(field.toString(), out)) {
                return null;
            }
            field = null;
            if (line.isBlank()) {
                out.append("\r\n");
            } else if (fold) {
                return null;
            } else {
                field = new StringBuilder(line);
            }
        }
        if (field != null && !write(field.toString(), out)) {
            return null;
        }
        // every piece of the split ended in CRLF here; the last one ends the body without a line break of its own
        // (after a final line break the split gives an empty last piece)
        if (out.length() >= 2) {
            out.setLength(out.length() - 2);
        }
        return out.toString();
    }

    private static boolean write(String field, StringBuilder out) {
        try {
            out.append(HeaderForm.canonical(field)).append("\r\n");
            return true;
        } catch (MessagingException e) {
            return false;
        }
    }
}
