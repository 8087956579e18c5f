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
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
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
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.TestServices;

class CertificateRoutesTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final String BILLING = "billing@shop.example";
    static final String PARCELS = "parcels@shop.example";
    static final String P12 = "application/x-pkcs12";
    static final String FORM = "application/x-www-form-urlencoded";

    @TempDir
    Path conf;
    @TempDir
    Path uploads;
    TestPki pki;
    SmimeSigningService service;
    WebAdminServer webAdminServer;
    RequestSpecification spec;

    @BeforeEach
    void setUp() throws Exception {
        pki = TestPki.create(NOW);
        service = TestServices.start(conf, pki, Clock.fixed(NOW, ZoneOffset.UTC), Map.of(), BILLING);
        webAdminServer = WebAdminUtils.createWebAdminServer(new CertificateRoutes(service, new JsonTransformer())).start();
        spec = WebAdminUtils.buildRequestSpecification(webAdminServer).setBasePath(CertificateRoutes.BASE_PATH).build();
    }

    @AfterEach
    void tearDown() {
        webAdminServer.destroy();
        service.close();
    }

    private byte[] p12(TestPki.Issued issued, String password) throws Exception {
        Path file = uploads.resolve("upload-" + System.nanoTime() + ".p12");
        issued.writePkcs12(file, password.toCharArray());
        return Files.readAllBytes(file);
    }

    private String fingerprint(String address) {
        return service.store().find(address).orElseThrow().fingerprint();
    }

    @Test
    void listShouldDescribeEveryCertificateOfTheStore() {
        given().spec(spec).get()
        .then()
            .statusCode(HttpStatus.OK_200)
            .contentType(ContentType.JSON)
            .body("", hasSize(1))
            .body("[0].addresses", contains(BILLING))
            .body("[0].file", equalTo(BILLING + ".p12"))
            .body("[0].subject", containsString("CN=" + BILLING))
            .body("[0].notAfter", equalTo(NOW.plus(Duration.ofDays(365)).toString()))
            .body("[0].sha256", equalTo(fingerprint(BILLING)))
            .body("[0].status", equalTo("valid"))
            .body("[0].inUse", equalTo(true))
            .body("[0].reason", nullValue());
    }

    @Test
    void listShouldShowARefusedFileWithItsReasonAndNoCertificateFields() throws Exception {
        Files.write(conf.resolve("store").resolve("broken.p12"), new byte[] {1, 2, 3});
        service.store().reload();

        given().spec(spec).get()
        .then()
            .statusCode(HttpStatus.OK_200)
            .body("find { it.file == 'broken.p12' }.status", equalTo("refused"))
            .body("find { it.file == 'broken.p12' }.reason", containsString("not a readable PKCS#12"))
            .body("find { it.file == 'broken.p12' }.sha256", nullValue())
            .body("find { it.file == 'broken.p12' }.inUse", nullValue());
    }

    @Test
    void showShouldAnswerTheCertificatesOfOneAddressWhateverTheCaseOfItsDomain() {
        given().spec(spec).get("/billing@Shop.EXAMPLE")
        .then()
            .statusCode(HttpStatus.OK_200)
            .body("", hasSize(1))
            .body("[0].sha256", equalTo(fingerprint(BILLING)));
    }

    @Test
    void showShouldFindAFileRefusedForItsChainByItsAddressWithItsKind() throws Exception {
        TestPki.createOther(NOW, "Other Root CA").sender(PARCELS).issue()
            .writePkcs12(conf.resolve("store").resolve(PARCELS + ".p12"), "pw".toCharArray());
        service.store().reload();

        given().spec(spec).get("/" + PARCELS)
        .then()
            .statusCode(HttpStatus.OK_200)
            .body("", hasSize(1))
            .body("[0].file", equalTo(PARCELS + ".p12"))
            .body("[0].addresses", contains(PARCELS))
            .body("[0].status", equalTo("refused"))
            .body("[0].kind", equalTo("not_trusted"))
            .body("[0].reason", containsString("the certificate does not chain to a trusted root"))
            .body("[0].sha256", nullValue());
    }

    @Test
    void uploadFailingOnThisNodesDiskShouldGet500NotABadRequest() throws Exception {
        byte[] body = p12(pki.sender(PARCELS).issue(), "secret");
        // where the file goes, a directory that is not empty: the write fails on this node, whatever was uploaded
        Files.createDirectories(conf.resolve("store").resolve(PARCELS + ".p12").resolve("occupied"));

        given().spec(spec).contentType(P12).header(CertificateRoutes.PASSWORD_HEADER, "secret").body(body).post()
        .then()
            .statusCode(HttpStatus.INTERNAL_SERVER_ERROR_500)
            .body("type", equalTo("ServerError"))
            .body("message", containsString("cannot write"));
    }

    @Test
    void showShouldAnswer404ForAnAddressWithoutCertificate() {
        given().spec(spec).get("/" + PARCELS)
        .then()
            .statusCode(HttpStatus.NOT_FOUND_404)
            .contentType(ContentType.JSON)
            .body("statusCode", equalTo(404))
            .body("type", equalTo("notFound"))
            .body("message", equalTo("no certificate for " + PARCELS));
    }

    @Test
    void showShouldAnswer400ForSomethingThatIsNotAnAddress() {
        given().spec(spec).get("/not-an-address")
        .then()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("type", equalTo("InvalidArgument"))
            .body("message", equalTo("'not-an-address' is not a mail address: 'not-an-address' is not a single local@domain"));
    }

    @Test
    void uploadShouldImportThePkcs12AndThisNodeShouldUseItAtOnce() throws Exception {
        byte[] body = p12(pki.sender(PARCELS).issue(), "secret");

        given().spec(spec).contentType(P12).header(CertificateRoutes.PASSWORD_HEADER, "secret").body(body).post()
        .then()
            .statusCode(HttpStatus.CREATED_201)
            .contentType(ContentType.JSON)
            .body("imported", contains(PARCELS + ".p12"));

        assertThat(service.store().find(PARCELS)).isPresent();
        given().spec(spec).get("/" + PARCELS)
        .then()
            .statusCode(HttpStatus.OK_200)
            .body("[0].inUse", equalTo(true));
    }

    @Test
    void anInternationalisedSenderShouldBeUploadedUnderAnAsciiFileAndShownInEitherDomainForm() throws Exception {
        byte[] body = p12(pki.sender("ignored").sanEmails(TestPki.SMTP_UTF8_MAILBOX + "jörg@müller.example").issue(), "secret");

        given().spec(spec).contentType(P12).header(CertificateRoutes.PASSWORD_HEADER, "secret").body(body).post()
        .then()
            .statusCode(HttpStatus.CREATED_201)
            .body("imported", contains("(utf-8)j%C3%B6rg@xn--mller-kva.example.p12"));

        for (String address : List.of("jörg@müller.example", "jörg@XN--MLLER-KVA.example")) {
            given().spec(spec).urlEncodingEnabled(true).get("/{address}", address)
            .then()
                .statusCode(HttpStatus.OK_200)
                .body("[0].addresses", contains("jörg@xn--mller-kva.example"))
                .body("[0].inUse", equalTo(true));
        }
        given().spec(spec).urlEncodingEnabled(true).get("/{address}", "p\u0430ypal@shop.example")
        .then()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("message", containsString("is not a mail address: the local part 'p\u0430ypal' mixes the scripts Latin and Cyrillic"));
    }

    @Test
    void uploadWithAWrongPasswordShouldBeRefusedWithTheReasonAndChangeNothing() throws Exception {
        byte[] body = p12(pki.sender(PARCELS).issue(), "secret");

        given().spec(spec).contentType(P12).header(CertificateRoutes.PASSWORD_HEADER, "wrong").body(body).post()
        .then()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("type", equalTo("InvalidArgument"))
            .body("message", containsString("refused: "));

        assertThat(service.store().find(PARCELS)).isEmpty();
        assertThat(storeFiles()).containsExactly(BILLING + ".p12");
    }

    @Test
    void uploadOfAWildcardCertificateShouldBeRefused() throws Exception {
        byte[] body = p12(pki.sender("*@shop.example").issue(), "secret");

        given().spec(spec).contentType(P12).header(CertificateRoutes.PASSWORD_HEADER, "secret").body(body).post()
        .then()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("message", containsString("refused: "));

        assertThat(storeFiles()).containsExactly(BILLING + ".p12");
    }

    @Test
    void uploadWithoutPasswordHeaderShouldBeRefused() throws Exception {
        given().spec(spec).contentType(P12).body(p12(pki.sender(PARCELS).issue(), "secret")).post()
        .then()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("message", containsString(CertificateRoutes.PASSWORD_HEADER));
    }

    @Test
    void uploadWithAnEmptyBodyShouldBeRefused() {
        given().spec(spec).contentType(P12).header(CertificateRoutes.PASSWORD_HEADER, "secret").body(new byte[0]).post()
        .then()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("message", equalTo("the body must be the PKCS#12 file"));
    }

    @Test
    void uploadAsAFormShouldGet415AndChangeNothing() throws Exception {
        given().spec(spec).contentType("application/x-www-form-urlencoded; charset=UTF-8")
            .header(CertificateRoutes.PASSWORD_HEADER, "secret").body("a=b").post()
        .then()
            .statusCode(HttpStatus.UNSUPPORTED_MEDIA_TYPE_415)
            .body("message", containsString("'application/x-www-form-urlencoded' refused"));

        assertThat(storeFiles()).containsExactly(BILLING + ".p12");
    }

    @Test
    void uploadShouldAnswer415NamingThePkcs12TypeWhenCurlSendsTheFileAsAForm() throws Exception {
        // curl --data-binary @file.p12 without -H 'Content-Type: ...' sends exactly this type, and the file's bytes
        given().spec(spec)
            .config(RestAssuredConfig.config().encoderConfig(EncoderConfig.encoderConfig()
                .appendDefaultContentCharsetToContentTypeIfUndefined(false).encodeContentTypeAs(FORM, ContentType.BINARY)))
            .contentType(FORM)
            .header(CertificateRoutes.PASSWORD_HEADER, "secret").body(p12(pki.sender(PARCELS).issue(), "secret")).post()
        .then()
            .statusCode(HttpStatus.UNSUPPORTED_MEDIA_TYPE_415)
            .contentType(ContentType.JSON)
            .body("statusCode", equalTo(415))
            .body("type", equalTo("InvalidArgument"))
            .body("message", containsString("Content-Type 'application/x-www-form-urlencoded' refused: send application/x-pkcs12"));

        assertThat(storeFiles()).containsExactly(BILLING + ".p12");
    }

    @Test
    void uploadThatABrowserMarksCrossSiteShouldGet403() throws Exception {
        given().spec(spec).contentType(P12).header(CrossSiteGuard.SEC_FETCH_SITE, "cross-site")
            .header(CertificateRoutes.PASSWORD_HEADER, "secret").body(p12(pki.sender(PARCELS).issue(), "secret")).post()
        .then()
            .statusCode(HttpStatus.FORBIDDEN_403);

        assertThat(storeFiles()).containsExactly(BILLING + ".p12");
    }

    @Test
    void uploadLargerThanTheLimitShouldGet413() {
        given().spec(spec).contentType(P12).header(CertificateRoutes.PASSWORD_HEADER, "secret")
            .body(new byte[CertificateRoutes.MAX_UPLOAD_BYTES + 1]).post()
        .then()
            .statusCode(HttpStatus.PAYLOAD_TOO_LARGE_413)
            .body("message", containsString(String.valueOf(CertificateRoutes.MAX_UPLOAD_BYTES)));
    }

    @Test
    void deleteShouldRemoveTheFileAndThisNodeShouldStopUsingIt() throws Exception {
        given().spec(spec).delete("/" + fingerprint(BILLING).toUpperCase())
        .then()
            .statusCode(HttpStatus.NO_CONTENT_204);

        assertThat(service.store().find(BILLING)).isEmpty();
        assertThat(storeFiles()).isEmpty();
        given().spec(spec).get().then().statusCode(HttpStatus.OK_200).body("", hasSize(0));
    }

    @Test
    void deleteOfAnUnknownFingerprintShouldGet404() throws Exception {
        given().spec(spec).delete("/" + "0".repeat(64))
        .then()
            .statusCode(HttpStatus.NOT_FOUND_404)
            .body("type", equalTo("notFound"));

        assertThat(storeFiles()).containsExactly(BILLING + ".p12");
    }

    @Test
    void deleteOfSomethingThatIsNotAFingerprintShouldGet400() {
        given().spec(spec).delete("/" + BILLING)
        .then()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("message", containsString("is not a SHA-256 fingerprint"));
    }

    @Test
    void deleteThatABrowserMarksCrossSiteShouldGet403AndKeepTheFile() throws Exception {
        given().spec(spec).header(CrossSiteGuard.SEC_FETCH_SITE, "Cross-Site").delete("/" + fingerprint(BILLING))
        .then()
            .statusCode(HttpStatus.FORBIDDEN_403);

        assertThat(storeFiles()).containsExactly(BILLING + ".p12");
    }

    @Test
    void certificatesOutsideTheirDatesShouldBeListedAsExpiredOrNotYetValid() throws Exception {
        Path store = conf.resolve("store");
        pki.sender("old@shop.example").validity(NOW.minus(Duration.ofDays(400)), NOW.minus(Duration.ofDays(35))).issue()
            .writePkcs12(store.resolve("old.p12"), "pw".toCharArray());
        pki.sender("early@shop.example").validity(NOW.plus(Duration.ofDays(2)), NOW.plus(Duration.ofDays(400))).issue()
            .writePkcs12(store.resolve("early.p12"), "pw".toCharArray());
        service.store().reload();

        given().spec(spec).get()
        .then()
            .statusCode(HttpStatus.OK_200)
            .body("find { it.file == 'old.p12' }.status", equalTo("expired"))
            .body("find { it.file == 'old.p12' }.inUse", equalTo(false))
            .body("find { it.file == 'early.p12' }.status", equalTo("not yet valid"))
            .body("find { it.file == 'early.p12' }.inUse", equalTo(false));
    }

    private List<String> storeFiles() throws Exception {
        try (Stream<Path> files = Files.list(conf.resolve("store"))) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".p12")).sorted()
                .collect(Collectors.toList());
        }
    }
}
