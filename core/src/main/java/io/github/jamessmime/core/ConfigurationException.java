package io.github.jamessmime.core;

/** The S/MIME configuration is wrong; the message names the key and the fix. */
public class ConfigurationException extends Exception {
    public ConfigurationException(String message) {
        super(message);
    }

    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
