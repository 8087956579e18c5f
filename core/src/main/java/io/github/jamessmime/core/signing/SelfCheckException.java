package io.github.jamessmime.core.signing;

/** A signed message failed the {@link SelfCheck}: it is not returned, so the mail is never sent with a broken signature. */
public final class SelfCheckException extends SigningException {
    private static final long serialVersionUID = 1L;

    public SelfCheckException(String message) {
        super(message);
    }
}
