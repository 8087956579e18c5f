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
