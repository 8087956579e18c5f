package io.github.jamessmime.core.store;

/** A certificate file or the store configuration cannot be used; the message names the thing and the fix. */
public class StoreException extends Exception {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
