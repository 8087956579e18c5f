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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import javax.mail.MessagingException;
import javax.mail.internet.ContentDisposition;
import javax.mail.internet.ContentType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Part header lines in the relay-proof form: folded at white space outside quoted strings to at most 76 octets,
 * long parameters split into RFC 2231 continuations, what cannot fold kept. {@code |} stands for CRLF.
 */
class HeaderFormTest {
    static String lines(String spec) {
        return spec.replace("|", "\r\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " => ", value = {
        // a line of at most 76 stays as it is
        "Content-Type: text/plain; charset=us-ascii => Content-Type: text/plain; charset=us-ascii",
        "Content-Description: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkkk => "
            + "Content-Description: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkkk",
        // longer: folded at the last white space that keeps the line within 76
        "Content-Description: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo => "
            + "Content-Description: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk| llll mmmm nnnn oooo",
        // not inside a quoted string; right after the colon when nothing later fits
        "Content-Description: \"aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn\" x => "
            + "Content-Description:| \"aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn\" x",
        // nothing to fold at and no encoding the field allows: the value alone on the next line, kept
        "Content-ID: <aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@shop.example> => "
            + "Content-ID:| <aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@shop.example>",
        // trailing white space and a break without white space repaired
        "Content-Type: text/plain; |charset=utf-8 => Content-Type: text/plain;| charset=utf-8",
    })
    void lineShouldBeFoldedToSeventySixWhereItCan(String line, String expected) throws Exception {
        String canonical = HeaderForm.canonical(lines(line));

        assertThat(canonical).isEqualTo(lines(expected));
    }

    @Test
    void longFilenameShouldBeSplitIntoRfc2231ContinuationsThatReadAsTheSameName() throws Exception {
        String name = "Rechnung_2026-12-06_Kunde_123456789_Bestellung_987654321_Lieferschein.pdf";

        String canonical = HeaderForm.canonical("Content-Disposition: attachment; filename=\"" + name + "\"");

        assertThat(canonical.split("\r\n")).allSatisfy(physical -> assertThat(physical.length()).isLessThanOrEqualTo(76));
        assertThat(canonical).contains("filename*0=").contains("filename*1=");
        String value = canonical.substring(canonical.indexOf(':') + 1).replace("\r\n", "");
        assertThat(new ContentDisposition(value).getParameter("filename")).isEqualTo(name);
    }

    @Test
    void longEightBitFilenameShouldBeSplitIntoEncodedContinuationsOfAtMostSeventySix() throws Exception {
        String name = "Rechnung f\u00fcr M\u00fcller GmbH \u2013 Dezember 2026 \u2013 Kundennummer 1234567 \u304b\u304d\u304f.pdf";
        byte[] utf8 = ("Content-Disposition: attachment; filename=\"" + name + "\"").getBytes(StandardCharsets.UTF_8);

        String canonical = HeaderForm.canonical(new String(utf8, StandardCharsets.ISO_8859_1));

        assertThat(canonical.split("\r\n")).allSatisfy(physical -> assertThat(physical.length()).isLessThanOrEqualTo(76));
        assertThat(canonical).contains("filename*0*=utf-8''Rechnung%20f%C3%BCr").contains("filename*1*=");
        String value = canonical.substring(canonical.indexOf(':') + 1).replace("\r\n", "");
        assertThat(new ContentDisposition(value).getParameter("filename")).isEqualTo(name);
    }

    @Test
    void multipartBoundaryShouldNeverBeSplit() throws Exception {
        String boundary = "=_" + "b".repeat(66);
        String line = "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"";

        String canonical = HeaderForm.canonical(line);

        String value = canonical.substring(canonical.indexOf(':') + 1).replace("\r\n", "");
        assertThat(new ContentType(value).getParameter("boundary")).isEqualTo(boundary);
        assertThat(canonical).doesNotContain("boundary*");
    }

    @Test
    void outerHeaderRepairShouldKeepLinesUpTo998() throws Exception {
        String subject = "Subject: " + "word ".repeat(30).trim();

        assertThat(HeaderForm.repaired(subject)).isEqualTo(subject);
        assertThatThrownBy(() -> HeaderForm.repaired("X-Long: " + "x".repeat(1000))).isInstanceOf(MessagingException.class)
            .hasMessageContaining("998");
    }
}
