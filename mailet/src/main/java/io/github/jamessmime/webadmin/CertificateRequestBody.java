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

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of {@code POST /smime/requests}: {@code {"addresses":["billing@shop.example"],"keyType":"rsa-2048","replace":false}}
 * (keyType and replace optional), or {@code {"renew":true,"keyType":"rsa-2048"}}.
 */
public final class CertificateRequestBody {
    private final List<String> addresses;
    private final Optional<String> keyType;
    private final boolean replace;
    private final boolean renew;

    @JsonCreator
    public CertificateRequestBody(@JsonProperty("addresses") List<String> addresses, @JsonProperty("keyType") String keyType,
                                  @JsonProperty("replace") Boolean replace, @JsonProperty("renew") Boolean renew) {
        // List.copyOf refuses a null element; a null address is refused as not an address by the route
        this.addresses = addresses == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(addresses));
        this.keyType = Optional.ofNullable(keyType);
        this.replace = Boolean.TRUE.equals(replace);
        this.renew = Boolean.TRUE.equals(renew);
    }

    List<String> addresses() {
        return addresses;
    }

    Optional<String> keyType() {
        return keyType;
    }

    boolean replace() {
        return replace;
    }

    boolean renew() {
        return renew;
    }
}
