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
package io.github.jamessmime.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordingFile;

/** The hottest methods of a JFR recording's execution samples: by self time and by total (inclusive) time. */
public final class JfrSummary {
    private JfrSummary() {
    }

    /** {@code JfrSummary recording.jfr [top]}: prints the summary of any recording. */
    public static void main(String[] args) throws IOException {
        summarize(Path.of(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 25).forEach(System.out::println);
    }

    static List<String> summarize(Path recording, int top) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        int samples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
                continue;
            }
            List<RecordedFrame> frames = event.getStackTrace().getFrames();
            if (frames.isEmpty()) {
                continue;
            }
            samples++;
            self.merge(name(frames.get(0).getMethod()), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame frame : frames) {
                String name = name(frame.getMethod());
                if (!plumbing(name) && seen.add(name)) {
                    total.merge(name, 1, Integer::sum);
                }
            }
        }
        List<String> rows = new ArrayList<>();
        rows.add(samples + " execution samples");
        rows.add("");
        rows.add("self %  method (top of stack)");
        rows.addAll(top(self, samples, top));
        rows.add("");
        rows.add("total % method (anywhere on the stack; stream, thread-pool and reflection frames left out)");
        rows.addAll(top(total, samples, top));
        return rows;
    }

    /** Frames on every stack that say nothing about where the time goes. */
    private static boolean plumbing(String name) {
        return name.startsWith("java.util.stream.") || name.startsWith("java.util.concurrent.")
            || name.startsWith("java.lang.Thread.") || name.startsWith("jdk.internal.reflect.")
            || name.startsWith("java.lang.reflect.") || name.contains("$$Lambda") || name.contains(".lambda$")
            || name.startsWith("java.util.ArrayList$ArrayListSpliterator") || name.contains(".jmh_generated.")
            || name.startsWith("org.openjdk.jmh.");
    }

    private static List<String> top(Map<String, Integer> counts, int samples, int top) {
        List<String> rows = new ArrayList<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
            .forEach(e -> rows.add(String.format(Locale.ROOT, "%6.1f  %s", 100.0 * e.getValue() / samples, e.getKey())));
        return rows;
    }

    private static String name(RecordedMethod method) {
        return method.getType().getName() + "." + method.getName();
    }
}
