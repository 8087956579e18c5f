package io.github.jamessmime.core.signing;

/** A message could not be signed; the message says why. */
public class SigningException extends Exception {
    public SigningException(String message) {
        super(message);
    }

    public SigningException(String message, Throwable cause) {
        super(message, cause);
    }
}
