package io.github.jamessmime.mailet;

import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.eclipse.jetty.http.HttpStatus;

import io.github.jamessmime.core.SmimeSigningService;
import spark.Request;
import spark.Response;
import spark.Service;

/**
 * {@code GET /smime/usage[?month=YYYY-MM]}: signatures per sender address in a calendar month (UTC, default the
 * current one), added up over every node sharing the store, and the number of distinct active sender addresses.
 * <pre>
 * {"month":"2026-11","signatures":42,"activeSenders":2,"usage":{"billing@shop.example":40,"parcels@shop.example":2}}
 * </pre>
 */
public class UsageRoutes implements Routes {
    public static final String BASE_PATH = "/smime/usage";

    private final SmimeSigningService service;

    @Inject
    public UsageRoutes(SmimeSigningService service) {
        this.service = service;
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    @Override
    public void define(Service spark) {
        spark.get(BASE_PATH, this::usage);
    }

    private String usage(Request request, Response response) {
        YearMonth month;
        String value = request.queryParams("month");
        try {
            month = value == null || value.isBlank() ? YearMonth.now(ZoneOffset.UTC) : YearMonth.parse(value);
        } catch (DateTimeParseException e) {
            throw ErrorResponder.builder()
                .statusCode(HttpStatus.BAD_REQUEST_400)
                .type(ErrorResponder.ErrorType.INVALID_ARGUMENT)
                .message("'month' " + value + " is not a month such as 2026-11")
                .haltError();
        }
        Map<String, Long> usage = service.usage(month);
        long signatures = usage.values().stream().mapToLong(Long::longValue).sum();
        response.type("application/json");
        return "{\"month\":\"" + month + "\",\"signatures\":" + signatures + ",\"activeSenders\":" + usage.size()
            + ",\"usage\":{" + usage.entrySet().stream()
            .map(entry -> Json.string(entry.getKey()) + ":" + entry.getValue())
            .collect(Collectors.joining(",")) + "}}";
    }
}
