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

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anEmptyMap;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;

import javax.mail.internet.MimeMessage;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.apache.james.webadmin.WebAdminServer;
import org.apache.james.webadmin.WebAdminUtils;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.eclipse.jetty.http.HttpStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.TestServices;
import io.github.jamessmime.testing.Verifiers;

class UsageRoutesTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final String BILLING = "billing@shop.example";
    static final String PARCELS = "parcels@shop.example";

    @TempDir
    Path conf;
    SmimeSigningService service;
    WebAdminServer webAdminServer;
    RequestSpecification spec;

    @BeforeEach
    void setUp() throws Exception {
        service = TestServices.start(conf, TestPki.create(NOW), Clock.fixed(NOW, ZoneOffset.UTC), Map.of(), BILLING, PARCELS);
        webAdminServer = WebAdminUtils.createWebAdminServer(new UsageRoutes(service, new JsonTransformer())).start();
        spec = WebAdminUtils.buildRequestSpecification(webAdminServer).setBasePath(UsageRoutes.BASE_PATH).build();
    }

    @AfterEach
    void tearDown() {
        webAdminServer.destroy();
        service.close();
    }

    private void sign(String sender, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            MimeMessage message = Verifiers.parse(TestMessages.plain7bit(sender));
            service.sign(message, service.eligibility(message, Optional.of(sender), Optional.of("203.0.113.9")));
        }
    }

    @Test
    void usageShouldCountEverySignatureOfTheCurrentMonthBySender() throws Exception {
        sign(BILLING, 3);
        sign(PARCELS, 1);

        given().spec(spec).get()
        .then()
            .statusCode(HttpStatus.OK_200)
            .contentType(ContentType.JSON)
            .body("month", equalTo("2026-06"))
            .body("signatures", equalTo(4))
            .body("activeSenders", equalTo(2))
            .body("usage." + "'" + BILLING + "'", equalTo(3))
            .body("usage." + "'" + PARCELS + "'", equalTo(1));
    }

    @Test
    void usageOfAnotherMonthShouldNotCountThisMonthsSignatures() throws Exception {
        sign(BILLING, 2);

        given().spec(spec).queryParam("month", "2026-05").get()
        .then()
            .statusCode(HttpStatus.OK_200)
            .body("month", equalTo("2026-05"))
            .body("signatures", equalTo(0))
            .body("activeSenders", equalTo(0))
            .body("usage", anEmptyMap());
    }

    @Test
    void usageOfAMalformedMonthShouldGet400NamingIt() {
        given().spec(spec).queryParam("month", "June").get()
        .then()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("type", equalTo("InvalidArgument"))
            .body("message", equalTo("'month' June is not a month such as 2026-11"));
    }

    @Test
    void usageThatCannotBeReadShouldGet500NamingTheFileNotAPartialTotal() throws Exception {
        sign(BILLING, 2);
        // another node's journal that cannot be read (a directory where the file should be)
        java.nio.file.Path broken = java.nio.file.Files.createDirectories(conf.resolve("store/.usage/2026-06/node-b.journal"));

        given().spec(spec).get()
        .then()
            .statusCode(HttpStatus.INTERNAL_SERVER_ERROR_500)
            .body("message", org.hamcrest.Matchers.allOf(org.hamcrest.Matchers.containsString(broken.toString()),
                org.hamcrest.Matchers.containsString("no total is given rather than one that leaves counts out")));
    }
}
