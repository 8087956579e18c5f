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
    void reasonsShouldNameTheProblem() {
        assertThatThrownBy(() -> Addresses.key("p\u0430ypal@shop.example")).hasMessageContaining("mixes the scripts Latin and Cyrillic");
        assertThatThrownBy(() -> Addresses.key("bill\u200bing@shop.example")).hasMessageContaining("U+200B (ZERO WIDTH SPACE)")
            .hasMessageContaining("bill\\u200bing");
        assertThatThrownBy(() -> Addresses.key("billing@straße.example")).hasMessageContaining("U+00DF");
        assertThatThrownBy(() -> Addresses.key("jo\u0308rg@shop.example")).hasMessageContaining("normalisation form C");
        assertThatThrownBy(() -> Addresses.key("billing@xn--abc-.example")).hasMessageContaining("starts or ends with a hyphen");
        assertThatThrownBy(() -> Addresses.key("billing@xn--mller-kvb.example")).hasMessageContaining("not a valid A-label");
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
