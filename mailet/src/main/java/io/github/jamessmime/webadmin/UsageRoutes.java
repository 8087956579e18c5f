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

import java.io.IOException;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.Map;

import javax.inject.Inject;

import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.JsonTransformer;
import spark.Request;
import spark.Response;
import spark.Service;

import io.github.jamessmime.core.SmimeSigningService;

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
    private final JsonTransformer jsonTransformer;

    @Inject
    public UsageRoutes(SmimeSigningService service, JsonTransformer jsonTransformer) {
        this.service = service;
        this.jsonTransformer = jsonTransformer;
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    @Override
    public void define(Service spark) {
        spark.get(BASE_PATH, this::usage, jsonTransformer);
    }

    private UsageDto usage(Request request, Response response) {
        YearMonth month;
        String value = request.queryParams("month");
        try {
            month = value == null || value.isBlank() ? service.currentMonth() : YearMonth.parse(value);
        } catch (DateTimeParseException e) {
            throw WebAdminErrors.badRequest("'month' " + value + " is not a month such as 2026-11");
        }
        Map<String, Long> usage;
        try {
            usage = service.usage(month);
        } catch (IOException e) {
            throw WebAdminErrors.serverError(e.getMessage());
        }
        response.type("application/json");
        return new UsageDto(month, usage);
    }
}
