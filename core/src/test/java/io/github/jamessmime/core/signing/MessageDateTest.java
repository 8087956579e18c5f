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

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.jamessmime.testing.ThunderbirdRules;

class MessageDateTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");

    static MessageDate dating(String... lines) {
        return MessageDate.of(List.of(lines), NOW);
    }

    @Test
    void dateCloseToNowShouldKeepTheSigningTime() {
        MessageDate dating = dating("From: billing@shop.example", "Date: Mon, 1 Jun 2026 09:58:00 +0000");

        assertThat(dating.kind()).isEqualTo(MessageDate.Kind.SIGNING_TIME);
        assertThat(dating.carriesSigningTime()).isTrue();
        assertThat(dating.addedLine()).isEmpty();
    }

    @Test
    void missingDateShouldBeAddedAsTheSigningTime() {
        MessageDate dating = dating("From: billing@shop.example", "Subject: Invoice");

        assertThat(dating.kind()).isEqualTo(MessageDate.Kind.DATE_ADDED);
        assertThat(dating.carriesSigningTime()).isTrue();
        assertThat(dating.addedLine()).contains("Date: Mon, 1 Jun 2026 10:00:00 +0000");
        assertThat(MessageDate.parse(dating.addedLine().orElseThrow().substring("Date:".length()))).contains(NOW);
    }

    @Test
    void resendDaysLaterShouldLeaveOutTheSigningTimeAndKeepTheDate() {
        MessageDate dating = dating("Date: Thu, 28 May 2026 08:00:00 +0000");

        assertThat(dating.kind()).isEqualTo(MessageDate.Kind.SIGNING_TIME_OMITTED);
        assertThat(dating.carriesSigningTime()).isFalse();
        assertThat(dating.addedLine()).isEmpty();
        assertThat(dating.reason()).contains("4 days").contains("2026-05-28T08:00:00Z");
    }

    @Test
    void dateTwoHoursOldShouldLeaveOutTheSigningTime() {
        assertThat(dating("Date: Mon, 1 Jun 2026 08:00:00 +0000").kind()).isEqualTo(MessageDate.Kind.SIGNING_TIME_OMITTED);
    }

    @Test
    void dateInTheFutureShouldLeaveOutTheSigningTime() {
        assertThat(dating("Date: Mon, 1 Jun 2026 11:00:01 +0000").kind()).isEqualTo(MessageDate.Kind.SIGNING_TIME_OMITTED);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Mon, 1 Jun 2026 09:10:00 +0000|SIGNING_TIME",
        "Mon, 1 Jun 2026 09:09:59 +0000|SIGNING_TIME_OMITTED",
        "Mon, 1 Jun 2026 10:50:00 +0000|SIGNING_TIME",
        "Mon, 1 Jun 2026 10:50:01 +0000|SIGNING_TIME_OMITTED",
    })
    void marginShouldBeFiftyMinutesEitherWay(String date, MessageDate.Kind expected) {
        assertThat(dating("Date: " + date).kind()).isEqualTo(expected);
    }

    @Test
    void twoDateFieldsShouldLeaveOutTheSigningTime() {
        MessageDate dating = dating("Date: Mon, 1 Jun 2026 09:58:00 +0000", "Date: Mon, 1 Jun 2026 09:59:00 +0000");

        assertThat(dating.kind()).isEqualTo(MessageDate.Kind.SIGNING_TIME_OMITTED);
        assertThat(dating.reason()).contains("2 Date fields");
    }

    @Test
    void foldedDateShouldBeRead() {
        assertThat(dating("Date: Mon, 1 Jun 2026\r\n 09:58:00 +0000").kind()).isEqualTo(MessageDate.Kind.SIGNING_TIME);
    }

    @Test
    void headerNameShouldMatchInAnyCase() {
        assertThat(dating("DATE: Mon, 1 Jun 2026 09:58:00 +0000").kind()).isEqualTo(MessageDate.Kind.SIGNING_TIME);
        assertThat(dating("X-Original-Date: Mon, 1 Jun 2026 09:58:00 +0000").kind()).isEqualTo(MessageDate.Kind.DATE_ADDED);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "yesterday",
        "2026-06-01T09:58:00Z",
        "Mon, 1 Jun 26 09:58:00 +0000",
        "Mon, 1 Jun 2026 09:58:00 EST",
        "Mon, 1 Jun 2026 09:58:00 +01:00",
        "Mon, 1 Jun 2026 09:58:00",
        "Mon, 31 Jun 2026 09:58:00 +0000",
        "Mon, 1 Jun 2026 09:58:60 +0000",
        "Mon, 1 Jun 2026 24:00:00 +0000",
        "Mon, 1 Jun 2026 09:58:00 +0000 (12:00 here)",
        "Mon, 1 Jun 2026 09:58:00 +0000 (a (nested) comment)",
        "Mon, 1 Juni 2026 09:58:00 +0000",
        "Mon, 1 Jun 2026 09:58:00 +2500",
        "Mon, 1 Jun 2026 09:58:00 GMT (+0200)",
        "Mon, 1 Jun 2026 09:58:00 UT (-0500)",
        "Mon, 1 Jun 2026 09:58:00 GMT (UTC+2)",
        "Mon, 1 Jun 2026 09:58:00 GMT (CET-1)",
        "Mon, 1 Jun 2026 09:58:00 +0000 (UTC+2)",
        "Mon, 1 Jun 2026\f09:58:00 +0000",
        "Mon, 1\u000BJun 2026 09:58:00 +0000",
    })
    void dateNotEveryClientReadsAlikeShouldLeaveOutTheSigningTime(String date) {
        MessageDate dating = dating("Date: " + date);

        assertThat(dating.kind()).as(date).isEqualTo(MessageDate.Kind.SIGNING_TIME_OMITTED);
        assertThat(dating.reason()).contains("not an RFC 5322 date-time");
    }

    /**
     * Every form the rule reads gives the instant NSPR's {@code PR_ParseTimeString} (Thunderbird's parser, mimecms.cpp)
     * gives, to the minute: NSPR reads a time without seconds some seconds off, never more.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "Mon, 1 Jun 2026 09:58:00 +0000",
        "Mon, 01 Jun 2026 09:58:00 +0000",
        "1 Jun 2026 09:58:00 +0000",
        "mon, 1 jun 2026 09:58:00 gmt",
        "Mon, 1 Jun 2026 09:58:00 UT",
        "Mon, 1 Jun 2026 11:58:00 +0200 (CEST)",
        "Mon, 1 Jun 2026 02:58:00 -0700 (PDT)",
        "Mon, 1 Jun 2026 05:28:00 -0430",
        "Mon, 1 Jun 2026 15:43:00 +0545",
        "Mon, 1 Jun 2026 09:58:00 -0000",
        "Mon, 1 Jun 2026 09:58 +0000",
        "Mon , 1 Jun 2026 09:58:00 +0000",
        "Mon, 1 Jun 2026 09:58:00 +0000 (UTC)",
        "Sun, 31 May 2026 23:59:59 +0000",
        "Tue, 29 Feb 2028 12:00:00 +0000",
        "Fri, 1 Jan 2027 00:00:00 +1400",
        "Wed, 31 Dec 2025 23:00:00 -1200",
        "Mon, 1 Jun 2026 09:58:00 +0000 (Coordinated Universal Time)",
        "Mon, 1 Jun 2026 09:58:00\t+0000",
        "Mon, 1 Jun 2026 09:58:00 GMT (Europe/London)",
        "Mon, 1 Jun 2026 10:58:00 +0100 (GMT.1)",
    })
    void everyDateTheRuleReadsShouldGiveTheInstantThunderbirdReads(String date) throws Exception {
        Optional<Instant> ours = MessageDate.parse(date);
        Optional<Long> nspr = ThunderbirdRules.nsprDate(date);

        assertThat(ours).as("read by the rule: %s", date).isPresent();
        assertThat(nspr).as("read by NSPR: %s", date).isPresent();
        assertThat(Math.abs(nspr.get() - ours.get().getEpochSecond())).as("%s: NSPR %s, rule %s", date, nspr.get(), ours.get())
            .isLessThan(60);
    }
}
