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
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import org.apache.james.webadmin.WebAdminServer;
import org.apache.james.webadmin.WebAdminUtils;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.eclipse.jetty.http.HttpStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.core.signing.DigestAlgorithm;
import io.github.jamessmime.core.signing.SmimeSigner;
import io.github.jamessmime.core.store.CertificateInput;
import io.github.jamessmime.core.store.PendingKeys;
import io.github.jamessmime.testing.MutableClock;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.TestServices;
import io.github.jamessmime.testing.Verifiers;

class RequestRoutesTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final String BILLING = "billing@shop.example";
    static final String PARCELS = "parcels@shop.example";
    static final String RETURNS = "returns@shop.example";
    static final String PEM_CHAIN = "application/pem-certificate-chain";
    static final String PENDING_FILE = PendingKeys.DIRECTORY + "/" + PARCELS + ".p12";

    @TempDir
    Path conf;
    @TempDir
    Path work;
    TestPki pki;
    MutableClock clock;
    SmimeSigningService service;
    WebAdminServer webAdminServer;
    RequestSpecification spec;

    @BeforeEach
    void setUp() throws Exception {
        pki = TestPki.create(NOW);
        clock = new MutableClock(NOW);
        service = TestServices.start(conf, pki, clock, Map.of(), BILLING);
        // both upload routes in one server, as in James: Spark keeps one handler for a body Jetty cannot parse
        webAdminServer = WebAdminUtils.createWebAdminServer(new CertificateRoutes(service, new JsonTransformer()),
            new RequestRoutes(service, new JsonTransformer())).start();
        spec = WebAdminUtils.buildRequestSpecification(webAdminServer).setBasePath(RequestRoutes.BASE_PATH).build();
    }

    @AfterEach
    void tearDown() {
        webAdminServer.destroy();
        service.close();
    }

    private ValidatableResponse post(String json) {
        return given().spec(spec).contentType(ContentType.JSON).body(json).post().then();
    }

    /** Requests a certificate for {@code address} and gives the PKCS#10 request answered. */
    private PKCS10CertificationRequest request(String address) throws Exception {
        String pem = post("{\"addresses\":[\"" + address + "\"]}").statusCode(HttpStatus.CREATED_201).extract().path("[0].csr");
        return csr(pem);
    }

    private static PKCS10CertificationRequest csr(String pem) throws Exception {
        return new PKCS10CertificationRequest(Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "")));
    }

    private static PublicKey publicKey(PKCS10CertificationRequest csr) throws Exception {
        return new JcaPKCS10CertificationRequest(csr).getPublicKey();
    }

    /** The certificate and the intermediate that issued it, as PEM: what a CA delivers. */
    private byte[] pem(X509Certificate... certificates) throws Exception {
        return Files.readAllBytes(TestPki.writePem(work.resolve("issued-" + System.nanoTime() + ".pem"), certificates));
    }

    private ValidatableResponse put(String address, String contentType, byte[] body) {
        return given().spec(spec).contentType(contentType).body(body).put("/" + address + "/certificate").then();
    }

    /** Every file under the store directory, pending keys included, with its content's hash. */
    private Map<String, Integer> storeContent() throws Exception {
        Path store = conf.resolve("store");
        try (Stream<Path> files = Files.walk(store)) {
            return files.filter(Files::isRegularFile).filter(file -> file.getFileName().toString().endsWith(".p12"))
                .collect(Collectors.toMap(file -> store.relativize(file).toString(), file -> {
                    try {
                        return Arrays.hashCode(Files.readAllBytes(file));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }));
        }
    }

    @Test
    void postShouldMakeAPendingKeyAndAnswerItsRequest() throws Exception {
        String pem = post("{\"addresses\":[\"" + PARCELS + "\"],\"keyType\":\"rsa-2048\",\"replace\":false}")
            .statusCode(HttpStatus.CREATED_201)
            .contentType(ContentType.JSON)
            .body("", hasSize(1))
            .body("[0].address", equalTo(PARCELS))
            .body("[0].keyType", equalTo("rsa-2048"))
            .body("[0].created", equalTo(NOW.toString()))
            .body("[0].source", equalTo(PENDING_FILE))
            .body("[0].ageDays", nullValue())
            .body("[0].csr", startsWith("-----BEGIN CERTIFICATE REQUEST-----\n"))
            .extract().path("[0].csr");

        PKCS10CertificationRequest csr = csr(pem);
        assertThat(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()))).isTrue();
        assertThat(csr.getSubject()).isEqualTo(new X500Name("CN=" + PARCELS));
        assertThat(csr.getSubject().getRDNs()).hasSize(1);
        Attribute[] extensionRequest = csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest);
        assertThat(extensionRequest).hasSize(1);
        GeneralNames san = GeneralNames.fromExtensions(Extensions.getInstance(extensionRequest[0].getAttrValues().getObjectAt(0)),
            Extension.subjectAlternativeName);
        assertThat(san.getNames()).containsExactly(new GeneralName(GeneralName.rfc822Name, PARCELS));
        assertThat(publicKey(csr).getAlgorithm()).isEqualTo("RSA");

        assertThat(storeContent().keySet()).containsExactlyInAnyOrder(BILLING + ".p12", PENDING_FILE);
        assertThat(service.store().find(PARCELS)).as("a pending key never signs").isEmpty();
    }

    @Test
    void postShouldMakeTheKeyTypeAskedForAndTheDefaultOtherwise() throws Exception {
        post("{\"addresses\":[\"" + PARCELS + "\"],\"keyType\":\"EC-P256\"}")
            .statusCode(HttpStatus.CREATED_201)
            .body("[0].keyType", equalTo("ec-p256"));
        post("{\"addresses\":[\"" + RETURNS + "\"]}")
            .statusCode(HttpStatus.CREATED_201)
            .body("[0].keyType", equalTo("rsa-2048"));

        given().spec(spec).get().then().body("keyType", contains("ec-p256", "rsa-2048"));
    }

    @Test
    void certificateIssuedForTheRequestShouldBeInstalledAndSignAtOnce() throws Exception {
        PKCS10CertificationRequest csr = request(PARCELS);
        TestPki.Issued issued = pki.sender(PARCELS).issueFor(publicKey(csr));

        put(PARCELS, PEM_CHAIN, pem(issued.certificate(), pki.intermediate()))
            .statusCode(HttpStatus.CREATED_201)
            .contentType(ContentType.JSON)
            .body("address", equalTo(PARCELS))
            .body("file", equalTo(PARCELS + ".p12"))
            .body("sha256", equalTo(service.store().find(PARCELS).orElseThrow().fingerprint()))
            .body("notBefore", equalTo(issued.certificate().getNotBefore().toInstant().toString()))
            .body("notAfter", equalTo(issued.certificate().getNotAfter().toInstant().toString()))
            .body("staged", equalTo(false));

        assertThat(service.store().find(PARCELS)).isPresent();
        assertThat(service.store().find(PARCELS).orElseThrow().certificate()).isEqualTo(issued.certificate());
        byte[] signed = Verifiers.serialize(new io.github.jamessmime.core.signing.SmimeSigner(
            DigestAlgorithm.SHA_256, clock).sign(Verifiers.parse(
                TestMessages.plain7bit(PARCELS)), service.store().find(PARCELS).orElseThrow()));
        Verifiers.OpensslResult openssl = Verifiers.openssl(signed, pki.root(), NOW);
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        assertThat(Verifiers.bouncyCastle(signed).signatureValid).isTrue();
        given().spec(spec).get("/" + PARCELS).then().statusCode(HttpStatus.NOT_FOUND_404);
        assertThat(storeContent().keySet()).containsExactlyInAnyOrder(BILLING + ".p12", PARCELS + ".p12");
    }

    @Test
    void certificateShouldBeInstalledFromAPkcs7Bundle() throws Exception {
        PKCS10CertificationRequest csr = request(PARCELS);
        TestPki.Issued issued = pki.sender(PARCELS).issueFor(publicKey(csr));
        byte[] pkcs7 = CertificateFactory.getInstance("X.509").generateCertPath(List.of(issued.certificate(), pki.intermediate()))
            .getEncoded("PKCS7");

        put(PARCELS, "application/pkcs7-mime", pkcs7)
            .statusCode(HttpStatus.CREATED_201)
            .body("file", equalTo(PARCELS + ".p12"));

        assertThat(service.store().find(PARCELS).orElseThrow().certificate()).isEqualTo(issued.certificate());
    }

    @Test
    void putWithoutAPendingRequestShouldGet404AndWriteNothing() throws Exception {
        TestPki.Issued issued = pki.sender(PARCELS).issue();
        Map<String, Integer> before = storeContent();

        put(PARCELS, PEM_CHAIN, pem(issued.certificate(), pki.intermediate()))
            .statusCode(HttpStatus.NOT_FOUND_404)
            .body("type", equalTo("notFound"))
            .body("message", startsWith("refused: no request is pending for " + PARCELS))
            .body("message", not(containsString("\n")));

        assertThat(storeContent()).isEqualTo(before);
    }

    @Test
    void putOfACertificateOfAnotherKeyShouldGet400AndKeepTheRequest() throws Exception {
        request(PARCELS);
        TestPki.Issued otherKey = pki.sender(PARCELS).issue();
        Map<String, Integer> before = storeContent();

        put(PARCELS, PEM_CHAIN, pem(otherKey.certificate(), pki.intermediate()))
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("type", equalTo("InvalidArgument"))
            .body("message", containsString("refused: none of the 2 certificates given is for the key requested for " + PARCELS))
            .body("message", not(containsString("\n")));

        assertThat(storeContent()).isEqualTo(before);
        given().spec(spec).get("/" + PARCELS).then().statusCode(HttpStatus.OK_200);
    }

    @Test
    void putOfACertificateForAnotherAddressShouldGet400() throws Exception {
        PKCS10CertificationRequest csr = request(PARCELS);
        TestPki.Issued forReturns = pki.sender(RETURNS).issueFor(publicKey(csr));
        Map<String, Integer> before = storeContent();

        put(PARCELS, PEM_CHAIN, pem(forReturns.certificate(), pki.intermediate()))
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("message", startsWith("refused: "))
            .body("message", containsString(RETURNS))
            .body("message", not(containsString("\n")));

        assertThat(storeContent()).isEqualTo(before);
        assertThat(service.store().find(RETURNS)).isEmpty();
    }

    @Test
    void putOfACaCertificateShouldGet400() throws Exception {
        PKCS10CertificationRequest csr = request(PARCELS);
        TestPki.Issued ca = pki.sender(PARCELS).ca().issueFor(publicKey(csr));
        Map<String, Integer> before = storeContent();

        put(PARCELS, PEM_CHAIN, pem(ca.certificate(), pki.intermediate()))
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("message", startsWith("refused: "))
            .body("message", not(containsString("\n")));

        assertThat(storeContent()).isEqualTo(before);
    }

    @Test
    void putOfACertificateWithoutItsIntermediateShouldGet400() throws Exception {
        PKCS10CertificationRequest csr = request(PARCELS);
        TestPki.Issued issued = pki.sender(PARCELS).issueFor(publicKey(csr));
        Map<String, Integer> before = storeContent();

        // DER holds the certificate alone: the chain to the trusted root is broken
        put(PARCELS, "application/pkix-cert", issued.certificate().getEncoded())
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("message", startsWith("refused: "))
            .body("message", not(containsString("\n")));

        assertThat(storeContent()).isEqualTo(before);
    }

    @Test
    void putOfACertificateOfAnotherCaShouldGet400() throws Exception {
        PKCS10CertificationRequest csr = request(PARCELS);
        TestPki other = TestPki.createOther(NOW, "Other");
        TestPki.Issued issued = other.sender(PARCELS).issueFor(publicKey(csr));
        Map<String, Integer> before = storeContent();

        put(PARCELS, "application/x-pem-file", pem(issued.certificate(), other.intermediate()))
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("message", startsWith("refused: "))
            .body("message", not(containsString("\n")));

        assertThat(storeContent()).isEqualTo(before);
    }

    @Test
    void putOfAnExpiredCertificateShouldGet400() throws Exception {
        PKCS10CertificationRequest csr = request(PARCELS);
        TestPki.Issued expired = pki.sender(PARCELS).validity(NOW.minus(Duration.ofDays(400)), NOW.minus(Duration.ofDays(1)))
            .issueFor(publicKey(csr));
        Map<String, Integer> before = storeContent();

        put(PARCELS, PEM_CHAIN, pem(expired.certificate(), pki.intermediate()))
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("message", startsWith("refused: the certificate for " + PARCELS + " expired"))
            .body("message", not(containsString("\n")));

        assertThat(storeContent()).isEqualTo(before);
    }

    @Test
    void putOfGarbageShouldGet400() throws Exception {
        request(PARCELS);
        Map<String, Integer> before = storeContent();

        put(PARCELS, PEM_CHAIN, "not a certificate\nat all\n".getBytes(StandardCharsets.US_ASCII))
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("message", startsWith("refused: the certificate input is neither PEM nor DER"))
            .body("message", not(containsString("\n")));
        put(PARCELS, PEM_CHAIN, new byte[0])
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("message", startsWith("refused: the certificate input is empty"));

        assertThat(storeContent()).isEqualTo(before);
    }

    @Test
    void putWithAnotherContentTypeShouldGet415NamingTheCertificateTypes() throws Exception {
        PKCS10CertificationRequest csr = request(PARCELS);
        byte[] body = pem(pki.sender(PARCELS).issueFor(publicKey(csr)).certificate(), pki.intermediate());

        put(PARCELS, "application/octet-stream", body)
            .statusCode(HttpStatus.UNSUPPORTED_MEDIA_TYPE_415)
            .body("message", containsString("Content-Type 'application/octet-stream' refused: send application/pem-certificate-chain or"
                + " application/x-pem-file or application/pkix-cert or application/pkcs7-mime"));

        assertThat(service.store().find(PARCELS)).isEmpty();
    }

    @Test
    void certificateSentAsAFormShouldGet415NamingTheCertificateTypes() throws Exception {
        PKCS10CertificationRequest csr = request(PARCELS);
        byte[] der = pki.sender(PARCELS).issueFor(publicKey(csr)).certificate().getEncoded();
        RestAssuredConfig asCurlSendsIt = RestAssuredConfig.config().encoderConfig(EncoderConfig.encoderConfig()
            .appendDefaultContentCharsetToContentTypeIfUndefined(false).encodeContentTypeAs(CertificateRoutesTest.FORM, ContentType.BINARY));

        // curl --data-binary @cert.der -X PUT without -H: Jetty parses the DER as a form and fails
        given().spec(spec).config(asCurlSendsIt).contentType(CertificateRoutesTest.FORM).body(der).put("/" + PARCELS + "/certificate")
        .then()
            .statusCode(HttpStatus.UNSUPPORTED_MEDIA_TYPE_415)
            .body("message", containsString("Content-Type 'application/x-www-form-urlencoded' refused: send application/pem-certificate-chain"));
        // the PKCS#12 upload of the other route keeps its own answer in the same server
        given().spec(spec).config(asCurlSendsIt).contentType(CertificateRoutesTest.FORM).body(der).basePath(CertificateRoutes.BASE_PATH).post()
        .then()
            .statusCode(HttpStatus.UNSUPPORTED_MEDIA_TYPE_415)
            .body("message", containsString("refused: send application/x-pkcs12"));

        assertThat(service.store().find(PARCELS)).isEmpty();
    }

    @Test
    void putLargerThanTheLimitShouldGet413() throws Exception {
        request(PARCELS);

        put(PARCELS, PEM_CHAIN, new byte[CertificateInput.MAX_BYTES + 1])
            .statusCode(HttpStatus.PAYLOAD_TOO_LARGE_413)
            .body("message", containsString(String.valueOf(CertificateInput.MAX_BYTES)));
    }

    @Test
    void secondPostForAPendingAddressShouldGet409AndChangeNothing() throws Exception {
        request(PARCELS);
        Map<String, Integer> before = storeContent();

        post("{\"addresses\":[\"" + RETURNS + "\",\"" + PARCELS + "\"]}")
            .statusCode(HttpStatus.CONFLICT_409)
            .body("message", startsWith("a request for " + PARCELS + " is pending since " + NOW))
            .body("message", not(containsString("\n")));

        assertThat(storeContent()).as("neither a new key for " + RETURNS + " nor another for " + PARCELS).isEqualTo(before);
    }

    @Test
    void postWithReplaceShouldMakeANewKeyForAPendingAddress() throws Exception {
        PublicKey first = publicKey(request(PARCELS));

        String pem = post("{\"addresses\":[\"" + PARCELS + "\"],\"replace\":true}")
            .statusCode(HttpStatus.CREATED_201)
            .extract().path("[0].csr");

        assertThat(publicKey(csr(pem))).isNotEqualTo(first);
        given().spec(spec).get().then().body("address", contains(PARCELS));
    }

    @Test
    void postShouldRefuseWhatIsNotARequestWithOneLineAndMakeNothing() {
        for (String body : List.of("{", "", "{\"addresses\":[]}", "{}", "{\"addresses\":\"" + PARCELS + "\"}",
            "{\"adresses\":[\"" + PARCELS + "\"]}", "{\"addresses\":[\"" + PARCELS + "\"],\"keyType\":\"dsa-1024\"}",
            "{\"addresses\":[\"" + PARCELS + "\",\"*@shop.example\"]}", "{\"addresses\":[\"" + PARCELS + "\",\"no address\"]}",
            "{\"addresses\":[\"" + PARCELS + "\"],\"renew\":true}")) {
            post(body)
                .statusCode(HttpStatus.BAD_REQUEST_400)
                .body("type", equalTo("InvalidArgument"))
                .body("message", not(containsString("\n")));
        }
        post("{\"addresses\":[\"" + PARCELS + "\"],\"keyType\":\"dsa-1024\"}")
            .body("message", equalTo("'keyType' 'dsa-1024' is not a key type; use rsa-2048, rsa-3072, rsa-4096, ec-p256, ec-p384"));
        post("{}").body("message", startsWith("'addresses' is missing"));
        post("{\"addresses\":[\"no address\"]}").body("message", equalTo("'no address' in 'addresses' is not a mail address"));
        post("{\"addresses\":[\"*@shop.example\"]}").body("message", startsWith("wildcard or domain-only address '*@shop.example' refused"));

        assertThat(Files.exists(conf.resolve("store").resolve(PendingKeys.DIRECTORY).resolve(PARCELS + ".p12"))).isFalse();
        given().spec(spec).get().then().statusCode(HttpStatus.OK_200).body("", hasSize(0));
    }

    @Test
    void postWithAnotherContentTypeShouldGet415() {
        given().spec(spec).contentType("text/plain").body("{\"addresses\":[\"" + PARCELS + "\"]}").post()
        .then()
            .statusCode(HttpStatus.UNSUPPORTED_MEDIA_TYPE_415)
            .body("message", containsString("refused: send application/json"));

        given().spec(spec).get().then().body("", hasSize(0));
    }

    @Test
    void postThatABrowserMarksCrossSiteShouldGet403() {
        given().spec(spec).contentType(ContentType.JSON).header(CrossSiteGuard.SEC_FETCH_SITE, "cross-site")
            .body("{\"addresses\":[\"" + PARCELS + "\"]}").post()
        .then()
            .statusCode(HttpStatus.FORBIDDEN_403);

        given().spec(spec).get().then().body("", hasSize(0));
    }

    @Test
    void renewShouldRequestOnlyForSendersWhoseCertificateExpiresWithinTheWarning() throws Exception {
        // billing@ lasts a year; returns@ expires in 10 days, within health.expiryWarningDays (30)
        pki.sender(RETURNS).validity(NOW.minus(Duration.ofDays(355)), NOW.plus(Duration.ofDays(10))).issue()
            .writePkcs12(conf.resolve("store").resolve(RETURNS + ".p12"), "pw".toCharArray());
        service.store().reload();
        assertThat(service.expiryWarning()).isEqualTo(Duration.ofDays(30));

        String pem = post("{\"renew\":true}")
            .statusCode(HttpStatus.CREATED_201)
            .body("address", contains(RETURNS))
            .body("[0].keyType", equalTo("rsa-2048"))
            .extract().path("[0].csr");
        post("{\"renew\":true,\"keyType\":\"ec-p256\"}")
            .statusCode(HttpStatus.OK_200)
            .body("", hasSize(0));

        // the renewal, valid from the day the old one expires: staged beside it, used from its notBefore
        Instant renewedFrom = NOW.plus(Duration.ofDays(10));
        TestPki.Issued renewal = pki.sender(RETURNS).validity(renewedFrom, renewedFrom.plus(Duration.ofDays(365)))
            .issueFor(publicKey(csr(pem)));
        put(RETURNS, PEM_CHAIN, pem(renewal.certificate(), pki.intermediate()))
            .statusCode(HttpStatus.CREATED_201)
            .body("file", startsWith(RETURNS + "."))
            .body("staged", equalTo(true));

        assertThat(service.store().find(RETURNS).orElseThrow().certificate()).isNotEqualTo(renewal.certificate());
        clock.set(renewedFrom.plus(Duration.ofMinutes(1)));
        assertThat(service.store().find(RETURNS).orElseThrow().certificate()).isEqualTo(renewal.certificate());
    }

    @Test
    void listShouldGiveEveryPendingRequestWithItsAgeAndNoCsr() throws Exception {
        request(RETURNS);
        request(PARCELS);
        clock.advance(Duration.ofDays(3).plusHours(2));

        given().spec(spec).get()
        .then()
            .statusCode(HttpStatus.OK_200)
            .contentType(ContentType.JSON)
            .body("address", contains(PARCELS, RETURNS))
            .body("[0].keyType", equalTo("rsa-2048"))
            .body("[0].created", equalTo(NOW.toString()))
            .body("[0].ageDays", equalTo(3))
            .body("[0].source", equalTo(PENDING_FILE))
            .body("[0].csr", nullValue());
    }

    @Test
    void getShouldAnswerThePendingRequestWithItsCsr() throws Exception {
        String made = post("{\"addresses\":[\"" + PARCELS + "\"]}").statusCode(HttpStatus.CREATED_201).extract().path("[0].csr");

        given().spec(spec).get("/parcels@Shop.EXAMPLE")
        .then()
            .statusCode(HttpStatus.OK_200)
            .body("address", equalTo(PARCELS))
            .body("ageDays", equalTo(0))
            .body("source", equalTo(PENDING_FILE))
            // made again from the pending key: RSA PKCS#1 v1.5 signs deterministically, so the very same request
            .body("csr", equalTo(made));
    }

    @Test
    void getShouldAnswer404WithoutAPendingRequestAnd400ForWhatIsNotAnAddress() {
        given().spec(spec).get("/" + BILLING)
        .then()
            .statusCode(HttpStatus.NOT_FOUND_404)
            .body("message", equalTo("no request is pending for " + BILLING));
        given().spec(spec).get("/not-an-address")
        .then()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("message", equalTo("'not-an-address' is not a mail address: 'not-an-address' is not a single local@domain"));
        given().spec(spec).urlEncodingEnabled(false).get("/not%0Aan-address")
        .then()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .body("message", equalTo("'not\\u000aan-address' is not a mail address: 'not\\u000aan-address' is not a single local@domain"));
    }

    @Test
    void anAddressWithAPlusShouldBeFoundByItsPath() throws Exception {
        request("parcels+eu@shop.example");

        given().spec(spec).get("/parcels+eu@shop.example").then().statusCode(HttpStatus.OK_200).body("address", equalTo("parcels+eu@shop.example"));
        given().spec(spec).urlEncodingEnabled(false).get("/parcels%2Beu@shop.example").then().statusCode(HttpStatus.OK_200);
        // as curl sends it
        given().spec(spec).urlEncodingEnabled(false).get("/parcels+eu@shop.example").then().statusCode(HttpStatus.OK_200);
    }

    @Test
    void deleteShouldDiscardThePendingKey() throws Exception {
        request(PARCELS);

        given().spec(spec).delete("/" + PARCELS).then().statusCode(HttpStatus.NO_CONTENT_204);

        assertThat(storeContent().keySet()).containsExactly(BILLING + ".p12");
        given().spec(spec).get("/" + PARCELS).then().statusCode(HttpStatus.NOT_FOUND_404);
        given().spec(spec).delete("/" + PARCELS)
        .then()
            .statusCode(HttpStatus.NOT_FOUND_404)
            .body("message", equalTo("no request is pending for " + PARCELS));
    }

    @Test
    void deleteThatABrowserMarksCrossSiteShouldGet403AndKeepTheKey() throws Exception {
        request(PARCELS);

        given().spec(spec).header(CrossSiteGuard.SEC_FETCH_SITE, "cross-site").delete("/" + PARCELS)
        .then()
            .statusCode(HttpStatus.FORBIDDEN_403);

        assertThat(storeContent().keySet()).contains(PENDING_FILE);
    }

    @Test
    void thePendingKeyShouldBeInTheStoreOnlyEncryptedAndReadableByThisUserAlone() throws Exception {
        Set<Path> before = filesUnder(conf);

        String answer = given().spec(spec).contentType(ContentType.JSON).body("{\"addresses\":[\"" + PARCELS + "\"]}").post()
            .then().statusCode(HttpStatus.CREATED_201).extract().asString();

        Path pendingFile = conf.resolve("store").resolve(PENDING_FILE);
        Set<Path> added = filesUnder(conf);
        added.removeAll(before);
        assertThat(added).containsExactly(pendingFile);
        KeyStore pending = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pendingFile)) {
            pending.load(in, "pw".toCharArray());
        }
        String alias = Collections.list(pending.aliases()).get(0);
        PrivateKey key = (PrivateKey) pending.getKey(alias, "pw".toCharArray());
        assertThat(pending.getCertificate(alias).getPublicKey()).isEqualTo(publicKey(csr(JsonPath.from(answer).getString("[0].csr"))));
        assertThat(Files.getPosixFilePermissions(pendingFile))
            .containsOnly(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

        byte[] pkcs8 = key.getEncoded();
        String base64 = Base64.getEncoder().encodeToString(pkcs8).substring(0, 64);
        assertThat(answer).doesNotContain("PRIVATE KEY").doesNotContain(base64);
        for (Path file : filesUnder(conf)) {
            byte[] content = Files.readAllBytes(file);
            String text = new String(content, StandardCharsets.ISO_8859_1);
            assertThat(text).as(file + " holds the key in the clear").doesNotContain("PRIVATE KEY").doesNotContain(base64);
            assertThat(Collections.indexOfSubList(asList(content), asList(pkcs8))).as(file + " holds the key's PKCS#8 in the clear")
                .isEqualTo(-1);
            if (!file.startsWith(conf.resolve("store"))) {
                assertThat(file.getFileName().toString()).as("outside the store").doesNotEndWith(".p12");
            }
        }
    }

    private static Set<Path> filesUnder(Path directory) throws Exception {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).collect(Collectors.toCollection(HashSet::new));
        }
    }

    private static List<Byte> asList(byte[] bytes) {
        List<Byte> list = new ArrayList<>(bytes.length);
        for (byte b : bytes) {
            list.add(b);
        }
        return list;
    }
}
