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

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.authentication.AuthenticationFilter;
import org.apache.james.webadmin.authentication.JwtFilter;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.eclipse.jetty.http.HttpStatus;
import spark.Request;
import spark.Response;
import spark.Service;

import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.core.lifecycle.CertificateAdministration;
import io.github.jamessmime.core.lifecycle.CertificateEntry;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.core.store.StoreException;

/**
 * The certificate store over WebAdmin (JSON, James's status codes and error bodies):
 * <pre>
 * GET    /smime/certificates             every file: address, subject, issuer, serial, validity, SHA-256, status, and
 *                                        inUse (the one James signs with now for one of its addresses)
 * GET    /smime/certificates/{address}   the certificates naming one address (404 if none)
 * POST   /smime/certificates             body: a PKCS#12 (Content-Type application/x-pkcs12, Content-Length at most 1 MiB),
 *                                        header X-P12-Password: its password; 201, or 400 with the reason (413 too large,
 *                                        411 chunked, 415 another Content-Type)
 * DELETE /smime/certificates/{sha256}    removes the file holding that certificate; 204, or 404
 * </pre>
 * A request a browser marks as coming from another site is refused (see {@link CrossSiteGuard}).
 * Changes take effect on this node at once and on nodes sharing the store at their next directory check.
 */
public class CertificateRoutes implements Routes {
    public static final String BASE_PATH = "/smime/certificates";
    public static final String PASSWORD_HEADER = "X-P12-Password";
    /** A PKCS#12 of a key, its certificate and a few intermediates is a few KiB; nothing legitimate comes near this. */
    public static final int MAX_UPLOAD_BYTES = 1024 * 1024;
    /** In the order a refusal names them: the PKCS#12 type first. */
    static final Set<String> UPLOAD_TYPES = Collections.unmodifiableSet(new LinkedHashSet<>(List.of("application/x-pkcs12",
        "application/octet-stream")));

    private final CertificateAdministration administration;
    private final JsonTransformer jsonTransformer;

    /**
     * As James builds it: also puts {@link RequestBodyGuard} in front of WebAdmin, which is being built now and starts
     * after its routes are made.
     */
    @Inject
    public CertificateRoutes(SmimeSigningService service, JsonTransformer jsonTransformer, AuthenticationFilter authentication) {
        this(service, jsonTransformer);
        // James checks tokens when jwt.enabled=true, and then only (a public key may be configured without it)
        RequestBodyGuard.install(authentication instanceof JwtFilter);
    }

    public CertificateRoutes(SmimeSigningService service, JsonTransformer jsonTransformer) {
        this.administration = service.administration();
        this.jsonTransformer = jsonTransformer;
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    @Override
    public void define(Service spark) {
        spark.get(BASE_PATH, this::list, jsonTransformer);
        spark.get(BASE_PATH + "/:address", this::show, jsonTransformer);
        spark.post(BASE_PATH, this::upload, jsonTransformer);
        spark.delete(BASE_PATH + "/:sha256", this::delete);
        // a PKCS#12 sent as a form (curl --data-binary without -H) gets the 415 of any other Content-Type, not James's 500
        UnreadableBody.register(spark);
    }

    private List<CertificateDto> list(Request request, Response response) {
        response.type(JSON);
        return dtos(administration.entries(Optional.empty()));
    }

    private List<CertificateDto> show(Request request, Response response) {
        String address = WebAdminErrors.addressKey(request.params("address"));
        List<CertificateEntry> entries = administration.entries(Optional.of(address));
        if (entries.isEmpty()) {
            throw WebAdminErrors.notFound("no certificate for " + address);
        }
        response.type(JSON);
        return dtos(entries);
    }

    private static List<CertificateDto> dtos(List<CertificateEntry> entries) {
        return entries.stream().map(CertificateDto::new).collect(Collectors.toList());
    }

    private ImportResultDto upload(Request request, Response response) {
        CrossSiteGuard.requireContentType(request, UPLOAD_TYPES);
        String password = request.headers(PASSWORD_HEADER);
        if (password == null) {
            throw WebAdminErrors.badRequest("the " + PASSWORD_HEADER + " header (the password of the uploaded PKCS#12) is missing");
        }
        byte[] body = BoundedBody.read(request, MAX_UPLOAD_BYTES, "the PKCS#12", "a PKCS#12 of one sender needs");
        if (body.length == 0) {
            throw WebAdminErrors.badRequest("the body must be the PKCS#12 file");
        }
        try {
            Map<Path, SigningIdentity> written = administration.importCertificate(body, password.toCharArray());
            response.status(HttpStatus.CREATED_201);
            response.type(JSON);
            return new ImportResultDto(written.keySet().stream().map(file -> file.getFileName().toString()).collect(Collectors.toList()));
        } catch (StoreException e) {
            throw WebAdminErrors.failure(e.kind(), "refused: " + e.getMessage());
        }
    }

    private String delete(Request request, Response response) {
        CrossSiteGuard.refuseCrossSite(request);
        String sha256 = request.params("sha256").toLowerCase(Locale.ROOT);
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw WebAdminErrors.badRequest("'" + sha256 + "' is not a SHA-256 fingerprint (64 hex digits)");
        }
        Optional<Path> deleted;
        try {
            deleted = administration.deleteCertificate(sha256);
        } catch (StoreException e) {
            throw WebAdminErrors.failure(e.kind(), e.getMessage());
        }
        if (deleted.isEmpty()) {
            throw WebAdminErrors.notFound("no certificate with SHA-256 " + sha256);
        }
        response.status(HttpStatus.NO_CONTENT_204);
        return "";
    }

    private static final String JSON = "application/json";
}
