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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.authentication.AuthenticationFilter;
import org.apache.james.webadmin.authentication.JwtFilter;
import org.apache.james.webadmin.utils.JsonExtractException;
import org.apache.james.webadmin.utils.JsonExtractor;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.eclipse.jetty.http.HttpStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import spark.Request;
import spark.Response;
import spark.Service;

import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.lifecycle.CertificateRequests;
import io.github.jamessmime.core.store.CertificateInput;
import io.github.jamessmime.core.store.CertificateInstallation;
import io.github.jamessmime.core.store.CertificateRules;
import io.github.jamessmime.core.store.KeyType;
import io.github.jamessmime.core.store.PendingKeys;
import io.github.jamessmime.core.store.StoreException;

/**
 * Certificates whose keys never leave this server, over WebAdmin: a request makes the sender's key where it will sign
 * (the store's {@code .pending/} directory, or the PKCS#11 token) and answers its PKCS#10 request for the CA; the CA's
 * certificate is then put with that key.
 * <pre>
 * POST   /smime/requests                      JSON {"addresses":["a@x.example"],"keyType":"rsa-2048","replace":false}
 *                                             (keyType, replace optional), or {"renew":true,"keyType":…}: every sender
 *                                             expiring within health.expiryWarningDays without a pending request;
 *                                             201 [{"address","keyType","created","source","csr"}] (200 [] when renew
 *                                             finds none); 400, 409 when one is pending already (nothing made)
 * GET    /smime/requests                      200 [{"address","keyType","created","ageDays","source"}]
 * GET    /smime/requests/{address}            200 {…, "csr"}, or 404
 * DELETE /smime/requests/{address}            the pending key is discarded; 204, or 404
 * PUT    /smime/requests/{address}/certificate  body: the CA's certificate (PEM, DER or PKCS#7, optionally with its chain,
 *                                             Content-Length at most 256 KiB); 201 {"address","file","sha256","notBefore",
 *                                             "notAfter","staged"}; 404 nothing pending, 400 refused, 413, 411, 415
 * </pre>
 * State-changing requests take only a JSON or certificate Content-Type and refuse what a browser marks as cross-site
 * (see {@link CrossSiteGuard}). A certificate installed takes effect on this node at once (or at its notBefore), and on
 * nodes sharing the store at their next directory check.
 */
public class RequestRoutes implements Routes {
    public static final String BASE_PATH = "/smime/requests";
    static final String CERTIFICATE = "/certificate";
    /** More addresses in one POST is no longer an operator's batch: each costs a key generation on this node. */
    static final int MAX_ADDRESSES = 100;
    static final Set<String> JSON_TYPES = Set.of("application/json");
    /** In the order a refusal names them: PEM first, as most CAs deliver. */
    static final Set<String> CERTIFICATE_TYPES = Collections.unmodifiableSet(new LinkedHashSet<>(List.of(
        "application/pem-certificate-chain", "application/x-pem-file", "application/pkix-cert", "application/pkcs7-mime")));
    private static final Logger LOGGER = LoggerFactory.getLogger(RequestRoutes.class);
    private static final String JSON = "application/json";

    private final SmimeSigningService service;
    private final JsonTransformer jsonTransformer;
    private final JsonExtractor<CertificateRequestBody> jsonExtractor = new JsonExtractor<>(CertificateRequestBody.class);

    /** As James builds it: also puts {@link RequestBodyGuard} in front of WebAdmin (once, whichever route class comes first). */
    @Inject
    public RequestRoutes(SmimeSigningService service, JsonTransformer jsonTransformer, AuthenticationFilter authentication) {
        this(service, jsonTransformer);
        RequestBodyGuard.install(authentication instanceof JwtFilter);
    }

    public RequestRoutes(SmimeSigningService service, JsonTransformer jsonTransformer) {
        this.service = service;
        this.jsonTransformer = jsonTransformer;
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    @Override
    public void define(Service spark) {
        spark.post(BASE_PATH, this::create, jsonTransformer);
        spark.get(BASE_PATH, this::list, jsonTransformer);
        spark.get(BASE_PATH + "/:address", this::show, jsonTransformer);
        spark.delete(BASE_PATH + "/:address", this::delete);
        spark.put(BASE_PATH + "/:address" + CERTIFICATE, this::install, jsonTransformer);
        // a DER certificate sent as a form (curl --data-binary without -H) gets the 415 of any other Content-Type
        UnreadableBody.register(spark);
    }

    /** Whether {@code path} is {@code /smime/requests/{address}/certificate}. */
    static boolean isCertificatePath(String path) {
        if (path == null || !path.startsWith(BASE_PATH + "/") || !path.endsWith(CERTIFICATE)) {
            return false;
        }
        String address = path.substring(BASE_PATH.length() + 1, path.length() - CERTIFICATE.length());
        return !address.isEmpty() && !address.contains("/");
    }

    private List<PendingRequestDto> create(Request request, Response response) {
        CrossSiteGuard.requireContentType(request, JSON_TYPES);
        CertificateRequestBody body = parse(request);
        KeyType type = keyType(body.keyType());
        CertificateRequests requests = service.requests();
        List<CertificateRequests.Request> made = new ArrayList<>();
        try {
            if (body.renew()) {
                if (!body.addresses().isEmpty()) {
                    throw WebAdminErrors.badRequest("give either 'addresses' or \"renew\": true, not both");
                }
                if (body.replace()) {
                    throw WebAdminErrors.badRequest("'replace' does not go with 'renew': a renewal is requested only for senders without a"
                        + " pending request");
                }
                made.addAll(requests.renew(service.expiryWarning(), type));
            } else {
                List<String> addresses = addresses(body.addresses());
                if (!body.replace()) {
                    refusePending(requests.pending(), addresses);
                }
                for (String address : addresses) {
                    made.add(requests.request(address, type, body.replace()));
                }
            }
        } catch (StoreException e) {
            throw WebAdminErrors.failure(e.kind(), e.getMessage() + (made.isEmpty() ? "" : "; requests made before this one: "
                + made.stream().map(done -> done.pending().address()).collect(Collectors.joining(", ")) + " (GET " + BASE_PATH + ")"));
        }
        made.forEach(done -> LOGGER.info("S/MIME: certificate request made for {} ({}, {})", done.pending().address(),
            done.pending().keyType(), done.pending().source()));
        response.status(made.isEmpty() ? HttpStatus.OK_200 : HttpStatus.CREATED_201);
        response.type(JSON);
        return made.stream().map(PendingRequestDto::made).collect(Collectors.toList());
    }

    private CertificateRequestBody parse(Request request) {
        try {
            return jsonExtractor.parse(request.body());
        } catch (JsonExtractException e) {
            throw WebAdminErrors.badRequest("the body is not a certificate request (" + firstLine(e.getMessage())
                + "); send {\"addresses\":[\"sender@example.com\"],\"keyType\":\"" + KeyType.DEFAULT + "\"} or {\"renew\":true}");
        }
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    private static KeyType keyType(Optional<String> value) {
        if (value.isEmpty()) {
            return KeyType.DEFAULT;
        }
        try {
            return KeyType.parse(value.get());
        } catch (IllegalArgumentException e) {
            throw WebAdminErrors.badRequest("'keyType' " + e.getMessage());
        }
    }

    /** Every address checked before any key is made, each once: a refused address makes nothing. */
    private static List<String> addresses(List<String> values) throws StoreException {
        if (values.isEmpty()) {
            throw WebAdminErrors.badRequest("'addresses' is missing: give the sender addresses to request certificates for, or"
                + " \"renew\": true");
        }
        if (values.size() > MAX_ADDRESSES) {
            throw WebAdminErrors.badRequest("'addresses' holds " + values.size() + " addresses; give at most " + MAX_ADDRESSES
                + " per request");
        }
        Set<String> addresses = new LinkedHashSet<>();
        for (String value : values) {
            if (value == null || !value.contains("@")) {
                throw WebAdminErrors.badRequest("'" + printable(value) + "' in 'addresses' is not a mail address");
            }
            addresses.add(CertificateRules.senderAddress(value, "in 'addresses'", "give the sender address the certificate is for"));
        }
        return new ArrayList<>(addresses);
    }

    /** 409 for the first address with a pending request, before anything is made. */
    private static void refusePending(List<PendingKeys.Pending> pending, List<String> addresses) {
        for (String address : addresses) {
            Optional<PendingKeys.Pending> existing = pending.stream().filter(key -> key.address().equalsIgnoreCase(address)).findFirst();
            if (existing.isPresent()) {
                throw WebAdminErrors.failure(FailureKind.PENDING, "a request for " + address + " is pending since "
                    + existing.get().created() + " (" + existing.get().keyType() + ", " + existing.get().source() + "); install its"
                    + " certificate (PUT " + BASE_PATH + "/" + address + CERTIFICATE + "), or send \"replace\": true to make a new key"
                    + " (the pending one is then discarded); nothing was requested");
            }
        }
    }

    private List<PendingRequestDto> list(Request request, Response response) {
        try {
            List<PendingKeys.Pending> pending = service.requests().pending();
            response.type(JSON);
            return pending.stream().map(key -> PendingRequestDto.listed(key, service.now())).collect(Collectors.toList());
        } catch (StoreException e) {
            throw WebAdminErrors.failure(e.kind(), e.getMessage());
        }
    }

    private PendingRequestDto show(Request request, Response response) {
        String address = address(request);
        try {
            CertificateRequests.Request pending = service.requests().pendingRequest(address)
                .orElseThrow(() -> WebAdminErrors.notFound("no request is pending for " + address));
            response.type(JSON);
            return PendingRequestDto.shown(pending, service.now());
        } catch (StoreException e) {
            throw WebAdminErrors.failure(e.kind(), e.getMessage());
        }
    }

    private String delete(Request request, Response response) {
        CrossSiteGuard.refuseCrossSite(request);
        String address = address(request);
        boolean deleted;
        try {
            deleted = service.requests().delete(address);
        } catch (StoreException e) {
            throw WebAdminErrors.failure(e.kind(), e.getMessage());
        }
        if (!deleted) {
            throw WebAdminErrors.notFound("no request is pending for " + address);
        }
        LOGGER.info("S/MIME: the pending certificate request of {} was discarded, with its key", address);
        response.status(HttpStatus.NO_CONTENT_204);
        return "";
    }

    private InstalledCertificateDto install(Request request, Response response) {
        CrossSiteGuard.requireContentType(request, CERTIFICATE_TYPES);
        String address = address(request);
        byte[] body = BoundedBody.read(request, CertificateInput.MAX_BYTES, "the certificate", "a certificate with its chain needs");
        CertificateInstallation.Installed installed;
        try {
            installed = service.requests().install(body, Optional.of(address));
        } catch (StoreException e) {
            throw WebAdminErrors.failure(e.kind(), "refused: " + e.getMessage());
        }
        LOGGER.info("S/MIME: the CA's certificate for {} is installed as {} (SHA-256 {}{})", installed.address(), installed.source(),
            installed.identity().fingerprint(), installed.staged() ? ", used from " + installed.identity().notBefore() : "");
        response.status(HttpStatus.CREATED_201);
        response.type(JSON);
        return new InstalledCertificateDto(installed);
    }

    private static String address(Request request) {
        return WebAdminErrors.addressKey(request.params("address"));
    }

    /** What the client sent, quoted in a refusal of one line: control characters (a decoded %0A) are not. */
    private static String printable(String value) {
        return String.valueOf(value).replaceAll("\\p{Cntrl}", "?");
    }
}
