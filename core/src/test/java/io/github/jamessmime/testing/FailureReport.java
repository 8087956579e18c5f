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
package io.github.jamessmime.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Failures of many generated cases, grouped by cause, so that one assertion at the end names every failing case
 * and the causes can be worked through one by one. Thread-safe.
 */
public final class FailureReport {
    private final String what;
    private final Map<String, List<String>> byCause = new TreeMap<>();
    private int count;

    /** @param what what a case is, for the summary ("generated messages") */
    public FailureReport(String what) {
        this.what = what;
    }

    /**
     * @param id     the case, for example {@code seed 42}
     * @param cause  what went wrong, the same text for the same cause (numbers and excerpts belong in detail)
     * @param detail what identifies this occurrence
     */
    public synchronized void add(String id, String cause, String detail) {
        byCause.computeIfAbsent(oneLine(cause), c -> new ArrayList<>()).add(id + ": " + oneLine(detail));
        count++;
    }

    public synchronized boolean isEmpty() {
        return count == 0;
    }

    public synchronized int count() {
        return count;
    }

    /** Every cause with how often it occurred, the cases (the first few with their details). */
    public synchronized String render() {
        StringBuilder text = new StringBuilder();
        text.append(count).append(" failures of ").append(what).append(" in ").append(byCause.size()).append(" groups:\n");
        for (Map.Entry<String, List<String>> cause : byCause.entrySet()) {
            List<String> cases = cause.getValue();
            text.append("\n[").append(cases.size()).append("x] ").append(cause.getKey()).append('\n');
            for (int i = 0; i < cases.size(); i++) {
                if (i < 5) {
                    text.append("    ").append(excerpt(cases.get(i), 400)).append('\n');
                } else {
                    text.append("    and ").append(cases.size() - 5).append(" more: ");
                    for (int j = 5; j < cases.size() && j < 60; j++) {
                        String id = cases.get(j);
                        text.append(j > 5 ? ", " : "").append(id, 0, Math.max(0, id.indexOf(':')));
                    }
                    text.append(cases.size() > 60 ? ", ..." : "").append('\n');
                    break;
                }
            }
        }
        return text.toString();
    }

    public static String oneLine(String text) {
        return String.valueOf(text).replace("\r", "\\r").replace("\n", "\\n");
    }

    public static String excerpt(String text, int length) {
        return text.length() <= length ? text : text.substring(0, length) + "...";
    }
}
