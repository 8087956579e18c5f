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

/**
 * Characters that pass the category checks of a label or local part but must not name a sender: they do not show, or
 * show as something else. The Default_Ignorable_Code_Point characters of Unicode (variation selectors, the combining
 * grapheme joiner, Hangul fillers, tags); the blocks RFC 5892 disallows in labels (old Hangul jamo, combining marks for
 * symbols, musical symbols); and letters of no script (mathematical alphanumerics, which look like plain letters).
 * Also the character classes the rules of labels and local parts share.
 */
final class Characters {
    private static final int[][] DEFAULT_IGNORABLE = {
        {0x00AD, 0x00AD}, {0x034F, 0x034F}, {0x061C, 0x061C}, {0x115F, 0x1160}, {0x17B4, 0x17B5}, {0x180B, 0x180F},
        {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x206F}, {0x3164, 0x3164}, {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF},
        {0xFFA0, 0xFFA0}, {0xFFF0, 0xFFF8}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF}};
    private static final int[][] DISALLOWED_BLOCKS = {
        {0x1100, 0x11FF}, {0xA960, 0xA97F}, {0xD7B0, 0xD7FF}, {0x20D0, 0x20FF}, {0x1D100, 0x1D24F}};

    private Characters() {
    }

    /** Whether {@code c} may not name a sender whatever its category (see the class). */
    static boolean isRefused(int c) {
        return within(c, DEFAULT_IGNORABLE) || within(c, DISALLOWED_BLOCKS)
            || (Character.isLetter(c) && UnicodeScript.of(c) == UnicodeScript.COMMON);
    }

    /** Whether {@code c} is a combining mark (none may start a label or local part). */
    static boolean isMark(int c) {
        int type = Character.getType(c);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK || type == Character.ENCLOSING_MARK;
    }

    /** Whether {@code c} is a letter (of any case), a non-enclosing mark or a decimal digit. */
    static boolean isLetterMarkOrDigit(int c) {
        switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER:
            case Character.LOWERCASE_LETTER:
            case Character.TITLECASE_LETTER:
            case Character.MODIFIER_LETTER:
            case Character.OTHER_LETTER:
            case Character.NON_SPACING_MARK:
            case Character.COMBINING_SPACING_MARK:
            case Character.DECIMAL_DIGIT_NUMBER:
                return true;
            default:
                return false;
        }
    }

    private static boolean within(int c, int[][] ranges) {
        for (int[] range : ranges) {
            if (c >= range[0] && c <= range[1]) {
                return true;
            }
        }
        return false;
    }
}
