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
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import javax.inject.Inject;
import javax.mail.internet.AddressException;

import org.apache.james.core.MailAddress;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.mailetcontainer.api.MailProcessor;
import org.apache.james.mailetcontainer.lib.AbstractStateCompositeProcessor;
import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepository;
import org.apache.james.mailrepository.api.MailRepositoryPath;
import org.apache.james.mailrepository.api.MailRepositoryStore;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.JsonExtractException;
import org.apache.james.webadmin.utils.JsonExtractor;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.apache.mailet.Mail;
import org.eclipse.jetty.http.HttpStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import spark.Request;
import spark.Response;
import spark.Service;

/**
 * Resends a stored mail (typically the unsigned original in the archive) to new recipients: a copy with the
 * given recipients is put into the spool in the given processor (by default {@code sign}, so it is signed
 * afresh and not archived again). The stored mail is left as it is. James's own reprocessing keeps the
 * original recipients; this is what an operator needs to send an invoice again to another address.
 *
 * <pre>
 * POST /smime/resend   Content-Type: application/json
 * {"repository":"var/mail/relay-archive","key":"KEY","recipients":["a@x.example"],"processor":"sign"}
 * 201 {"repository":"var/mail/relay-archive","key":"KEY","processor":"sign","recipients":["a@x.example"]}
 * </pre>
 * Only a JSON body is accepted (415 otherwise), so that no web page can make a browser send it from another site
 * without a CORS preflight (see {@link CrossSiteGuard}).
 * Registered through {@code webadmin.properties}: {@code extensions.routes=io.github.jamessmime.webadmin.ResendRoutes}.
 */
public class ResendRoutes implements Routes {
    public static final String BASE_PATH = "/smime/resend";
    public static final String DEFAULT_PROCESSOR = "sign";
    private static final Logger LOGGER = LoggerFactory.getLogger(ResendRoutes.class);

    private final MailRepositoryStore repositories;
    private final MailQueueFactory<?> queues;
    private final JsonTransformer jsonTransformer;
    private final JsonExtractor<ResendRequest> jsonExtractor = new JsonExtractor<>(ResendRequest.class);

    private final MailProcessor processors;

    @Inject
    public ResendRoutes(MailRepositoryStore repositories, MailQueueFactory<?> queues, JsonTransformer jsonTransformer,
                        MailProcessor processors) {
        this.repositories = repositories;
        this.queues = queues;
        this.jsonTransformer = jsonTransformer;
        this.processors = processors;
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    @Override
    public void define(Service service) {
        service.post(BASE_PATH, this::resend, jsonTransformer);
    }

    private ResendResult resend(Request request, Response response) throws Exception {
        CrossSiteGuard.requireContentType(request, Set.of("application/json"));
        ResendRequest body = parse(request);
        String repository = required(body.repository(), "repository");
        String key = required(body.key(), "key");
        String processor = body.processor().orElse(DEFAULT_PROCESSOR);
        checkProcessor(processor);
        List<MailAddress> recipients = recipients(body.recipients());

        Mail stored = find(MailRepositoryPath.from(repository), new MailKey(key));
        Mail copy = stored.duplicate();
        try {
            // a new mail under its own name: two resends of one key must not overwrite each other in a repository
            copy.setName(key + "-resend-" + UUID.randomUUID());
            copy.setRecipients(recipients);
            copy.setState(processor);
            MailQueue spool = queues.getQueue(MailQueueFactory.SPOOL)
                .orElseThrow(() -> new IllegalStateException("James has no spool queue"));
            spool.enQueue(copy);
        } finally {
            // the queue holds its own copy; release what the repository and duplicate() opened
            LifecycleUtil.dispose(copy);
            LifecycleUtil.dispose(stored);
        }
        LOGGER.info("Mail {} of {} resent to {} through processor {} (as mail {})", key, repository, recipients, processor, copy.getName());

        response.status(HttpStatus.CREATED_201);
        return new ResendResult(repository, key, processor, recipients.stream().map(MailAddress::asString).collect(Collectors.toList()));
    }

    private ResendRequest parse(Request request) {
        try {
            return jsonExtractor.parse(request.body());
        } catch (JsonExtractException e) {
            throw WebAdminErrors.badRequest("the body is not a resend request (" + e.getMessage().lines().findFirst().orElse("")
                + "); send {\"repository\":...,\"key\":...,\"recipients\":[...]}");
        }
    }

    /** A processor mailetcontainer.xml does not declare would bounce the copy: refused with the known ones. */
    private void checkProcessor(String processor) {
        if (processors instanceof AbstractStateCompositeProcessor) {
            List<String> states = List.of(((AbstractStateCompositeProcessor) processors).getProcessorStates());
            if (!states.contains(processor)) {
                throw WebAdminErrors.badRequest("'processor' " + processor + " is not a processor of mailetcontainer.xml (" + String.join(", ", states)
                    + "); resend into " + DEFAULT_PROCESSOR + " to have the mail signed afresh");
            }
        }
    }

    private Mail find(MailRepositoryPath path, MailKey key) throws Exception {
        List<MailRepository> candidates = repositories.getByPath(path).collect(Collectors.toList());
        if (candidates.isEmpty()) {
            throw WebAdminErrors.notFound("no mail repository " + path.asString());
        }
        for (MailRepository repository : candidates) {
            Mail mail = repository.retrieve(key);
            if (mail != null) {
                return mail;
            }
        }
        throw WebAdminErrors.notFound("no mail " + key.asString() + " in " + path.asString());
    }

    private static List<MailAddress> recipients(List<String> values) {
        if (values.isEmpty()) {
            throw WebAdminErrors.badRequest("'recipients' is missing: give one or more recipient addresses");
        }
        List<MailAddress> recipients = new ArrayList<>();
        for (String value : values) {
            try {
                recipients.add(new MailAddress(value));
            } catch (AddressException | RuntimeException e) {
                throw WebAdminErrors.badRequest("'recipients' " + value + " is not a mail address");
            }
        }
        return recipients;
    }

    private static String required(String value, String name) {
        if (value == null || value.isBlank()) {
            throw WebAdminErrors.badRequest("'" + name + "' is missing");
        }
        return value;
    }
}
