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
package io.github.jamessmime.core.signing;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a signed message is dated: whether its signature carries the signing time, and whether a {@code Date} is added.
 *
 * <p>Mail clients compare the two. Thunderbird (comm-central {@code mailnews/mime/src/mimecms.cpp},
 * {@code nsSMimeVerificationListener::Notify}) calls a signature with a signing time invalid ("Digital Signature Is
 * Not Valid", status 1041, {@code VERIFY_TIME_MISMATCH}) when the message's {@code Date} is missing, does not parse, or
 * lies more than one hour from the signing time. Archived mail resent days later, mail submitted without
 * {@code Date} and mail whose {@code Date} was stamped long before it reached James all meet that rule, although their
 * signatures are good. So:
 * <ul>
 * <li>one {@code Date} in RFC 5322 form within {@link #MARGIN} of now: kept, and the signature carries the signing
 *     time ({@link Kind#SIGNING_TIME});</li>
 * <li>no {@code Date}: the signed message gets one, the signing time, as a message submission agent may add it
 *     (RFC 6409 8.2), and the signature carries that time ({@link Kind#DATE_ADDED});</li>
 * <li>a {@code Date} further from now, one this rule cannot read exactly as every client does, or more than one: kept as
 *     the sender wrote it, and the signature carries no signing time, which RFC 8551 2.5.1 recommends but does not require
 *     ({@link Kind#SIGNING_TIME_OMITTED}).</li>
 * </ul>
 * The signing time, when there is one, is always the time of signing, never another: verifiers check the certificate
 * at that time, and a renewed certificate was not valid in the past.
 *
 * <p>The margin stays inside Thunderbird's hour by ten minutes: parsers round a {@code Date} without seconds or with a
 * leap second differently by seconds, never by minutes. Clock skew between the sender's application and James is
 * already in the difference measured here, and the recipient's clock plays no part in the comparison.
 */
public final class MessageDate {
    /** How far the {@code Date} may be from the signing time for the signature to carry it. */
    public static final Duration MARGIN = Duration.ofMinutes(50);

    private static final DateTimeFormatter RFC_5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
    private static final String[] MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    /**
     * RFC 5322 3.3 date-time as clients read it alike: an optional day name, day, month name, four-digit year, time with
     * or without seconds, and a numeric zone or {@code GMT}/{@code UT}, separated by spaces and tabs only; then at most one
     * comment of letters, digits, spaces, dots, slashes and underscores (as javax.mail writes {@code (UTC)}). Obsolete zone
     * names, two-digit years and anything after the zone that a lenient parser might read as a time or an offset (NSPR
     * reads {@code GMT (+0200)} as two hours east; a colon, a sign, nested parentheses) are not accepted.
     */
    private static final Pattern DATE_TIME = Pattern.compile(
        "(?:(?i:mon|tue|wed|thu|fri|sat|sun)[ \\t]*,[ \\t]*)?"
            + "(\\d{1,2})[ \\t]+([A-Za-z]{3})[ \\t]+(\\d{4})[ \\t]+"
            + "(\\d{2}):(\\d{2})(?::(\\d{2}))?[ \\t]+"
            + "(?:([+-])(\\d{2})(\\d{2})|(?i:gmt|ut))"
            + "(?:[ \\t]*\\([A-Za-z0-9 ._/]*\\))?");

    /** What the rule decided for one message. */
    public enum Kind {
        /** The message's {@code Date} is close to now: the signature carries the signing time. */
        SIGNING_TIME,
        /** The message had no {@code Date}: one was added, and the signature carries the same time. */
        DATE_ADDED,
        /** The message's {@code Date} is far from now, cannot be read alike everywhere, or is not single: no signing time. */
        SIGNING_TIME_OMITTED
    }

    private final Kind kind;
    private final String reason;
    private final Optional<String> addedLine;

    private MessageDate(Kind kind, String reason, Optional<String> addedLine) {
        this.kind = kind;
        this.reason = reason;
        this.addedLine = addedLine;
    }

    /**
     * The rule for a message whose outer header lines are {@code headerLines} (as they leave, folded or not), signed at
     * {@code signingTime}.
     */
    static MessageDate of(List<String> headerLines, Instant signingTime) {
        List<String> dates = new ArrayList<>();
        for (String line : headerLines) {
            if (HeaderForm.name(line).equals("date")) {
                dates.add(line.substring(line.indexOf(':') + 1));
            }
        }
        if (dates.isEmpty()) {
            String line = "Date: " + RFC_5322.format(signingTime.atZone(ZoneOffset.UTC));
            return new MessageDate(Kind.DATE_ADDED, "the message had no Date; " + line + " added, the signing time",
                Optional.of(line));
        }
        if (dates.size() > 1) {
            return omitted("the message has " + dates.size() + " Date fields");
        }
        String value = HeaderForm.unfold(dates.get(0)).trim();
        Optional<Instant> date = parse(value);
        if (date.isEmpty()) {
            return omitted("its Date '" + HeaderForm.excerpt(value, 80) + "' is not an RFC 5322 date-time that every client reads alike");
        }
        Duration distance = Duration.between(date.get(), signingTime).abs();
        if (distance.compareTo(MARGIN) > 0) {
            return omitted("its Date " + date.get() + " is " + describe(distance) + " from the signing time " + signingTime
                + " (a resent or delayed message)");
        }
        return new MessageDate(Kind.SIGNING_TIME, "the Date is " + describe(distance) + " from the signing time", Optional.empty());
    }

    private static MessageDate omitted(String why) {
        return new MessageDate(Kind.SIGNING_TIME_OMITTED, "signed without signing time: " + why
            + "; clients compare the two and would call the signature invalid", Optional.empty());
    }

    /** The instant of an RFC 5322 date-time in the form {@link #DATE_TIME} accepts, or empty. */
    static Optional<Instant> parse(String value) {
        Matcher matcher = DATE_TIME.matcher(value.trim());
        if (!matcher.matches()) {
            return Optional.empty();
        }
        int month = month(matcher.group(2));
        if (month < 0) {
            return Optional.empty();
        }
        try {
            int offsetMinutes = 0;
            if (matcher.group(7) != null) {
                int hours = Integer.parseInt(matcher.group(8));
                int minutes = Integer.parseInt(matcher.group(9));
                if (minutes > 59) {
                    return Optional.empty();
                }
                offsetMinutes = (matcher.group(7).equals("-") ? -1 : 1) * (hours * 60 + minutes);
            }
            LocalDateTime local = LocalDateTime.of(Integer.parseInt(matcher.group(3)), month + 1, Integer.parseInt(matcher.group(1)),
                Integer.parseInt(matcher.group(4)), Integer.parseInt(matcher.group(5)),
                matcher.group(6) == null ? 0 : Integer.parseInt(matcher.group(6)));
            return Optional.of(ZonedDateTime.of(local, ZoneOffset.ofTotalSeconds(offsetMinutes * 60)).toInstant());
        } catch (DateTimeException e) {
            return Optional.empty(); // 31 February, 24:00, second 60, a zone beyond 18 hours
        }
    }

    private static int month(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (int i = 0; i < MONTHS.length; i++) {
            if (MONTHS[i].equals(lower)) {
                return i;
            }
        }
        return -1;
    }

    private static String describe(Duration distance) {
        long minutes = distance.toMinutes();
        if (minutes < 120) {
            return minutes + " min";
        }
        long hours = distance.toHours();
        return hours < 48 ? hours + " h" : distance.toDays() + " days";
    }

    public Kind kind() {
        return kind;
    }

    /** Whether the signature carries the signing time. */
    public boolean carriesSigningTime() {
        return kind != Kind.SIGNING_TIME_OMITTED;
    }

    /** One line: what was decided and why. */
    public String reason() {
        return reason;
    }

    /** The {@code Date} header line the signed message gets, when it had none. */
    Optional<String> addedLine() {
        return addedLine;
    }

    @Override
    public String toString() {
        return kind + ": " + reason;
    }
}
