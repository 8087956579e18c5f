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
import java.util.Date;
import java.util.Properties;
import java.util.UUID;

import javax.mail.Message;
import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.Transport;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;

/** A text mail with a fixed, unique Message-ID, submitted to James with javax.mail. */
final class TestMessage {

    private final String from;
    private final String to;
    private final String subject;
    private final String body;
    private final String messageId;

    private TestMessage(String from, String to, String subject, String body) {
        this.from = from;
        this.to = to;
        this.subject = subject;
        this.body = body;
        this.messageId = "<" + UUID.randomUUID() + "@it.james-smime.test>";
    }

    /** A UTF-8 text/plain mail; the body has non-ASCII characters, so javax.mail sends it quoted-printable. */
    static TestMessage text(String from, String to, String subject) {
        String body = "Hello,\r\n"
            + "\r\n"
            + "your invoice " + UUID.randomUUID() + " is attached. Grüße aus Köln – €42.\r\n"
            + "From here on this line starts with \"From \" and the next one with a dot:\r\n"
            + ".\r\n"
            + "-- \r\n"
            + from + "\r\n";
        return new TestMessage(from, to, subject, body);
    }

    String from() {
        return from;
    }

    String to() {
        return to;
    }

    String subject() {
        return subject;
    }

    String body() {
        return body;
    }

    String messageId() {
        return messageId;
    }

    /**
     * Sends {@code rawMessage} byte for byte (no javax.mail rewriting), with SMTP AUTH as {@code user} and MAIL FROM
     * {@code user}: for messages javax.mail would not build, such as malformed MIME.
     */
    static void sendRawAuthenticated(String host, int port, String user, String password, String recipient, byte[] rawMessage)
        throws MessagingException {
        Session session = Session.getInstance(smtpProperties(host, port, user, true));
        MimeMessage message = new MimeMessage(session, new ByteArrayInputStream(rawMessage));
        try (Transport transport = session.getTransport("smtp")) {
            transport.connect(host, port, user, password);
            transport.sendMessage(message, new InternetAddress[] {new InternetAddress(recipient)});
        }
    }

    /** Plain SMTP, no authentication; MAIL FROM is the From address. */
    void sendWithoutAuthentication(String host, int port) throws MessagingException {
        send(host, port, null, null, from);
    }

    /** SMTP AUTH (PLAIN/LOGIN, no TLS) as {@code user}; MAIL FROM is the authenticated user. */
    void sendAuthenticated(String host, int port, String user, String password) throws MessagingException {
        send(host, port, user, password, user);
    }

    private static Properties smtpProperties(String host, int port, String envelopeFrom, boolean authenticate) {
        Properties properties = new Properties();
        properties.put("mail.smtp.host", host);
        properties.put("mail.smtp.port", Integer.toString(port));
        properties.put("mail.smtp.from", envelopeFrom);
        properties.put("mail.smtp.localhost", "client.it.james-smime.test");
        properties.put("mail.smtp.connectiontimeout", "10000");
        properties.put("mail.smtp.timeout", "30000");
        properties.put("mail.smtp.auth", Boolean.toString(authenticate));
        properties.put("mail.smtp.starttls.enable", "false");
        return properties;
    }

    private void send(String host, int port, String user, String password, String envelopeFrom) throws MessagingException {
        Session session = Session.getInstance(smtpProperties(host, port, envelopeFrom, user != null));

        MimeMessage message = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", messageId);
            }
        };
        message.setFrom(new InternetAddress(from));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        message.setSubject(subject, "UTF-8");
        message.setSentDate(new Date());
        message.setText(body, "UTF-8");
        message.saveChanges();

        try (Transport transport = session.getTransport("smtp")) {
            if (user != null) {
                transport.connect(host, port, user, password);
            } else {
                transport.connect();
            }
            transport.sendMessage(message, message.getAllRecipients());
        }
    }
}
