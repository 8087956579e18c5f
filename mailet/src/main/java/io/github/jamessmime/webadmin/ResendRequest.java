package io.github.jamessmime.webadmin;

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of {@code POST /smime/resend}:
 * {@code {"repository":"var/mail/relay-archive","key":"KEY","recipients":["a@x.example"],"processor":"sign"}}
 * (processor optional).
 */
public final class ResendRequest {
    private final String repository;
    private final String key;
    private final List<String> recipients;
    private final Optional<String> processor;

    @JsonCreator
    public ResendRequest(@JsonProperty("repository") String repository, @JsonProperty("key") String key,
                  @JsonProperty("recipients") List<String> recipients, @JsonProperty("processor") String processor) {
        this.repository = repository;
        this.key = key;
        this.recipients = recipients == null ? List.of() : List.copyOf(recipients);
        this.processor = Optional.ofNullable(processor).filter(p -> !p.isBlank());
    }

    String repository() {
        return repository;
    }

    String key() {
        return key;
    }

    List<String> recipients() {
        return recipients;
    }

    Optional<String> processor() {
        return processor;
    }
}
