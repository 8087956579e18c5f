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

import java.io.UnsupportedEncodingException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.mail.MessagingException;
import javax.mail.internet.ContentDisposition;
import javax.mail.internet.ContentType;
import javax.mail.internet.MimeUtility;
import javax.mail.internet.ParameterList;
import javax.mail.internet.ParseException;

/**
 * Header lines in the one form every parser reads alike and no relay re-folds (RFC 5322 2.2): a field name of
 * printable ASCII directly followed by a colon, folds as CRLF plus white space, no trailing white space, and
 * physical lines of at most 76 octets ({@link LineRule#MAX_LINE}), folded greedily at white space outside quoted
 * strings. Lines are given as javax.mail holds them: one string per field, folds joined by CRLF, raw 8-bit bytes
 * as ISO-8859-1 characters.
 *
 * <p>{@link #canonical} also makes a line 7-bit: raw 8-bit bytes in a value are decoded (UTF-8 when they are
 * valid UTF-8, else windows-1252) and written again as RFC 2231 parameters in Content-Type and
 * Content-Disposition, as RFC 2047 encoded words elsewhere. A parameter too long to fold at is split into RFC 2231
 * continuations. A line with nothing to fold at and no encoding its field allows (a long Content-ID) is kept up to
 * 998 octets: no relay that folds at white space can change it either.
 */
final class HeaderForm {
    static final int MAX_LINE = LineRule.MAX_LINE;
    private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

    private HeaderForm() {
    }

    /** The lower-case field name of a line as javax.mail holds it (white space before the colon ignored). */
    static String name(String line) {
        int colon = line.indexOf(':');
        return (colon < 0 ? line : line.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
    }

    /** RFC 5322 field name: printable US-ASCII except the colon. */
    static boolean isFieldName(CharSequence name, int from, int to) {
        if (to <= from) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = name.charAt(i);
            if (c < 33 || c > 126 || c == ':') {
                return false;
            }
        }
        return true;
    }

    /**
     * The line with its structure repaired where the repair is unambiguous: white space before the colon
     * (obsolete syntax) removed, breaks not followed by white space turned into folds, white-space-only
     * continuation lines and trailing white space dropped, physical lines over 998 octets folded.
     * Raw 8-bit bytes are kept.
     *
     * @throws MessagingException when the line is not a header field (parsers disagree on where the body starts)
     */
    static String repaired(String line) throws MessagingException {
        return repaired(line, LineRule.MAX_UNFOLDABLE);
    }

    /** {@link #repaired}, with physical lines folded to at most {@code maxLine} octets where there is white space. */
    private static String repaired(String line, int maxLine) throws MessagingException {
        int colon = line.indexOf(':');
        int nameEnd = colon;
        while (nameEnd > 0 && (line.charAt(nameEnd - 1) == ' ' || line.charAt(nameEnd - 1) == '\t')) {
            nameEnd--;
        }
        if (colon < 0 || !isFieldName(line, 0, nameEnd)) {
            throw new MessagingException("header line '" + excerpt(line) + "' is not a header field (RFC 5322 2.2)");
        }
        if (nameEnd == colon && isWellFolded(line, maxLine)) {
            return line; // the common case: nothing to repair, nothing built
        }
        StringBuilder out = new StringBuilder(line.length() + 8);
        out.append(line, 0, nameEnd).append(':');
        appendFolded(out, line.substring(colon + 1));
        return foldLongLines(out.toString(), nameEnd, maxLine);
    }

    /**
     * True when every break is CRLF followed by white space and text, no physical line ends in white space and none
     * is over 998 characters: what {@link #repaired} would give back unchanged.
     */
    private static boolean isWellFolded(String line, int maxLine) {
        int length = line.length();
        int lineStart = 0;
        for (int i = 0; i < length; i++) {
            char c = line.charAt(i);
            if (c == '\n') {
                return false;
            }
            if (c == '\r') {
                if (i + 3 >= length || line.charAt(i + 1) != '\n' || !isWhiteSpace(line.charAt(i + 2))
                    || isWhiteSpace(line.charAt(i - 1)) || i - lineStart > maxLine) {
                    return false;
                }
                int text = i + 2;
                while (text < length && isWhiteSpace(line.charAt(text))) {
                    text++;
                }
                if (text == length || line.charAt(text) == '\r') {
                    return false; // a white-space-only continuation line
                }
                lineStart = i + 2;
                i++;
            }
        }
        return length - lineStart <= maxLine && !isWhiteSpace(line.charAt(length - 1));
    }

    private static boolean isWhiteSpace(char c) {
        return c == ' ' || c == '\t';
    }

    /** {@link #repaired}, then made 7-bit (RFC 2231 parameters or RFC 2047 words for 8-bit values). */
    static String canonical(String line) throws MessagingException {
        String repaired = repaired(line, MAX_LINE);
        if (isSevenBit(repaired)) {
            return keepsLineLimit(repaired) ? repaired : withSplitParameters(repaired);
        }
        int colon = repaired.indexOf(':');
        String name = repaired.substring(0, colon);
        String value = decode(unfold(repaired.substring(colon + 1)).trim());
        String lower = name.toLowerCase(Locale.ROOT);
        String encoded;
        try {
            if (lower.equals("content-type")) {
                encoded = name + ": " + withEncodedParameters(new ContentType(value));
            } else if (lower.equals("content-disposition")) {
                encoded = name + ": " + withEncodedParameters(new ContentDisposition(value));
            } else {
                encoded = name + ": " + MimeUtility.fold(name.length() + 2, MimeUtility.encodeText(value, "UTF-8", null));
            }
        } catch (ParseException e) {
            throw new MessagingException("header " + name + " has 8-bit bytes that cannot be encoded: " + e.getMessage(), e);
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
        String result = repaired(encoded, MAX_LINE);
        if (!isSevenBit(result)) {
            throw new MessagingException("header " + name + " cannot be made 7-bit: '" + excerpt(line) + "'");
        }
        return keepsLineLimit(result) ? result : withSplitParameters(result);
    }

    /**
     * A Content-Type (other than multipart: its boundary stays whole) or Content-Disposition line whose parameter is
     * too long to fold at, written again one parameter per line with long values split into RFC 2231 continuations
     * ({@code filename*0*=utf-8''Rechnung%20f%C3%BCr...; filename*1*=...}); any other line as it is.
     */
    private static String withSplitParameters(String line) throws MessagingException {
        int colon = line.indexOf(':');
        String name = line.substring(0, colon);
        String value = unfold(line.substring(colon + 1)).trim();
        String lower = name.toLowerCase(Locale.ROOT);
        try {
            if (lower.equals("content-type")) {
                ContentType type = new ContentType(value);
                if (type.getPrimaryType().equalsIgnoreCase("multipart")) {
                    return line;
                }
                return repaired(name + ": " + split(type.getBaseType(), type.getParameterList()), MAX_LINE);
            }
            if (lower.equals("content-disposition")) {
                ContentDisposition disposition = new ContentDisposition(value);
                return repaired(name + ": " + split(disposition.getDisposition(), disposition.getParameterList()), MAX_LINE);
            }
        } catch (ParseException e) {
            return line; // kept as it is: a value javax.mail cannot read is not rewritten here
        }
        return line;
    }

    /** {@code base}, then each parameter on a folded line of its own, values longer than a line split (RFC 2231). */
    private static String split(String base, ParameterList parameters) {
        StringBuilder out = new StringBuilder(base == null ? "attachment" : base);
        if (parameters == null) {
            return out.toString();
        }
        for (Enumeration<String> names = parameters.getNames(); names.hasMoreElements();) {
            String name = names.nextElement();
            String value = parameters.get(name);
            for (String segment : segments(name, value == null ? "" : value)) {
                out.append(";\r\n ").append(segment);
            }
        }
        return out.toString();
    }

    private static List<String> segments(String name, String value) {
        // each segment on a line of its own: a leading space, the segment, ';'
        int line = MAX_LINE - 2;
        List<String> segments = new ArrayList<>();
        if (isPrintableAscii(value)) {
            if (name.length() + 1 + quoted(value).length() <= line) {
                segments.add(name + "=" + quoted(value));
                return segments;
            }
            int start = 0;
            for (int n = 0; start < value.length(); n++) {
                String prefix = name + "*" + n + "=";
                int end = start;
                while (end < value.length() && prefix.length() + quoted(value.substring(start, end + 1)).length() <= line) {
                    end++;
                }
                segments.add(prefix + quoted(value.substring(start, end)));
                start = end;
            }
            return segments;
        }
        String encoded = percentEncoded(value);
        if (name.length() + 9 + encoded.length() <= line) {
            segments.add(name + "*=utf-8''" + encoded);
            return segments;
        }
        int start = 0;
        for (int n = 0; start < encoded.length(); n++) {
            String prefix = name + "*" + n + "*=" + (n == 0 ? "utf-8''" : "");
            int end = Math.min(encoded.length(), start + line - prefix.length());
            // never split a %XX escape
            int percent = encoded.lastIndexOf('%', end - 1);
            if (end < encoded.length() && percent >= start && percent > end - 3) {
                end = percent;
            }
            segments.add(prefix + encoded.substring(start, end));
            start = end;
        }
        return segments;
    }

    private static boolean isPrintableAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 32 || c > 126) {
                return false;
            }
        }
        return true;
    }

    private static String quoted(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** RFC 2231 value characters: UTF-8, every byte but attribute characters as %XX. */
    private static String percentEncoded(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$&+-.^_`|~".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                    .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return out.toString();
    }

    /**
     * A Content-Type value that javax.mail's strict parser refuses, read as lenient parsers read it: empty
     * parameters ({@code ;;}) skipped, an unquoted value taken up to the next {@code ;} (spaces, {@code =},
     * {@code ?} or 8-bit bytes included), quoted values unquoted. Empty when even so there is no
     * {@code type/subtype} or a parameter has no name.
     */
    static Optional<ContentType> lenientContentType(String header) {
        String value = decode(unfold(header)).trim();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' && (i == 0 || value.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            }
            if (c == ';' && !quoted) {
                fields.add(field.toString().trim());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString().trim());
        String[] base = fields.get(0).split("/", -1);
        if (base.length != 2 || !isToken(base[0].trim()) || !isToken(base[1].trim())) {
            return Optional.empty();
        }
        ParameterList parameters = new ParameterList();
        for (String parameter : fields.subList(1, fields.size())) {
            if (parameter.isEmpty()) {
                continue;
            }
            int equals = parameter.indexOf('=');
            String name = equals < 0 ? "" : parameter.substring(0, equals).trim();
            if (!isToken(name)) {
                return Optional.empty();
            }
            String raw = parameter.substring(equals + 1).trim();
            if (raw.length() >= 2 && raw.startsWith("\"") && raw.endsWith("\"")) {
                raw = raw.substring(1, raw.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
            }
            parameters.set(name, raw);
        }
        return Optional.of(new ContentType(base[0].trim(), base[1].trim(), parameters));
    }

    /** RFC 2045 token: printable ASCII without spaces and tspecials. */
    private static boolean isToken(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= 32 || c >= 127 || "()<>@,;:\\\"/[]?=".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** {@code type/subtype; params}, every parameter with a non-ASCII value in RFC 2231 UTF-8 form. */
    static String withEncodedParameters(ContentType type) {
        type.setParameterList(utf8Parameters(type.getParameterList()));
        return type.toString();
    }

    private static String withEncodedParameters(ContentDisposition disposition) {
        disposition.setParameterList(utf8Parameters(disposition.getParameterList()));
        String text = disposition.toString();
        return text == null ? "attachment" : text;
    }

    private static ParameterList utf8Parameters(ParameterList parameters) {
        ParameterList result = new ParameterList();
        if (parameters == null) {
            return result;
        }
        for (Enumeration<String> names = parameters.getNames(); names.hasMoreElements();) {
            String name = names.nextElement();
            String value = parameters.get(name);
            if (isSevenBit(value)) {
                result.set(name, value);
            } else {
                result.set(name, value, "utf-8");
            }
        }
        return result;
    }

    /** Appends a value with its breaks made into CRLF folds and trailing white space of each line dropped. */
    private static void appendFolded(StringBuilder out, String value) {
        int i = 0;
        int length = value.length();
        boolean lineHasText = true; // the name is on the first line
        while (i < length) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n') {
                i += c == '\r' && i + 1 < length && value.charAt(i + 1) == '\n' ? 2 : 1;
                trimTrailingWhiteSpace(out);
                // the next line must start with white space to stay a continuation
                int next = i;
                while (next < length && (value.charAt(next) == ' ' || value.charAt(next) == '\t')) {
                    next++;
                }
                if (next >= length || value.charAt(next) == '\r' || value.charAt(next) == '\n') {
                    i = next; // white space only: nothing to keep
                    continue;
                }
                out.append("\r\n");
                if (next == i) {
                    out.append(' ');
                }
                lineHasText = false;
                continue;
            }
            out.append(c);
            lineHasText = true;
            i++;
        }
        trimTrailingWhiteSpace(out);
        if (!lineHasText && out.length() >= 2 && out.charAt(out.length() - 1) == '\n') {
            out.setLength(out.length() - 2);
        }
    }

    private static void trimTrailingWhiteSpace(StringBuilder out) {
        int end = out.length();
        while (end > 0 && (out.charAt(end - 1) == ' ' || out.charAt(end - 1) == '\t')) {
            end--;
        }
        out.setLength(end);
    }

    /**
     * Folds physical lines over 76 octets greedily at white space outside quoted strings; right after the colon
     * only when nothing later fits (the value then starts the next line, as re-folding relays put it); a line with
     * nowhere to fold stays (at most 998 octets: longer is refused).
     */
    private static String foldLongLines(String line, int nameLength, int maxLine) throws MessagingException {
        if (!hasLongLine(line, maxLine)) {
            return line;
        }
        boolean[] quoted = quotedPositions(line);
        StringBuilder out = new StringBuilder(line.length() + 16);
        int lineStart = 0;
        int i = 0;
        while (i < line.length()) {
            int end = line.indexOf("\r\n", i);
            if (end < 0) {
                end = line.length();
            }
            int earliest = lineStart + (lineStart == 0 ? nameLength + 2 : 1);
            while (end - lineStart > maxLine) {
                int fold = foldPoint(line, quoted, earliest, Math.min(lineStart + maxLine, end - 1), -1);
                if (fold < 0 && lineStart == 0 && nameLength + 1 < end && isWhiteSpace(line.charAt(nameLength + 1))) {
                    fold = nameLength + 1; // the value alone on the next line, as re-folding relays put it
                }
                if (fold < 0) {
                    fold = foldPoint(line, quoted, lineStart + maxLine + 1, end - 1, 1);
                }
                if (fold < 0) {
                    break;
                }
                out.append(line, lineStart, fold).append("\r\n");
                lineStart = fold;
                earliest = lineStart + 1;
            }
            if (end - lineStart > LineRule.MAX_UNFOLDABLE) {
                throw new MessagingException("header " + line.substring(0, nameLength)
                    + " has a line over 998 octets with no white space to fold it at");
            }
            out.append(line, lineStart, end);
            if (end < line.length()) {
                out.append("\r\n");
            }
            i = end + 2;
            lineStart = i;
        }
        return out.toString();
    }

    /**
     * A white space in {@code [from, to]}, outside quotes and after text, searched from {@code to} down
     * ({@code step} -1) or from {@code from} up (1); -1 if none.
     */
    private static int foldPoint(String line, boolean[] quoted, int from, int to, int step) {
        for (int j = step < 0 ? to : from; j >= from && j <= to; j += step) {
            char c = line.charAt(j);
            if ((c == ' ' || c == '\t') && !quoted[j] && !isWhiteSpace(line.charAt(j - 1))) {
                return j;
            }
        }
        return -1;
    }

    /** Whether no physical line of {@code line} is over 76 octets. */
    static boolean keepsLineLimit(String line) {
        return !hasLongLine(line, MAX_LINE);
    }

    private static boolean hasLongLine(String line, int maxLine) {
        int lineStart = 0;
        int end;
        while ((end = line.indexOf("\r\n", lineStart)) >= 0) {
            if (end - lineStart > maxLine) {
                return true;
            }
            lineStart = end + 2;
        }
        return line.length() - lineStart > maxLine;
    }

    /** Which characters lie inside a quoted string (RFC 5322 3.2.4), its quotes included. */
    private static boolean[] quotedPositions(String line) {
        boolean[] quoted = new boolean[line.length()];
        boolean inside = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted[i] = true;
                inside = !inside;
                continue;
            }
            quoted[i] = inside;
            if (inside && c == '\\' && i + 1 < line.length()) {
                quoted[++i] = true;
            }
        }
        return quoted;
    }

    static String unfold(String value) {
        return value.replace("\r\n", "");
    }

    static boolean isSevenBit(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > 126 || (c < 32 && c != '\t' && c != '\r' && c != '\n')) {
                return false;
            }
        }
        return true;
    }

    /**
     * The characters the raw bytes of a value stand for: the bytes are those of the ISO-8859-1 characters
     * (javax.mail's reading), taken as UTF-8 when valid, else as windows-1252. A value that already holds
     * characters beyond ISO-8859-1 was read as UTF-8 and is kept.
     */
    static String decode(String value) {
        byte[] bytes = new byte[value.length()];
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c > 255) {
                return value;
            }
            bytes[i] = (byte) c;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, WINDOWS_1252);
        }
    }

    /** A header excerpt for a one-line message: breaks shown as spaces, at most 80 characters. */
    static String excerpt(String text) {
        return excerpt(text, 80);
    }

    /** {@code text} on one line: breaks shown as spaces, control and non-ASCII characters as '?', at most {@code max} characters. */
    static String excerpt(String text, int max) {
        String flat = text.replaceAll("[\\r\\n]+", " ");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < flat.length() && out.length() < max; i++) {
            char c = flat.charAt(i);
            out.append(c < 32 || c > 126 ? '?' : c);
        }
        return flat.length() > max ? out + "..." : out.toString();
    }
}
