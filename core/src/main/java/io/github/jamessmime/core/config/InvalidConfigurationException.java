package io.github.jamessmime.core.config;

/** The S/MIME configuration is wrong; the message names the key and the fix. */
public class InvalidConfigurationException extends Exception {
    public InvalidConfigurationException(String message) {
        super(message);
    }

    public InvalidConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
