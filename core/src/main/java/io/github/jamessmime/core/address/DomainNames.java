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

import java.net.IDN;
import java.text.Normalizer;
import java.util.Locale;

/**
 * A mail domain in the one form the store, the grants and the entitlement compare (RFC 9598 section 3): lower-case
 * A-labels. A U-label ({@code müller}) and its A-label ({@code xn--mller-kva}) are the same domain; anything IDNA would
 * map first (upper case beyond ASCII, full-width letters, ignorable characters, {@code ß} and {@code ς}, whose IDNA2003
 * and IDNA2008 forms differ) is refused rather than mapped, so that one key never stands for two spellings a reader
 * tells apart. The characters of a label are those RFC 5892 lets into a label in the main (lower-case letters, marks,
 * digits, the hyphen), of one script (or Latin with the Han-based scripts of one language, as UTS 39's highly
 * restrictive level allows), by the bidi rule of RFC 5893 when the domain holds right-to-left characters.
 * Characters {@link Characters} refuses (default-ignorable ones, the blocks RFC 5892 disallows, letters of no
 * script) are refused too. {@code java.net.IDN} (IDNA2003, Unicode 3.2) converts: a label with a character added to
 * Unicode since is refused, a limitation of the JDK, said in its reason.
 */
public final class DomainNames {
    private static final int MAX_LABEL = 63;
    private static final int MAX_DOMAIN = 253;

    private DomainNames() {
    }

    /** The key of {@code domain}: its labels as lower-case A-labels. */
    public static String key(String domain) throws InvalidAddressException {
        if (domain.isEmpty()) {
            throw new InvalidAddressException("the domain is empty");
        }
        String[] labels = domain.split("\\.", -1);
        StringBuilder key = new StringBuilder(domain.length() + 8);
        StringBuilder shown = new StringBuilder(domain.length());
        for (String label : labels) {
            if (label.isEmpty()) {
                throw new InvalidAddressException("the domain '" + Addresses.printable(domain) + "' has an empty label");
            }
            String lower = label.toLowerCase(Locale.ROOT);
            shown.append(isAscii(label) && lower.startsWith("xn--") ? IDN.toUnicode(lower, IDN.USE_STD3_ASCII_RULES) : label).append('.');
        }
        // whichever form each label came in: the bidi rule holds for the domain as it is shown
        boolean bidi = isBidiDomain(shown.toString());
        for (String label : labels) {
            if (key.length() > 0) {
                key.append('.');
            }
            key.append(isAscii(label) ? asciiLabel(label, bidi) : unicodeLabel(label, bidi));
        }
        if (key.length() > MAX_DOMAIN) {
            throw new InvalidAddressException("the domain '" + Addresses.printable(domain) + "' is longer than " + MAX_DOMAIN
                + " characters as A-labels");
        }
        return key.toString();
    }

    /** The domain as a reader sees it: each A-label as its U-label ({@code xn--mller-kva.example} as {@code müller.example}). */
    public static String unicode(String key) {
        return IDN.toUnicode(key, IDN.USE_STD3_ASCII_RULES);
    }

    /** Whether the key holds an A-label (the domain is internationalised). */
    public static boolean isInternationalised(String key) {
        return key.startsWith("xn--") || key.contains(".xn--");
    }

    private static String asciiLabel(String label, boolean bidi) throws InvalidAddressException {
        String lower = label.toLowerCase(Locale.ROOT);
        checkLdh(lower);
        if (lower.startsWith("xn--")) {
            String unicode = IDN.toUnicode(lower, IDN.USE_STD3_ASCII_RULES);
            if (isAscii(unicode)) {
                throw new InvalidAddressException("'" + lower + "' is not a valid A-label (it does not decode to an internationalised label)");
            }
            checkUnicodeLabel(unicode, bidi);
            String again = toAscii(unicode);
            if (!again.equals(lower)) {
                throw new InvalidAddressException("'" + lower + "' is not a valid A-label (its label '" + Addresses.printable(unicode)
                    + "' encodes as " + again + ")");
            }
        } else if (lower.length() >= 4 && lower.charAt(2) == '-' && lower.charAt(3) == '-') {
            throw new InvalidAddressException("the label '" + lower + "' has hyphens in the third and fourth position, which"
                + " only A-labels may have (RFC 5891)");
        } else if (bidi) {
            checkBidi(lower);
        }
        return lower;
    }

    private static String unicodeLabel(String label, boolean bidi) throws InvalidAddressException {
        String lower = lowerAscii(label);
        checkUnicodeLabel(lower, bidi);
        String ascii = toAscii(lower);
        String back = IDN.toUnicode(ascii, IDN.USE_STD3_ASCII_RULES);
        if (!back.equals(lower)) {
            throw new InvalidAddressException("the label '" + Addresses.printable(label) + "' is not in the form IDNA keeps (it"
                + " becomes '" + Addresses.printable(back) + "'); write the domain as its A-label or in that form");
        }
        return ascii;
    }

    private static String toAscii(String unicode) throws InvalidAddressException {
        try {
            String ascii = IDN.toASCII(unicode, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
            if (ascii.length() > MAX_LABEL) {
                throw new InvalidAddressException("the label '" + Addresses.printable(unicode) + "' is longer than " + MAX_LABEL
                    + " characters as an A-label");
            }
            return ascii;
        } catch (IllegalArgumentException e) {
            throw new InvalidAddressException("the label '" + Addresses.printable(unicode) + "' is not an internationalised label"
                + " java.net.IDN takes (IDNA2003, Unicode 3.2: a character added to Unicode since is not supported): "
                + e.getMessage().replaceAll("^java\\.text\\.ParseException: ", ""));
        }
    }

    private static void checkLdh(String label) throws InvalidAddressException {
        if (label.length() > MAX_LABEL) {
            throw new InvalidAddressException("the label '" + label + "' is longer than " + MAX_LABEL + " characters");
        }
        if (label.startsWith("-") || label.endsWith("-")) {
            throw new InvalidAddressException("the label '" + label + "' starts or ends with a hyphen");
        }
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                throw new InvalidAddressException("the label '" + Addresses.printable(label) + "' holds '" + Addresses.printable(String.valueOf(c))
                    + "', which is not a letter, digit or hyphen");
            }
        }
    }

    /** A U-label by RFC 5891 section 4.2 and RFC 5892, in the part both IDNA versions agree on, and one script. */
    private static void checkUnicodeLabel(String label, boolean bidi) throws InvalidAddressException {
        String shown = Addresses.printable(label);
        if (!Normalizer.isNormalized(label, Normalizer.Form.NFC)) {
            throw new InvalidAddressException("the label '" + shown + "' is not in Unicode normalisation form C");
        }
        if (label.startsWith("-") || label.endsWith("-")) {
            throw new InvalidAddressException("the label '" + shown + "' starts or ends with a hyphen");
        }
        if (label.length() >= 4 && label.charAt(2) == '-' && label.charAt(3) == '-') {
            throw new InvalidAddressException("the label '" + shown + "' has hyphens in the third and fourth position (RFC 5891)");
        }
        if (Characters.isMark(label.codePointAt(0))) {
            throw new InvalidAddressException("the label '" + shown + "' starts with a combining mark");
        }
        boolean arabicIndic = false;
        boolean extendedArabicIndic = false;
        for (int i = 0; i < label.length(); ) {
            int c = label.codePointAt(i);
            i += Character.charCount(c);
            if (!isLabelCharacter(c)) {
                throw new InvalidAddressException("the label '" + shown + "' holds " + Addresses.codePoint(c) + ", which a domain"
                    + " label may not hold (RFC 5892)");
            }
            arabicIndic |= c >= 0x0660 && c <= 0x0669;
            extendedArabicIndic |= c >= 0x06F0 && c <= 0x06F9;
        }
        if (arabicIndic && extendedArabicIndic) {
            throw new InvalidAddressException("the label '" + shown + "' mixes Arabic-Indic and extended Arabic-Indic digits (RFC 5892)");
        }
        Scripts.checkSingle(label, "the label '" + shown + "'");
        if (bidi) {
            checkBidi(label);
        }
    }

    private static boolean isLabelCharacter(int c) {
        if (c < 0x80) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        }
        if (Characters.isRefused(c)) {
            return false;
        }
        switch (c) {
            case 0x00DF: // sharp s: IDNA2003 maps it to "ss", IDNA2008 keeps it
            case 0x03C2: // final sigma: IDNA2003 maps it to sigma, IDNA2008 keeps it
            case 0x0640: // the characters RFC 5892 section 2.6 disallows although their category is valid
            case 0x07FA:
            case 0x302E:
            case 0x302F:
            case 0x3031:
            case 0x3032:
            case 0x3033:
            case 0x3034:
            case 0x3035:
            case 0x303B:
                return false;
            default:
                break;
        }
        // IDNA2008 takes no upper or title case: those a label holds are mapped by IDNA2003, so refused here
        int type = Character.getType(c);
        return Characters.isLetterMarkOrDigit(c) && type != Character.UPPERCASE_LETTER && type != Character.TITLECASE_LETTER;
    }

    private static boolean isBidiDomain(String domain) {
        for (int i = 0; i < domain.length(); ) {
            int c = domain.codePointAt(i);
            i += Character.charCount(c);
            byte direction = Character.getDirectionality(c);
            if (direction == Character.DIRECTIONALITY_RIGHT_TO_LEFT || direction == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC
                || direction == Character.DIRECTIONALITY_ARABIC_NUMBER) {
                return true;
            }
        }
        return false;
    }

    /** The bidi rule of RFC 5893 section 2, for one label of a domain that holds right-to-left characters. */
    private static void checkBidi(String label) throws InvalidAddressException {
        String shown = Addresses.printable(label);
        byte first = Character.getDirectionality(label.codePointAt(0));
        boolean rtl = first == Character.DIRECTIONALITY_RIGHT_TO_LEFT || first == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC;
        if (!rtl && first != Character.DIRECTIONALITY_LEFT_TO_RIGHT) {
            throw new InvalidAddressException("the label '" + shown + "' of a right-to-left domain starts with neither a left-to-right"
                + " nor a right-to-left letter (RFC 5893)");
        }
        boolean europeanNumber = false;
        boolean arabicNumber = false;
        byte last = first;
        for (int i = 0; i < label.length(); ) {
            int c = label.codePointAt(i);
            i += Character.charCount(c);
            byte d = Character.getDirectionality(c);
            boolean allowed = rtl
                ? d == Character.DIRECTIONALITY_RIGHT_TO_LEFT || d == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC
                || d == Character.DIRECTIONALITY_ARABIC_NUMBER || isNeutralOrNumber(d)
                : d == Character.DIRECTIONALITY_LEFT_TO_RIGHT || isNeutralOrNumber(d);
            if (!allowed) {
                throw new InvalidAddressException("the label '" + shown + "' mixes right-to-left and left-to-right characters (RFC 5893)");
            }
            europeanNumber |= d == Character.DIRECTIONALITY_EUROPEAN_NUMBER;
            arabicNumber |= d == Character.DIRECTIONALITY_ARABIC_NUMBER;
            if (d != Character.DIRECTIONALITY_NONSPACING_MARK) {
                last = d;
            }
        }
        boolean endsWell = rtl
            ? last == Character.DIRECTIONALITY_RIGHT_TO_LEFT || last == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC
            || last == Character.DIRECTIONALITY_EUROPEAN_NUMBER || last == Character.DIRECTIONALITY_ARABIC_NUMBER
            : last == Character.DIRECTIONALITY_LEFT_TO_RIGHT || last == Character.DIRECTIONALITY_EUROPEAN_NUMBER;
        if (!endsWell) {
            throw new InvalidAddressException("the label '" + shown + "' of a right-to-left domain ends in a character the bidi rule"
                + " does not allow there (RFC 5893)");
        }
        if (rtl && europeanNumber && arabicNumber) {
            throw new InvalidAddressException("the label '" + shown + "' mixes European and Arabic digits (RFC 5893)");
        }
    }

    private static boolean isNeutralOrNumber(byte d) {
        return d == Character.DIRECTIONALITY_EUROPEAN_NUMBER || d == Character.DIRECTIONALITY_EUROPEAN_NUMBER_SEPARATOR
            || d == Character.DIRECTIONALITY_COMMON_NUMBER_SEPARATOR || d == Character.DIRECTIONALITY_EUROPEAN_NUMBER_TERMINATOR
            || d == Character.DIRECTIONALITY_OTHER_NEUTRALS || d == Character.DIRECTIONALITY_BOUNDARY_NEUTRAL
            || d == Character.DIRECTIONALITY_NONSPACING_MARK;
    }

    private static String lowerAscii(String label) {
        StringBuilder lower = new StringBuilder(label.length());
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            lower.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return lower.toString();
    }

    static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}
