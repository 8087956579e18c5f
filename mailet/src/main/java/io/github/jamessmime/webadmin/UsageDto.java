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
