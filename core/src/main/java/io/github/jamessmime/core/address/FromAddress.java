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

import java.util.Optional;

import javax.mail.MessagingException;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;

/** The signing identity of a message: the address of its From header. */
public final class FromAddress {
    private FromAddress() {
    }

    /**
     * The normalised address of the From header when there is exactly one header with exactly one address (no group).
     *
     * @throws javax.mail.internet.AddressException when the header does not parse as an address list
     */
    public static Optional<String> single(MimeMessage message) throws MessagingException {
        String[] headers = message.getHeader("From");
        if (headers == null || headers.length != 1) {
            return Optional.empty();
        }
        InternetAddress[] addresses = InternetAddress.parseHeader(headers[0], false);
        if (addresses.length != 1 || addresses[0].isGroup()) {
            return Optional.empty();
        }
        return Addresses.normalize(addresses[0].getAddress());
    }
}
