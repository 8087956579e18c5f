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
