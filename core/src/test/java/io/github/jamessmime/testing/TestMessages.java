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
package io.github.jamessmime.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Raw messages of every shape the signer must handle, as they arrive over SMTP (CRLF, except where a
 * shape is about line endings). Deterministic: the same bytes on every run. Dated two minutes before the
 * tests' signing time 2026-06-01T10:00:00Z, as a message signed on its way out is.
 */
public final class TestMessages {
    private TestMessages() {
    }

    public static String headers(String from, String subject) {
        return "Return-Path: <" + from + ">\r\n"
            + "Received: from app.shop.example (app.shop.example [192.0.2.10])\r\n\tby mx.shop.example; Mon, 30 Nov 2026 06:00:00 +0000\r\n"
            + "From: Shop Billing <" + from + ">\r\n"
            + "To: Customer <customer@client.example>\r\n"
            + "Cc: archive@client.example\r\n"
            + "Subject: " + subject + "\r\n"
            + "Date: Mon, 1 Jun 2026 09:58:00 +0000\r\n"
            + "Message-ID: <" + subject.replaceAll("[^A-Za-z0-9]", "") + ".42@shop.example>\r\n"
            + "X-Order-Id: 4711\r\n"
            + "MIME-Version: 1.0\r\n";
    }

    public static byte[] plain7bit(String from) {
        return ascii(headers(from, "Invoice 4711")
            + "Content-Type: text/plain; charset=us-ascii\r\n"
            + "Content-Transfer-Encoding: 7bit\r\n\r\n"
            + "Dear customer,\r\n\r\nplease find your invoice below.\r\nTotal: 42.00 EUR\r\n");
    }

    public static byte[] utf8EightBit(String from) {
        return concat(ascii(headers(from, "Bestellbestaetigung")
                + "Content-Type: text/plain; charset=UTF-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\n"),
            "Grüße aus Köln – Ihre Bestellung ist unterwegs. 😀\r\nZweite Zeile mit Umlauten: äöüß\r\n".getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] withAttachment(String from) {
        return ascii(headers(from, "Invoice with PDF")
            + "Content-Type: multipart/mixed; boundary=\"outer-1\"\r\n\r\n"
            + "This is a multi-part message in MIME format.\r\n"
            + "--outer-1\r\n"
            + "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
            + "Your invoice is attached.\r\n"
            + "--outer-1\r\n"
            + "Content-Type: application/pdf; name=\"invoice-4711.pdf\"\r\n"
            + "Content-Transfer-Encoding: base64\r\n"
            + "Content-Disposition: attachment; filename=\"invoice-4711.pdf\"\r\n\r\n"
            + base64Lines(randomBytes(30_000, 1)) + "\r\n"
            + "--outer-1--\r\n");
    }

    public static byte[] alternativeWithInlineImage(String from) {
        return ascii(headers(from, "Your parcel")
            + "Content-Type: multipart/related; type=\"multipart/alternative\"; boundary=\"rel-1\"\r\n\r\n"
            + "--rel-1\r\n"
            + "Content-Type: multipart/alternative; boundary=\"alt-1\"\r\n\r\n"
            + "--alt-1\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            + "Your parcel is on its way =E2=80=93 track it online.\r\n"
            + "--alt-1\r\n"
            + "Content-Type: text/html; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            + "<html><body><p>Your parcel is on its way</p><img src=3D\"cid:logo@shop.example\"></body></html>\r\n"
            + "--alt-1--\r\n"
            + "--rel-1\r\n"
            + "Content-Type: image/png\r\n"
            + "Content-Transfer-Encoding: base64\r\n"
            + "Content-ID: <logo@shop.example>\r\n"
            + "Content-Disposition: inline; filename=\"logo.png\"\r\n\r\n"
            + base64Lines(randomBytes(5_000, 2)) + "\r\n"
            + "--rel-1--\r\n");
    }

    public static byte[] nestedMultipart(String from) {
        return concat(ascii(headers(from, "Nested order documents")
                + "Content-Type: multipart/mixed; boundary=\"n-outer\"\r\n\r\n"
                + "--n-outer\r\n"
                + "Content-Type: multipart/alternative; boundary=\"n-alt\"\r\n\r\n"
                + "--n-alt\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\n"),
            "Bestellung für Jürgen\r\n".getBytes(StandardCharsets.UTF_8),
            ascii("--n-alt\r\n"
                + "Content-Type: text/html; charset=utf-8\r\n\r\n"
                + "<p>Order</p>\r\n"
                + "--n-alt--\r\n"
                + "--n-outer\r\n"
                + "Content-Type: multipart/mixed; boundary=\"n-inner\"\r\n\r\n"
                + "--n-inner\r\n"
                + "Content-Type: text/csv; name=\"lines.csv\"\r\n"
                + "Content-Disposition: attachment; filename=\"lines.csv\"\r\n\r\n"
                + "sku;qty\r\nA-1;2\r\n"
                + "--n-inner--\r\n"
                + "--n-outer\r\n"
                + "Content-Type: message/rfc822\r\n"
                + "Content-Disposition: attachment\r\n\r\n"
                + "From: supplier@vendor.example\r\n"
                + "Subject: forwarded\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\n"),
            "Lieferschein für Bestellung\r\n".getBytes(StandardCharsets.UTF_8),
            ascii("--n-outer--\r\n"));
    }

    public static byte[] longLines(String from) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < 2500; i++) {
            line.append((char) ('a' + i % 26));
        }
        return ascii(headers(from, "Long line report")
            + "Content-Type: text/plain; charset=us-ascii\r\n"
            + "Content-Transfer-Encoding: 7bit\r\n\r\n"
            + "Header line\r\n" + line + "\r\nlast line\r\n");
    }

    public static byte[] fromLines(String from) {
        return ascii(headers(from, "From lines")
            + "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
            + "Hello,\r\nFrom now on your orders ship faster.\r\nFrom: not a header\r\ntrailing space here \r\n"
            + "tab at end\t\r\n.\r\n.. dot line\r\n");
    }

    public static byte[] binaryPart(String from) {
        byte[] binary = new byte[4096];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        return concat(ascii(headers(from, "Binary data")
                + "Content-Type: multipart/mixed; boundary=\"bin-1\"\r\n\r\n"
                + "--bin-1\r\n"
                + "Content-Type: text/plain\r\n\r\n"
                + "Raw data attached.\r\n"
                + "--bin-1\r\n"
                + "Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
                + "Content-Transfer-Encoding: binary\r\n"
                + "Content-Disposition: attachment; filename=\"data.bin\"\r\n\r\n"),
            binary,
            ascii("\r\n--bin-1--\r\n"));
    }

    /** A message written with bare LF line endings, as some applications hand it to sendmail. */
    public static byte[] bareLineFeeds(String from) {
        return ascii((headers(from, "LF only")
            + "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
            + "line one\r\nline two\r\n").replace("\r\n", "\n"));
    }

    /** All shapes by name, for parameterised tests. */
    public static Map<String, byte[]> all(String from) {
        Map<String, byte[]> all = new LinkedHashMap<>();
        all.put("plain 7bit", plain7bit(from));
        all.put("8bit UTF-8", utf8EightBit(from));
        all.put("attachment", withAttachment(from));
        all.put("alternative with inline image", alternativeWithInlineImage(from));
        all.put("nested multipart with message/rfc822", nestedMultipart(from));
        all.put("long lines", longLines(from));
        all.put("From lines and trailing white space", fromLines(from));
        all.put("binary part", binaryPart(from));
        all.put("bare LF line endings", bareLineFeeds(from));
        return all;
    }

    public static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Base64 as the encoders of javax.mail (closed), Python and PHPMailer write it: lines of 76, each ending in CRLF. */
    public static String base64Lines(byte[] bytes) {
        return bytes.length == 0 ? "" : Base64.getMimeEncoder().encodeToString(bytes) + "\r\n";
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
