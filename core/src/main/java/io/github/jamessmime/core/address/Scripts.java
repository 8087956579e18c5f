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
package io.github.jamessmime.core.address;

import java.lang.Character.UnicodeScript;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The script rule against look-alikes: the letters of one local part or one domain label are of one script, or of Latin
 * with the scripts one language writes with it (Japanese, Chinese, Korean): the "highly restrictive" level of UTS 39
 * section 5.2. {@code pаypal} with a Cyrillic {@code а} is refused; {@code jörg}, {@code 山田} and {@code yamada山田} are not.
 */
final class Scripts {
    private static final List<Set<UnicodeScript>> ALLOWED_MIXES = List.of(
        EnumSet.of(UnicodeScript.LATIN, UnicodeScript.HAN, UnicodeScript.HIRAGANA, UnicodeScript.KATAKANA),
        EnumSet.of(UnicodeScript.LATIN, UnicodeScript.HAN, UnicodeScript.BOPOMOFO),
        EnumSet.of(UnicodeScript.LATIN, UnicodeScript.HAN, UnicodeScript.HANGUL));

    private Scripts() {
    }

    /** Refuses {@code text} ({@code what} names it) when its letters mix scripts beyond the allowed mixes. */
    static void checkSingle(String text, String what) throws InvalidAddressException {
        Set<UnicodeScript> scripts = EnumSet.noneOf(UnicodeScript.class);
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            UnicodeScript script = UnicodeScript.of(c);
            if (script != UnicodeScript.COMMON && script != UnicodeScript.INHERITED) {
                scripts.add(script);
            }
        }
        if (scripts.size() <= 1 || ALLOWED_MIXES.stream().anyMatch(mix -> mix.containsAll(scripts))) {
            return;
        }
        throw new InvalidAddressException(what + " mixes the scripts " + scripts.stream().map(Scripts::name)
            .collect(Collectors.joining(" and ")) + "; refused as a possible look-alike of another address");
    }

    private static String name(UnicodeScript script) {
        String name = script.name().toLowerCase(Locale.ROOT);
        return Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }
}
