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
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;

import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.james.core.MailAddress;
import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepository;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.mailrepository.api.Protocol;
import org.apache.james.mailrepository.memory.MailRepositoryStoreConfiguration;
import org.apache.james.mailrepository.memory.MemoryMailRepository;
import org.apache.james.mailrepository.memory.MemoryMailRepositoryStore;
import org.apache.james.mailrepository.memory.MemoryMailRepositoryUrlStore;
import org.apache.james.mailrepository.memory.SimpleMailRepositoryLoader;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.RawMailQueueItemDecoratorFactory;
import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.apache.james.webadmin.WebAdminServer;
import org.apache.james.webadmin.WebAdminUtils;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.eclipse.jetty.http.HttpStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.Verifiers;

class ResendRoutesTest {
    static final String ARCHIVE = "var/mail/relay-archive";
    static final String KEY = "mail-42";
    static final String SENDER = "billing@shop.example";

    MemoryMailRepositoryStore repositories;
    MemoryMailQueueFactory queues;
    MemoryMailQueueFactory.MemoryCacheableMailQueue spool;
    MailRepository archive;
    WebAdminServer webAdminServer;
    RequestSpecification spec;

    @BeforeEach
    void setUp() throws Exception {
        repositories = new MemoryMailRepositoryStore(new MemoryMailRepositoryUrlStore(), new SimpleMailRepositoryLoader(),
            MailRepositoryStoreConfiguration.forItems(new MailRepositoryStoreConfiguration.Item(List.of(new Protocol("memory")),
                MemoryMailRepository.class.getName(), new BaseHierarchicalConfiguration())));
        repositories.init();
        archive = repositories.select(MailRepositoryUrl.from("memory://" + ARCHIVE));
        archive.store(FakeMail.builder().name(KEY).sender(SENDER).recipients("customer@client.example")
            .mimeMessage(Verifiers.parse(TestMessages.plain7bit(SENDER))).build());
        queues = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
        spool = queues.createQueue(MailQueueFactory.SPOOL);
        // no AbstractStateCompositeProcessor: the processor name is not checked against mailetcontainer.xml here
        webAdminServer = WebAdminUtils.createWebAdminServer(new ResendRoutes(repositories, queues, new JsonTransformer(), mail -> { }))
            .start();
        spec = WebAdminUtils.buildRequestSpecification(webAdminServer).setBasePath(ResendRoutes.BASE_PATH).build();
    }

    @AfterEach
    void tearDown() {
        webAdminServer.destroy();
    }

    private static String request(String key, String recipients) {
        return "{\"repository\":\"" + ARCHIVE + "\",\"key\":\"" + key + "\",\"recipients\":" + recipients + "}";
    }

    private Mail dequeue() {
        MailQueue.MailQueueItem item = Flux.from(spool.deQueue()).blockFirst(Duration.ofSeconds(10));
        return item.getMail();
    }

    @Test
    void resendShouldSpoolACopyForTheNewRecipientsInTheSignProcessorAndKeepTheStoredMail() throws Exception {
        given().spec(spec).contentType(ContentType.JSON).body(request(KEY, "[\"accounts@client.example\",\"ceo@client.example\"]")).post()
        .then()
            .statusCode(HttpStatus.CREATED_201)
            .contentType(ContentType.JSON)
            .body("repository", equalTo(ARCHIVE))
            .body("key", equalTo(KEY))
            .body("processor", equalTo(ResendRoutes.DEFAULT_PROCESSOR))
            .body("recipients", contains("accounts@client.example", "ceo@client.example"));

        Mail copy = dequeue();
        assertThat(copy.getState()).isEqualTo(ResendRoutes.DEFAULT_PROCESSOR);
        assertThat(copy.getRecipients()).containsExactly(new MailAddress("accounts@client.example"), new MailAddress("ceo@client.example"));
        assertThat(copy.getName()).startsWith(KEY + "-resend-");
        assertThat(Verifiers.serialize(copy.getMessage())).isEqualTo(Verifiers.serialize(archive.retrieve(new MailKey(KEY)).getMessage()));
        Mail stored = archive.retrieve(new MailKey(KEY));
        assertThat(stored.getRecipients()).containsExactly(new MailAddress("customer@client.example"));
        assertThat(archive.list()).toIterable().hasSize(1);
    }

    @Test
    void resendShouldUseTheProcessorTheRequestNames() throws Exception {
        given().spec(spec).contentType(ContentType.JSON)
            .body("{\"repository\":\"" + ARCHIVE + "\",\"key\":\"" + KEY + "\",\"recipients\":[\"a@client.example\"],\"processor\":\"relay\"}")
            .post()
        .then()
            .statusCode(HttpStatus.CREATED_201)
            .body("processor", equalTo("relay"));

        assertThat(dequeue().getState()).isEqualTo("relay");
    }

    @Test
    void twoResendsOfOneMailShouldBeTwoMailsWithTheirOwnNames() {
        for (int i = 0; i < 2; i++) {
            given().spec(spec).contentType(ContentType.JSON).body(request(KEY, "[\"a@client.example\"]")).post()
            .then()
                .statusCode(HttpStatus.CREATED_201);
        }

        assertThat(dequeue().getName()).isNotEqualTo(dequeue().getName());
    }

    @Test
    void resendOfAnUnknownKeyShouldGet404AndSpoolNothing() throws Exception {
        given().spec(spec).contentType(ContentType.JSON).body(request("nope", "[\"a@client.example\"]")).post()
        .then()
            .statusCode(HttpStatus.NOT_FOUND_404)
            .body("type", equalTo("notFound"))
            .body("message", equalTo("no mail nope in " + ARCHIVE));

        assertThat(spool.getSize()).isZero();
    }

    @Test
    void resendFromAnUnknownRepositoryShouldGet404() {
        given().spec(spec).contentType(ContentType.JSON)
            .body("{\"repository\":\"var/mail/nothing\",\"key\":\"" + KEY + "\",\"recipients\":[\"a@client.example\"]}").post()
        .then()
            .statusCode(HttpStatus.NOT_FOUND_404)
            .body("message", equalTo("no mail repository var/mail/nothing"));
    }

    @Test
    void resendWithoutRecipientsShouldGet400() throws Exception {
        given().spec(spec).contentType(ContentType.JSON).body(request(KEY, "[]")).post()
        .then()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("type", equalTo("InvalidArgument"))
            .body("message", containsString("'recipients' is missing"));

        assertThat(spool.getSize()).isZero();
    }

    @Test
    void resendToSomethingThatIsNotAnAddressShouldGet400NamingIt() {
        given().spec(spec).contentType(ContentType.JSON).body(request(KEY, "[\"a@client.example\",\"not an address\"]")).post()
        .then()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("message", equalTo("'recipients' not an address is not a mail address"));
    }

    @Test
    void resendWithoutKeyShouldGet400() {
        given().spec(spec).contentType(ContentType.JSON).body("{\"repository\":\"" + ARCHIVE + "\",\"recipients\":[\"a@client.example\"]}").post()
        .then()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("message", equalTo("'key' is missing"));
    }

    @Test
    void resendWithABodyThatIsNotARequestShouldGet400() throws Exception {
        for (String body : List.of("{", "[1,2]", "{\"repository\":\"" + ARCHIVE + "\",\"key\":\"" + KEY + "\",\"recipients\":[null]}")) {
            given().spec(spec).contentType(ContentType.JSON).body(body).post()
            .then()
                .statusCode(HttpStatus.BAD_REQUEST_400)
                .body("message", containsString("the body is not a resend request"));
        }

        assertThat(spool.getSize()).isZero();
    }

    @Test
    void resendAsAFormOrPlainTextShouldGet415() throws Exception {
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x")) {
            given().spec(spec).config(RestAssuredConfig.config().encoderConfig(EncoderConfig.encoderConfig()
                    .encodeContentTypeAs("multipart/form-data", ContentType.TEXT)
                    .encodeContentTypeAs("application/x-www-form-urlencoded", ContentType.TEXT)))
                .contentType(type).body(request(KEY, "[\"a@client.example\"]")).post()
            .then()
                .statusCode(HttpStatus.UNSUPPORTED_MEDIA_TYPE_415);
        }

        assertThat(spool.getSize()).isZero();
    }

    @Test
    void resendThatABrowserMarksCrossSiteShouldGet403() throws Exception {
        given().spec(spec).contentType(ContentType.JSON).header(CrossSiteGuard.SEC_FETCH_SITE, "cross-site")
            .body(request(KEY, "[\"a@client.example\"]")).post()
        .then()
            .statusCode(HttpStatus.FORBIDDEN_403);

        assertThat(spool.getSize()).isZero();
    }
}
