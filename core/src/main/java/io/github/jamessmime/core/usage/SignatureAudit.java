package io.github.jamessmime.core.usage;

import io.github.jamessmime.core.store.SigningIdentity;
import java.time.Clock;
import java.util.function.Consumer;

import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/** One line per signature, for the operator's log shipping; no secret in it. */
public final class SignatureAudit {
    /** The logger the lines go to. */
    public static final String LOGGER_NAME = "io.github.jamessmime.audit";
    private static final Logger AUDIT = LoggerFactory.getLogger(LOGGER_NAME);

    private final Clock clock;
    private final Consumer<String> sink;

    /** Lines on {@value #LOGGER_NAME} at INFO. */
    public SignatureAudit(Clock clock) {
        this(clock, AUDIT::info);
    }

    public SignatureAudit(Clock clock, Consumer<String> sink) {
        this.clock = clock;
        this.sink = sink;
    }

    /** Records the signature of {@code message} (the original) as {@code sender}. */
    public void signed(MimeMessage message, String sender, SigningIdentity identity, String digest) {
        sink.accept(line(message, sender, identity, digest));
    }

    /**
     * {@code smime-signature time=... messageId="..." sender=... certificateSha256=... serial=... digest=...}; values
     * that could hold spaces are quoted.
     */
    private String line(MimeMessage message, String sender, SigningIdentity identity, String digest) {
        String messageId;
        try {
            messageId = message.getMessageID();
        } catch (MessagingException e) {
            messageId = null;
        }
        return "smime-signature time=" + clock.instant()
            + " messageId=\"" + (messageId == null ? "" : messageId.replace("\"", "'").replaceAll("[\\r\\n]", "")) + "\""
            + " sender=" + sender
            + " certificateSha256=" + identity.fingerprint()
            + " serial=" + identity.certificate().getSerialNumber().toString(16)
            + " digest=" + digest;
    }
}
