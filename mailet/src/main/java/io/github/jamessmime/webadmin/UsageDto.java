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

import java.time.YearMonth;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** The answer of {@code GET /smime/usage}: the signatures of one month, per sender address, over every node. */
@JsonPropertyOrder({"month", "signatures", "activeSenders", "usage"})
public final class UsageDto {
    private final YearMonth month;
    private final Map<String, Long> usage;

    UsageDto(YearMonth month, Map<String, Long> usage) {
        this.month = month;
        this.usage = new TreeMap<>(usage);
    }

    public String getMonth() {
        return month.toString();
    }

    public long getSignatures() {
        return usage.values().stream().mapToLong(Long::longValue).sum();
    }

    public int getActiveSenders() {
        return usage.size();
    }

    public Map<String, Long> getUsage() {
        return usage;
    }
}
