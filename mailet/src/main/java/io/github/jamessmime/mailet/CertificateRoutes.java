package io.github.jamessmime.mailet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.eclipse.jetty.http.HttpStatus;

import io.github.jamessmime.core.Addresses;
import io.github.jamessmime.core.CertificateStore;
import io.github.jamessmime.core.SigningIdentity;
import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.core.StoreException;
import spark.Request;
import spark.Response;
import spark.Service;

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
    static final Set<String> UPLOAD_TYPES = Set.of("application/x-pkcs12", "application/octet-stream");

    private final SmimeSigningService service;

    @Inject
    public CertificateRoutes(SmimeSigningService service) {
        this.service = service;
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    @Override
    public void define(Service spark) {
        spark.get(BASE_PATH, (request, response) -> json(response, entries(null)));
        spark.get(BASE_PATH + "/:address", this::show);
        spark.post(BASE_PATH, this::upload);
        spark.delete(BASE_PATH + "/:sha256", this::delete);
    }

    private String show(Request request, Response response) {
        String address = Addresses.normalize(request.params("address"))
            .orElseThrow(() -> error(HttpStatus.BAD_REQUEST_400, ErrorResponder.ErrorType.INVALID_ARGUMENT,
                "'" + request.params("address") + "' is not a mail address"));
        List<String> entries = entries(address);
        if (entries.isEmpty()) {
            throw error(HttpStatus.NOT_FOUND_404, ErrorResponder.ErrorType.NOT_FOUND, "no certificate for " + address);
        }
        return json(response, entries);
    }

    private String upload(Request request, Response response) {
        CrossSiteGuard.requireContentType(request, UPLOAD_TYPES);
        String password = request.headers(PASSWORD_HEADER);
        if (password == null) {
            throw error(HttpStatus.BAD_REQUEST_400, ErrorResponder.ErrorType.INVALID_ARGUMENT,
                "the " + PASSWORD_HEADER + " header (the password of the uploaded PKCS#12) is missing");
        }
        byte[] body = boundedBody(request);
        if (body.length == 0) {
            throw error(HttpStatus.BAD_REQUEST_400, ErrorResponder.ErrorType.INVALID_ARGUMENT, "the body must be the PKCS#12 file");
        }
        try {
            List<Path> written = service.importCertificate(body, password.toCharArray());
            response.status(HttpStatus.CREATED_201);
            response.type("application/json");
            return "{\"imported\":[" + written.stream().map(file -> Json.string(file.getFileName().toString()))
                .collect(Collectors.joining(",")) + "]}";
        } catch (StoreException e) {
            throw error(HttpStatus.BAD_REQUEST_400, ErrorResponder.ErrorType.INVALID_ARGUMENT, "refused: " + e.getMessage());
        }
    }

    /** The body, read only when it is at most {@link #MAX_UPLOAD_BYTES} (413 otherwise, before reading more). */
    private static byte[] boundedBody(Request request) {
        long declared = request.raw().getContentLengthLong();
        if (declared < 0) {
            // chunked: James 3.8.1's request logger has read it already, out of this route's sight
            throw error(HttpStatus.LENGTH_REQUIRED_411, ErrorResponder.ErrorType.INVALID_ARGUMENT,
                "send the PKCS#12 with a Content-Length (at most " + MAX_UPLOAD_BYTES + " bytes), not chunked");
        }
        if (declared > MAX_UPLOAD_BYTES) {
            throw tooLarge(declared + " bytes");
        }
        try (InputStream in = request.raw().getInputStream()) {
            byte[] body = in.readNBytes(MAX_UPLOAD_BYTES + 1);
            if (body.length > MAX_UPLOAD_BYTES) {
                throw tooLarge("more than " + MAX_UPLOAD_BYTES + " bytes");
            }
            return body;
        } catch (IOException e) {
            throw error(HttpStatus.BAD_REQUEST_400, ErrorResponder.ErrorType.INVALID_ARGUMENT, "the body cannot be read (" + e.getMessage() + ")");
        }
    }

    private static RuntimeException tooLarge(String size) {
        return error(HttpStatus.PAYLOAD_TOO_LARGE_413, ErrorResponder.ErrorType.INVALID_ARGUMENT,
            "the upload (" + size + ") is larger than the " + MAX_UPLOAD_BYTES + " bytes a PKCS#12 of one sender needs");
    }

    private String delete(Request request, Response response) {
        CrossSiteGuard.refuseCrossSite(request);
        String sha256 = request.params("sha256").toLowerCase(Locale.ROOT);
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw error(HttpStatus.BAD_REQUEST_400, ErrorResponder.ErrorType.INVALID_ARGUMENT,
                "'" + sha256 + "' is not a SHA-256 fingerprint (64 hex digits)");
        }
        try {
            if (!service.deleteCertificate(sha256)) {
                throw error(HttpStatus.NOT_FOUND_404, ErrorResponder.ErrorType.NOT_FOUND, "no certificate with SHA-256 " + sha256);
            }
        } catch (StoreException e) {
            throw error(HttpStatus.INTERNAL_SERVER_ERROR_500, ErrorResponder.ErrorType.SERVER_ERROR, e.getMessage());
        }
        response.status(HttpStatus.NO_CONTENT_204);
        return "";
    }

    /** One JSON object per certificate (or refused file); only those naming {@code address} when given. */
    private List<String> entries(String address) {
        Instant now = Instant.now();
        List<String> entries = new ArrayList<>();
        for (CertificateStore.FileReport report : service.store().reports()) {
            List<SigningIdentity> identities = report.allIdentities();
            if (identities.isEmpty()) {
                if (address == null) {
                    entries.add("{\"file\":" + Json.string(report.file().getFileName().toString()) + ",\"status\":\"refused\",\"reason\":"
                        + Json.string(report.refusal().orElse("")) + "}");
                }
                continue;
            }
            for (SigningIdentity identity : identities) {
                if (address != null && !identity.addresses().contains(address)) {
                    continue;
                }
                String status = now.isAfter(identity.notAfter()) ? "expired" : now.isBefore(identity.notBefore()) ? "not yet valid" : "valid";
                entries.add("{\"addresses\":[" + identity.addresses().stream().map(Json::string).collect(Collectors.joining(","))
                    + "],\"file\":" + Json.string(report.file().getFileName().toString())
                    + ",\"subject\":" + Json.string(identity.subject())
                    + ",\"issuer\":" + Json.string(identity.issuer())
                    + ",\"serial\":" + Json.string(identity.certificate().getSerialNumber().toString(16))
                    + ",\"notBefore\":" + Json.string(identity.notBefore().toString())
                    + ",\"notAfter\":" + Json.string(identity.notAfter().toString())
                    + ",\"sha256\":" + Json.string(identity.fingerprint())
                    + ",\"status\":" + Json.string(status)
                    + ",\"inUse\":" + identity.addresses().stream()
                        .anyMatch(a -> service.store().find(a).filter(used -> used.fingerprint().equals(identity.fingerprint())).isPresent())
                    + "}");
            }
        }
        return entries;
    }

    private static String json(Response response, List<String> entries) {
        response.type("application/json");
        return new String(("[" + String.join(",", entries) + "]").getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    private static RuntimeException error(int status, ErrorResponder.ErrorType type, String message) {
        return ErrorResponder.builder().statusCode(status).type(type).message(message).haltError();
    }
}
