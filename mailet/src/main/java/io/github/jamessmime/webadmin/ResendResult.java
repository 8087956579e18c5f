package io.github.jamessmime.webadmin;

import java.util.List;

/** The answer of {@code POST /smime/resend} (serialised by James's JsonTransformer). */
public final class ResendResult {
    private final String repository;
    private final String key;
    private final String processor;
    private final List<String> recipients;

    ResendResult(String repository, String key, String processor, List<String> recipients) {
        this.repository = repository;
        this.key = key;
        this.processor = processor;
        this.recipients = List.copyOf(recipients);
    }

    public String getRepository() {
        return repository;
    }

    public String getKey() {
        return key;
    }

    public String getProcessor() {
        return processor;
    }

    public List<String> getRecipients() {
        return recipients;
    }
}
