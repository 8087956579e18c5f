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
package io.github.jamessmime.it;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

/**
 * The SMTP server James relays to (RemoteDelivery gateway): GreenMail on a free loopback port (or on another address of
 * this host, for a James in a container), accepting any recipient, keeping every message as received.
 */
final class SmtpSink implements AutoCloseable {

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final GreenMail greenMail;
    private final String host;
    private final int port;

    private SmtpSink(GreenMail greenMail, String host, int port) {
        this.greenMail = greenMail;
        this.host = host;
        this.port = port;
    }

    static SmtpSink start() {
        int port = ItEnvironment.freePort();
        GreenMail greenMail = new GreenMail(new ServerSetup(port, ItEnvironment.LOOPBACK, ServerSetup.PROTOCOL_SMTP));
        greenMail.start();
        return new SmtpSink(greenMail, ItEnvironment.LOOPBACK, port);
    }

    /**
     * A sink on {@code address} (an address of this host other than loopback, for a James in a container), on a port
     * free there.
     */
    static SmtpSink startOn(String address) {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(address))) {
            port = socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on " + address, e);
        }
        GreenMail greenMail = new GreenMail(new ServerSetup(port, address, ServerSetup.PROTOCOL_SMTP));
        greenMail.start();
        return new SmtpSink(greenMail, address, port);
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    /** Everything received so far. */
    List<ReceivedMail> received() {
        List<ReceivedMail> mails = new ArrayList<>();
        for (MimeMessage message : greenMail.getReceivedMessages()) {
            mails.add(ReceivedMail.of(message));
        }
        return mails;
    }

    /** Waits for the message with this Message-ID (exactly one copy), or fails after {@code timeout}. */
    ReceivedMail awaitMessageId(String messageId, Duration timeout) {
        return await("Message-ID " + messageId, mail -> messageId.equals(mail.header("Message-ID")), timeout);
    }

    /** Waits until {@code count} copies with this Message-ID arrived; gives them in the order they arrived. */
    List<ReceivedMail> awaitCopies(String messageId, int count, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            List<ReceivedMail> copies = new ArrayList<>();
            for (ReceivedMail mail : received()) {
                if (messageId.equals(mail.header("Message-ID"))) {
                    copies.add(mail);
                }
            }
            if (copies.size() > count) {
                throw new AssertionError("The sink received " + copies.size() + " copies of " + messageId + ", expected " + count);
            }
            if (copies.size() == count) {
                return copies;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("The sink received " + copies.size() + " of " + count + " copies of " + messageId
                    + " within " + timeout.toSeconds() + " s: " + summaries());
            }
            JamesServerProcess.sleep(Duration.ofMillis(100));
        }
    }

    ReceivedMail await(String description, Predicate<ReceivedMail> wanted, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            List<ReceivedMail> matching = new ArrayList<>();
            for (ReceivedMail mail : received()) {
                if (wanted.test(mail)) {
                    matching.add(mail);
                }
            }
            if (matching.size() > 1) {
                throw new AssertionError("The sink received " + matching.size() + " messages with " + description);
            }
            if (matching.size() == 1) {
                return matching.get(0);
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("The sink on port " + port + " received no message with " + description + " within "
                    + timeout.toSeconds() + " s; it has " + received().size() + " message(s): " + summaries());
            }
            JamesServerProcess.sleep(Duration.ofMillis(100));
        }
    }

    private List<String> summaries() {
        List<String> summaries = new ArrayList<>();
        for (ReceivedMail mail : received()) {
            summaries.add(mail.header("Message-ID") + " " + mail.header("Subject"));
        }
        return summaries;
    }

    @Override
    public void close() {
        greenMail.stop();
    }

    /** A message as the sink received it: the raw bytes and a MimeMessage parsed from them. */
    static final class ReceivedMail {
        private final byte[] raw;
        private final MimeMessage message;

        private ReceivedMail(byte[] raw, MimeMessage message) {
            this.raw = raw;
            this.message = message;
        }

        static ReceivedMail of(MimeMessage stored) {
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                stored.writeTo(out);
                // GreenMail 1.6 treats the CRLF that ends the last line as part of the "<CRLF>.<CRLF>" terminator and
                // drops it; put it back so that raw() is what James sent.
                if (!endsWithCrLf(out.toByteArray())) {
                    out.write('\r');
                    out.write('\n');
                }
                byte[] raw = out.toByteArray();
                return new ReceivedMail(raw, parse(raw));
            } catch (IOException | MessagingException e) {
                throw new IllegalStateException("Cannot read a message of the sink", e);
            }
        }

        private static boolean endsWithCrLf(byte[] bytes) {
            return bytes.length >= 2 && bytes[bytes.length - 2] == '\r' && bytes[bytes.length - 1] == '\n';
        }

        static MimeMessage parse(byte[] raw) throws MessagingException {
            return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
        }

        byte[] raw() {
            return raw.clone();
        }

        MimeMessage message() {
            return message;
        }

        /** The first value of a header, unfolded, or null. */
        String header(String name) {
            try {
                String value = message.getHeader(name, null);
                return value == null ? null : value.replaceAll("\r?\n[ \t]+", " ").trim();
            } catch (MessagingException e) {
                throw new IllegalStateException(e);
            }
        }

        String contentType() {
            try {
                return message.getContentType();
            } catch (MessagingException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
