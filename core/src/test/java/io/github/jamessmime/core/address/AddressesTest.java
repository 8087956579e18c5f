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
package io.github.jamessmime.core.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressesTest {
    @Test
    void keyShouldLowerTheDomainAndKeepTheLocalPart() throws Exception {
        assertThat(Addresses.key(" Billing@Shop.EXAMPLE ")).isEqualTo("Billing@shop.example");
    }

    @Test
    void uLabelAndALabelDomainsShouldHaveOneKey() throws Exception {
        assertThat(Addresses.key("billing@müller.example")).isEqualTo("billing@xn--mller-kva.example");
        assertThat(Addresses.key("billing@XN--MLLER-KVA.example")).isEqualTo("billing@xn--mller-kva.example");
        assertThat(Addresses.key("billing@Müller.Example")).isEqualTo("billing@xn--mller-kva.example");
        assertThat(Addresses.key("billing@bücher.müller.example")).isEqualTo("billing@xn--bcher-kva.xn--mller-kva.example");
    }

    @Test
    void nonAsciiLocalPartShouldBeKeptExactly() throws Exception {
        assertThat(Addresses.key("jörg@müller.example")).isEqualTo("jörg@xn--mller-kva.example");
        assertThat(Addresses.key("Jörg@shop.example")).isEqualTo("Jörg@shop.example");
        assertThat(Addresses.key("山田@shop.example")).isEqualTo("山田@shop.example");
        assertThat(Addresses.key("yamada山田@shop.example")).isEqualTo("yamada山田@shop.example");
        assertThat(Addresses.hasUnicodeLocalPart("jörg@shop.example")).isTrue();
        assertThat(Addresses.hasUnicodeLocalPart("billing@xn--mller-kva.example")).isFalse();
    }

    @Test
    void aKeyShouldBeItsOwnKey() throws Exception {
        for (String address : List.of("jörg@müller.example", "Billing@SHOP.example", "山田@例え.テスト", "billing@xn--mller-kva.example",
            "user@xn--fsqu00a.xn--zckzah")) {
            String key = Addresses.key(address);
            assertThat(Addresses.key(key)).as(address).isEqualTo(key);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // a decomposed ö (o and U+0308): not NFC, it would show as jörg
        "jo\u0308rg@shop.example",
        "billing@mu\u0308ller.example",
        // Cyrillic а and о among Latin letters
        "p\u0430ypal@shop.example",
        "billing@sh\u043ep.example",
        // IDNA2003 and IDNA2008 disagree on ß and ς
        "billing@straße.example",
        "billing@\u03b1\u03c2.example",
        // what IDNA would map: full-width letters and dot, upper case beyond ASCII, a soft hyphen, a zero-width joiner
        "billing@\uff53\uff48\uff4f\uff50.example",
        "billing@shop\uff0eexample",
        "billing@MÜLLER.example",
        "billing@sh\u00adop.example",
        "billing@sh\u200dop.example",
        // invisible and directional characters in a local part
        "bill\u200bing@shop.example",
        "\u202egnillib@shop.example",
        "bill\u00a0ing@shop.example",
        "j\u00f6rg\u0007@shop.example",
        // symbols and look-alikes of the address syntax
        "billing\uff20shop.example@evil.example",
        "j\u00f6rg\u2024x@shop.example",
        "\u2665@shop.example",
        "billing@\u2665.example",
        // an encoded word as the local part, in either form
        "=?utf-8?q?j=C3=B6rg?=@shop.example",
        "=?utf-8?b?YmlsbGluZw==?=@shop.example",
        // A-labels that are not: not decoding to Unicode, not the canonical encoding, reserved hyphens, upper-case-only
        "billing@xn--abc-.example",
        "billing@xn--.example",
        "billing@ab--cd.example",
        "billing@xn--ls8h.example",
        "billing@xn--mller-kvb.example",
        // bidi rule: a right-to-left label ending in a left-to-right letter
        "billing@\u05d0\u05d1a.example",
        // a combining mark first
        "\u0301jorg@shop.example",
        "billing@\u0301shop.example",
        // invisible or stand-in characters that pass a category check: a variation selector, the combining grapheme
        // joiner, Hangul fillers, a math bold letter, full-width and ligature letters, old Hangul jamo, a combining
        // mark for symbols, control characters that String.trim would have taken away
        "alice\ufe00@shop.example",
        "ali\u034fce@shop.example",
        "ali\u115fce@shop.example",
        "\u3164alice@shop.example",
        "\ud835\udc1alice@shop.example",
        "\uff41lice@shop.example",
        "\ufb01le@shop.example",
        "alice@pay\u115fpal.example",
        "alice@pay\u20e5pal.example",
        "alice@\u1100.example",
        "alice@x\u17b4.example",
        "\u0001alice@shop.example",
        "ali\u007fce@shop.example",
        // a character added to Unicode after 3.2, which java.net.IDN does not know
        "alice@\u0430\u0440\u0440\u04cf\u0435.example",
        // not one address
        "billing@@shop.example",
        "billing@shop..example",
        "billing@"
    })
    void lookAlikesAndMappedFormsShouldHaveNoKey(String address) {
        assertThatThrownBy(() -> Addresses.key(address)).isInstanceOf(InvalidAddressException.class);
        assertThat(Addresses.normalize(address)).isEmpty();
    }

    @Test
    void aLocalPartShouldKeepItsCaseAsAnAddressOfItsOwn() throws Exception {
        assertThat(Addresses.key("JÖRG@shop.example")).isEqualTo("JÖRG@shop.example").isNotEqualTo(Addresses.key("jörg@shop.example"));
    }

    @Test
    void everyKeyShouldBeItsOwnKeyAndAgreeWithTheCertificateForms() {
        // a seeded walk through the scripts and traps of these rules: whatever gets a key keeps it, in any form
        int[][] ranges = {{0x20, 0x7e}, {0xa0, 0x24f}, {0x300, 0x36f}, {0x370, 0x3ff}, {0x400, 0x4ff}, {0x590, 0x6ff}, {0x900, 0x97f},
            {0x1100, 0x11ff}, {0x200b, 0x206f}, {0x3040, 0x30ff}, {0x4e00, 0x4e80}, {0xac00, 0xac80}, {0xfe00, 0xfe0f}, {0xff00, 0xff60}};
        java.util.Random random = new java.util.Random(20261207);
        int keys = 0;
        for (int i = 0; i < 50_000; i++) {
            StringBuilder address = new StringBuilder();
            int[] range = ranges[random.nextInt(ranges.length)];
            for (int n = 1 + random.nextInt(6); n > 0; n--) {
                address.appendCodePoint(random.nextInt(4) == 0 ? 'a' + random.nextInt(26) : range[0] + random.nextInt(range[1] - range[0] + 1));
            }
            address.append('@');
            range = ranges[random.nextInt(ranges.length)];
            for (int n = 1 + random.nextInt(6); n > 0; n--) {
                address.appendCodePoint(random.nextInt(3) == 0 ? 'a' + random.nextInt(26) : range[0] + random.nextInt(range[1] - range[0] + 1));
            }
            address.append(random.nextBoolean() ? ".example" : "");
            java.util.Optional<String> key = Addresses.normalize(address.toString());
            if (key.isPresent()) {
                keys++;
                assertThat(Addresses.normalize(key.get())).as(address.toString()).contains(key.get());
                String domain = Addresses.domainOf(key.get());
                assertThat(Addresses.normalize(key.get().substring(0, key.get().lastIndexOf('@') + 1) + DomainNames.unicode(domain)))
                    .as("the U-label form of " + key.get()).contains(key.get());
            }
        }
        assertThat(keys).as("inputs that got a key").isGreaterThan(1_000);
    }

    @Test
    void reasonsShouldNameTheProblem() {
        assertThatThrownBy(() -> Addresses.key("p\u0430ypal@shop.example")).hasMessageContaining("mixes the scripts Latin and Cyrillic");
        assertThatThrownBy(() -> Addresses.key("bill\u200bing@shop.example")).hasMessageContaining("U+200B (ZERO WIDTH SPACE)")
            .hasMessageContaining("bill\\u200bing");
        assertThatThrownBy(() -> Addresses.key("billing@straße.example")).hasMessageContaining("U+00DF");
        assertThatThrownBy(() -> Addresses.key("jo\u0308rg@shop.example")).hasMessageContaining("normalisation form C");
        assertThatThrownBy(() -> Addresses.key("billing@xn--abc-.example")).hasMessageContaining("starts or ends with a hyphen");
        assertThatThrownBy(() -> Addresses.key("billing@xn--mller-kvb.example")).hasMessageContaining("not a valid A-label");
        assertThatThrownBy(() -> Addresses.key("\uff41lice@shop.example")).hasMessageContaining("normalisation form KC");
        assertThatThrownBy(() -> Addresses.key("alice@\u0430\u0440\u0440\u04cf\u0435.example"))
            .hasMessageContaining("a character added to Unicode since is not supported");
    }

    @Test
    void rightToLeftDomainsShouldFollowTheBidiRule() throws Exception {
        assertThat(Addresses.key("billing@\u05d0\u05d1.example")).isEqualTo("billing@xn--4dbc.example");
        assertThat(Addresses.key("billing@" + Addresses.key("billing@\u05d0\u05d1.example").substring(8))).isEqualTo("billing@xn--4dbc.example");
        // a label of a right-to-left domain must start with a letter of either direction
        assertThatThrownBy(() -> Addresses.key("billing@\u05d0\u05d1.1shop.example")).hasMessageContaining("RFC 5893");
    }

    @Test
    void mailboxShouldTakeOnlyAsciiAsAnRfc822NameHoldsIt() throws Exception {
        assertThat(Addresses.mailboxKey("billing@XN--MLLER-KVA.example")).isEqualTo("billing@xn--mller-kva.example");
        assertThatThrownBy(() -> Addresses.mailboxKey("billing@müller.example")).hasMessageContaining("is not ASCII");
        assertThatThrownBy(() -> Addresses.mailboxKey("jörg@shop.example")).hasMessageContaining("SmtpUTF8Mailbox");
        assertThatThrownBy(() -> Addresses.mailboxKey("../etc/passwd@shop.example")).isInstanceOf(InvalidAddressException.class);
        assertThatThrownBy(() -> Addresses.mailboxKey("\"john doe\"@shop.example")).isInstanceOf(InvalidAddressException.class);
    }

    @Test
    void smtpUtf8MailboxShouldTakeANonAsciiLocalPartWithEitherDomainForm() throws Exception {
        assertThat(Addresses.smtpUtf8MailboxKey("jörg@müller.example")).isEqualTo("jörg@xn--mller-kva.example");
        assertThat(Addresses.smtpUtf8MailboxKey("jörg@xn--mller-kva.example")).isEqualTo("jörg@xn--mller-kva.example");
        assertThatThrownBy(() -> Addresses.smtpUtf8MailboxKey("billing@müller.example")).hasMessageContaining("rfc822Name instead");
        assertThatThrownBy(() -> Addresses.smtpUtf8MailboxKey("j/örg@shop.example")).isInstanceOf(InvalidAddressException.class);
    }

    @Test
    void printableShouldShowLettersAndEscapeWhatDoesNotShow() {
        assertThat(Addresses.printable("jörg\u202e@x\n")).isEqualTo("jörg\\u202e@x\\u000a");
    }
}
