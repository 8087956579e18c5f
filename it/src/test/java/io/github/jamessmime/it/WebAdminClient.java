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
package io.github.jamessmime.it;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The few James WebAdmin calls the tests need (https://james.apache.org/server/manage-webadmin.html). */
final class WebAdminClient {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern JSON_STRING = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final URI base;
    private final Optional<String> token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /** {@code token}: the JWT sent as {@code Authorization: Bearer}, if any. */
    WebAdminClient(String host, int port, Optional<String> token) {
        this.base = URI.create("http://" + host + ":" + port);
        this.token = token;
    }

    void createDomain(String domain) {
        expect(send(request("/domains/" + encode(domain)).PUT(HttpRequest.BodyPublishers.noBody())), 204, "create domain " + domain);
    }

    void createUser(String user, String password) {
        String json = "{\"password\":\"" + password.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        expect(send(request("/users/" + encode(user))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json))), 204, "create user " + user);
    }

    /** Keys of the mails in a repository such as {@code var/mail/relay-archive}. */
    List<String> mailKeys(String repository) {
        HttpResponse<byte[]> response = send(request("/mailRepositories/" + encode(repository) + "/mails").GET());
        expect(response, 200, "list " + repository);
        List<String> keys = new ArrayList<>();
        Matcher matcher = JSON_STRING.matcher(new String(response.body(), StandardCharsets.UTF_8));
        while (matcher.find()) {
            keys.add(matcher.group(1));
        }
        return keys;
    }

    /** The message of a mail in a repository, as stored (message/rfc822). */
    byte[] mailContent(String repository, String key) {
        HttpResponse<byte[]> response = send(request("/mailRepositories/" + encode(repository) + "/mails/" + encode(key))
            .header("Accept", "message/rfc822").GET());
        expect(response, 200, "read " + key + " of " + repository);
        return response.body();
    }

    /**
     * Re-injects a copy of one stored mail into {@code processor} (PATCH ...?action=reprocess&consume=false: the stored
     * mail stays) and waits for the task to end.
     */
    void reprocess(String repository, String key, String processor) {
        HttpResponse<byte[]> response = send(request("/mailRepositories/" + encode(repository) + "/mails/" + encode(key)
            + "?action=reprocess&consume=false&processor=" + encode(processor)).method("PATCH", HttpRequest.BodyPublishers.noBody()));
        expect(response, 201, "reprocess " + key + " of " + repository + " into " + processor);
        Matcher taskId = Pattern.compile("\"taskId\"\\s*:\\s*\"([^\"]+)\"").matcher(new String(response.body(), StandardCharsets.UTF_8));
        if (!taskId.find()) {
            throw new IllegalStateException("WebAdmin: no taskId in " + new String(response.body(), StandardCharsets.UTF_8));
        }
        HttpResponse<byte[]> done = send(request("/tasks/" + taskId.group(1) + "/await").GET());
        expect(done, 200, "await reprocessing task " + taskId.group(1));
        String status = new String(done.body(), StandardCharsets.UTF_8);
        if (!status.contains("\"completed\"")) {
            throw new IllegalStateException("WebAdmin: reprocessing task did not complete: " + status);
        }
    }

    /** GET {@code pathAndQuery}: the status and the body, whatever they are. */
    HttpResponse<byte[]> get(String pathAndQuery) {
        return send(request(pathAndQuery).GET());
    }

    /** POST a PKCS#12 with its password in the X-P12-Password header. */
    HttpResponse<byte[]> upload(String path, byte[] p12, String password) {
        return send(request(path).header("X-P12-Password", password).header("Content-Type", "application/x-pkcs12")
            .POST(HttpRequest.BodyPublishers.ofByteArray(p12)));
    }

    HttpResponse<byte[]> delete(String path) {
        return send(request(path).DELETE());
    }

    /** POST {@code pathAndQuery} with no body: the status and the body, whatever they are. */
    HttpResponse<byte[]> post(String pathAndQuery) {
        return send(request(pathAndQuery).POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** POST a JSON body (Content-Type application/json): the status and the body, whatever they are. */
    HttpResponse<byte[]> postJson(String path, String json) {
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    static String encodeSegment(String segment) {
        return encode(segment);
    }

    /** A request to {@code path}, with the token when there is one (for tests that add their own headers). */
    HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT);
        token.ifPresent(value -> builder.header("Authorization", "Bearer " + value));
        return builder;
    }

    /** Sends a request made with {@link #request(String)}: the status and the body, whatever they are. */
    HttpResponse<byte[]> exchange(HttpRequest.Builder request) {
        return send(request);
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request) {
        HttpRequest built = request.build();
        try {
            return http.send(built, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new IllegalStateException("WebAdmin " + built.method() + " " + built.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    private static void expect(HttpResponse<byte[]> response, int status, String what) {
        if (response.statusCode() != status) {
            throw new IllegalStateException("WebAdmin: " + what + ": expected HTTP " + status + " but got " + response.statusCode()
                + " from " + response.request().method() + " " + response.uri() + ": "
                + new String(response.body(), StandardCharsets.UTF_8));
        }
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
