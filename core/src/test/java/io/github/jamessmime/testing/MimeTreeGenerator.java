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

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Random, legal RFC 2045/2046 messages as raw bytes, each with the leaves a reader must decode from it, in the
 * representation of {@link Verifiers#leaves}: {@code "type/subtype: text"} with LF line ends for text leaves,
 * {@code "type/subtype: base64-of-bytes"} otherwise. The same seed gives the same message on every run.
 *
 * <p>Covered: multipart/mixed, alternative and related nested up to 6 levels, message/rfc822 holding multiparts,
 * empty bodies, parts without any header, preambles and epilogues (some), boundaries of any RFC 2046 bchars
 * (1 to 70, quoted), leaves in 7bit, 8bit (UTF-8 and ISO-8859-1), binary (NUL, bare CR and LF, lines over 998
 * octets), base64 and quoted-printable, unencoded 8-bit filenames in part headers, lines starting with
 * {@code From } and lines ending in white space. About one message in eight is large (well over 64 KiB) and has
 * CR/LF pairs, {@code From } lines, trailing white space and a {@code Content-Transfer-Encoding:} header placed
 * exactly across multiples of 64 KiB, counted from the message start, the top body, a multipart body or the leaf
 * body: the offsets at which a reader of 64 KiB chunks sees a chunk end.
 *
 * <p>Legal means: no line of any body starts with {@code -} (so no boundary occurs in content), no boundary is a
 * prefix of another, composites declare 8bit or binary when something inside is, lines over 998 octets and bare
 * CR or LF only in binary leaves. The one liberty taken is RFC 6532 style 8-bit text in some part headers.
 */
public final class MimeTreeGenerator {
    public static final String SENDER = "billing@shop.example";
    public static final int CHUNK = 64 * 1024;

    private static final String BCHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ";
    private static final String[] WORDS = {"invoice", "order", "total", "parcel", "shipping", "customer", "thanks",
        "amount", "due", "EUR", "42.00", "item", "qty", "ref", "A-1", "payment", "received", "=", "=3D", "50%", "a.b",
        "x", "line", "text", "Dear", "Regards", "--", "From", "from", "\tTab", "end."};
    private static final String[] LATIN1_WORDS = {"Gr\u00fc\u00dfe", "Fr\u00f6sche", "K\u00e4se", "Stra\u00dfe",
        "\u00d6l", "\u00dcbermut", "\u00c4rger", "na\u00efve", "caf\u00e9", "\u00bd", "\u00a9"};
    private static final String[] UTF8_ONLY_WORDS = {"\u20ac", "\u2013", "\ud83d\ude00", "\u65e5\u672c", "\u0141\u00f3d\u017a"};
    private static final String[] TEXT_TYPES = {"text/plain", "text/plain", "text/plain", "text/html", "text/csv", "Text/Plain"};
    private static final String[] OTHER_TYPES = {"application/octet-stream", "application/pdf", "image/png",
        "application/vnd.ms-excel", "Application/Octet-Stream"};

    /** One generated message. */
    public static final class Generated {
        public final long seed;
        public final byte[] bytes;
        /** The leaves a reader must decode, in document order, as {@link Verifiers#leaves} gives them. */
        public final List<String> leaves;
        /** The tree, for failure reports: {@code mixed(text/plain 8bit, application/pdf base64)}. */
        public final String shape;
        public final boolean large;

        Generated(long seed, byte[] bytes, List<String> leaves, String shape, boolean large) {
            this.seed = seed;
            this.bytes = bytes;
            this.leaves = Collections.unmodifiableList(leaves);
            this.shape = shape;
            this.large = large;
        }

        @Override
        public String toString() {
            return "seed " + seed + " (" + bytes.length + " bytes) " + shape;
        }
    }

    /** Any message, large ones included. */
    public static Generated generate(long seed) {
        return new MimeTreeGenerator(seed, true).build();
    }

    /** A message of at most a few dozen KiB (for fuzzing, where thousands are signed). */
    public static Generated generateSmall(long seed) {
        return new MimeTreeGenerator(seed, false).build();
    }

    /**
     * Where two leaf lists first differ, in one line: the leaf, the offset and a few characters either side
     * (control characters shown as escapes); empty when they are equal.
     */
    public static String difference(List<String> expected, List<String> actual) {
        if (expected.equals(actual)) {
            return "";
        }
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            String want = expected.get(i);
            String got = actual.get(i);
            if (!want.equals(got)) {
                int at = 0;
                while (at < Math.min(want.length(), got.length()) && want.charAt(at) == got.charAt(at)) {
                    at++;
                }
                return "leaf " + i + " (" + want.substring(0, Math.max(0, want.indexOf(':'))) + ") differs at char " + at + " of "
                    + want.length() + "/" + got.length() + ": expected '" + around(want, at) + "' got '" + around(got, at) + "'";
            }
        }
        return expected.size() + " leaves expected, " + actual.size() + " read";
    }

    private static String around(String text, int at) {
        StringBuilder shown = new StringBuilder();
        for (int i = Math.max(0, at - 12); i < Math.min(text.length(), at + 24); i++) {
            char c = text.charAt(i);
            shown.append(c < 32 || c == 127 || c > 255 ? String.format(Locale.ROOT, "\\x%02X", (int) c) : String.valueOf(c));
        }
        return shown.toString();
    }

    // ---------------------------------------------------------------- the tree

    private enum Encoding {
        SEVEN_BIT("7bit", 0), EIGHT_BIT("8bit", 1), BINARY("binary", 2), BASE64("base64", 0), QP("quoted-printable", 0);

        final String label;
        /** 0 = 7bit, 1 = 8bit, 2 = binary: what an enclosing composite must declare. */
        final int level;

        Encoding(String label, int level) {
            this.label = label;
            this.level = level;
        }
    }

    private abstract static class Node {
        abstract int level();

        abstract String shape();
    }

    private static final class Leaf extends Node {
        String type;
        String parameters = "";
        Encoding encoding;
        boolean declareEncoding = true;
        boolean noContentType;
        boolean noHeaders;
        boolean escapeFrom;
        byte[] decoded;
        final List<byte[]> extraHeaders = new ArrayList<>();
        /** A large body with features across chunk edges; decoded is filled in when written. */
        BigBody big;
        /** Body sized when written so that the next sibling's bytes fall across a chunk edge. */
        Filler filler;

        boolean text() {
            return type.toLowerCase(Locale.ROOT).startsWith("text/");
        }

        @Override
        int level() {
            return encoding.level;
        }

        @Override
        String shape() {
            String name = noHeaders ? "[no headers]" : type.toLowerCase(Locale.ROOT);
            String size = big != null ? " big" : filler != null ? " filler" : decoded.length == 0 ? " empty" : "";
            return name + " " + encoding.label + size;
        }
    }

    private static final class BigBody {
        int size;
        /** 0 message start, 1 top body, 2 enclosing multipart body, 3 leaf body. */
        int anchor;
    }

    private static final class Filler {
        int anchor;
        /** Which byte of the tail (CRLF, delimiter line, next part) is to be the first of a chunk. */
        int pick;
    }

    private static final class Multi extends Node {
        String subtype;
        String boundary;
        boolean fold;
        String preamble;
        String epilogue;
        boolean blankAfterClose;
        boolean declareEncoding;
        final List<Node> parts = new ArrayList<>();

        @Override
        int level() {
            int level = 0;
            for (Node part : parts) {
                level = Math.max(level, part.level());
            }
            return level;
        }

        @Override
        String shape() {
            StringBuilder shape = new StringBuilder(subtype.toLowerCase(Locale.ROOT)).append(preamble != null ? "+pre" : "")
                .append(epilogue != null ? "+epi" : "").append('(');
            for (int i = 0; i < parts.size(); i++) {
                shape.append(i == 0 ? "" : ", ").append(parts.get(i).shape());
            }
            return shape.append(')').toString();
        }
    }

    private static final class Rfc822 extends Node {
        Node root;
        String headers;
        boolean declareEncoding;

        @Override
        int level() {
            return root.level();
        }

        @Override
        String shape() {
            return "rfc822(" + root.shape() + ")";
        }
    }

    // ---------------------------------------------------------------- state

    private final long seed;
    private final SplittableRandom random;
    private final boolean largeAllowed;
    private final List<String> boundaries = new ArrayList<>();
    private final List<String> leaves = new ArrayList<>();
    private int leafBudget;
    private long topBodyStart = -1;

    private MimeTreeGenerator(long seed, boolean largeAllowed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.largeAllowed = largeAllowed;
    }

    private Generated build() {
        boolean large = largeAllowed && random.nextInt(8) == 0;
        leafBudget = 4 + random.nextInt(24);
        Node root = large ? largeRoot() : node(random.nextInt(7), true, true);
        Out out = new Out();
        writeEntity(out, root, outerHeaders(), null, true);
        return new Generated(seed, out.toByteArray(), leaves, root.shape(), large);
    }

    /**
     * The Date fields of generated messages, against the tests' signing time 2026-06-01T10:00:00Z: close to it in
     * several forms, months away, missing, and in a form not every client reads alike (MessageDate's three outcomes).
     */
    private static final String[] DATES = {
        "Mon, 1 Jun 2026 09:58:00 +0000",
        "Mon, 01 Jun 2026 11:40:17 +0200 (CEST)",
        "1 Jun 2026 05:31 -0430",
        "Mon, 30 Nov 2026 06:00:00 +0000",
        null,
        "Mon, 01 Jun 2026 10:00:00 +01:00",
    };

    private String outerHeaders() {
        StringBuilder headers = new StringBuilder();
        if (random.nextBoolean()) {
            headers.append("Return-Path: <").append(SENDER).append(">\r\n");
        }
        headers.append(random.nextBoolean() ? "From: " + SENDER : "From: Shop Billing <" + SENDER + ">").append("\r\n");
        headers.append("To: Customer <customer@client.example>\r\n");
        headers.append(random.nextInt(4) == 0 ? "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= order " + seed : "Subject: Generated order " + seed)
            .append("\r\n");
        // drawn apart from the tree, so that a seed still gives the tree it gave before dates were drawn
        String date = DATES[new SplittableRandom(seed ^ 0x5DEECE66DL).nextInt(DATES.length)];
        if (date != null) {
            headers.append("Date: ").append(date).append("\r\n");
        }
        headers.append("Message-ID: <gen.").append(seed).append("@shop.example>\r\n");
        if (random.nextBoolean()) {
            headers.append("X-Generator-Seed: ").append(seed).append("\r\n");
        }
        headers.append("MIME-Version: 1.0\r\n");
        return headers.toString();
    }

    // ---------------------------------------------------------------- choosing a tree

    /**
     * @param depth how many more composite levels may nest below
     * @param force whether this node must be composite down to {@code depth} (so the chosen depth is reached)
     */
    private Node node(int depth, boolean force, boolean root) {
        boolean composite = depth > 0 && (force || (leafBudget > 1 && random.nextInt(10) < 4));
        if (!composite) {
            leafBudget--;
            return leaf();
        }
        if (random.nextInt(6) == 0) {
            return rfc822(depth, force);
        }
        Multi multi = multi(new String[] {"mixed", "mixed", "alternative", "related", "Mixed"}[random.nextInt(5)]);
        int count = 1 + random.nextInt(root ? 4 : 3);
        int forced = random.nextInt(count);
        for (int i = 0; i < count; i++) {
            multi.parts.add(node(depth - 1, force && i == forced, false));
        }
        return multi;
    }

    private Rfc822 rfc822(int depth, boolean force) {
        Rfc822 message = new Rfc822();
        message.headers = "From: supplier@vendor.example\r\nTo: " + SENDER + "\r\nSubject: forwarded " + random.nextInt(1000)
            + "\r\nDate: Sun, 29 Nov 2026 18:00:00 +0100\r\nMessage-ID: <fwd." + random.nextInt(1_000_000) + "@vendor.example>\r\n"
            + (random.nextInt(4) == 0 ? "" : "MIME-Version: 1.0\r\n");
        // message/rfc822 mostly holds a multipart: force one level more if there is room
        message.root = node(depth - 1, force || random.nextInt(3) > 0, true);
        message.declareEncoding = random.nextBoolean();
        return message;
    }

    private Multi multi(String subtype) {
        Multi multi = new Multi();
        multi.subtype = subtype;
        multi.boundary = newBoundary();
        multi.fold = random.nextInt(3) == 0;
        multi.preamble = random.nextInt(3) == 0 ? plainLines(1 + random.nextInt(3), random.nextInt(4) == 0) : null;
        multi.epilogue = random.nextInt(4) == 0 ? plainLines(1 + random.nextInt(2), random.nextBoolean()) : null;
        multi.blankAfterClose = random.nextBoolean();
        multi.declareEncoding = random.nextBoolean();
        return multi;
    }

    /** RFC 2046 5.1.1: 1 to 70 bchars, not ending in a space; none a prefix of another in the message. */
    private String newBoundary() {
        while (true) {
            int length;
            switch (random.nextInt(6)) {
                case 0:
                    length = 1 + random.nextInt(3);
                    break;
                case 1:
                    length = 60 + random.nextInt(11);
                    break;
                default:
                    length = 8 + random.nextInt(30);
            }
            StringBuilder boundary = new StringBuilder();
            for (int i = 0; i < length; i++) {
                boundary.append(BCHARS.charAt(random.nextInt(i == length - 1 ? BCHARS.length() - 1 : BCHARS.length())));
            }
            String candidate = boundary.toString();
            boolean clash = false;
            for (String other : boundaries) {
                clash |= other.startsWith(candidate) || candidate.startsWith(other);
            }
            if (!clash) {
                boundaries.add(candidate);
                return candidate;
            }
        }
    }

    private Leaf leaf() {
        Leaf leaf = new Leaf();
        boolean text = random.nextInt(3) > 0;
        leaf.type = text ? TEXT_TYPES[random.nextInt(TEXT_TYPES.length)] : OTHER_TYPES[random.nextInt(OTHER_TYPES.length)];
        leaf.escapeFrom = random.nextBoolean();
        int sizeClass = random.nextInt(10);
        int size = sizeClass == 0 ? 0 : sizeClass < 8 ? random.nextInt(1500) : 2000 + random.nextInt(20_000);
        if (text) {
            int pick = random.nextInt(10);
            leaf.encoding = pick < 3 ? Encoding.SEVEN_BIT : pick < 6 ? Encoding.EIGHT_BIT : pick < 7 ? Encoding.BINARY
                : pick < 9 ? Encoding.QP : Encoding.BASE64;
            Charset charset = random.nextBoolean() ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
            boolean eightBit = leaf.encoding != Encoding.SEVEN_BIT;
            leaf.parameters = eightBit ? "; charset=" + (charset == StandardCharsets.UTF_8 ? "utf-8" : "ISO-8859-1")
                : random.nextBoolean() ? "; charset=us-ascii" : "";
            leaf.decoded = text(size, eightBit ? charset : null, leaf.encoding == Encoding.BINARY || leaf.encoding == Encoding.QP
                || leaf.encoding == Encoding.BASE64);
            leaf.noContentType = leaf.encoding == Encoding.SEVEN_BIT && leaf.parameters.isEmpty()
                && leaf.type.equals("text/plain") && random.nextInt(3) == 0;
            leaf.noHeaders = leaf.noContentType && random.nextBoolean();
        } else {
            int pick = random.nextInt(10);
            leaf.encoding = pick < 6 ? Encoding.BASE64 : pick < 8 ? Encoding.BINARY : pick < 9 ? Encoding.QP : Encoding.SEVEN_BIT;
            leaf.decoded = leaf.encoding == Encoding.SEVEN_BIT ? text(size, null, false) : noDashAtLineStart(bytes(size));
            if (random.nextBoolean()) {
                leaf.parameters = "; name=\"data-" + random.nextInt(100) + ".bin\"";
            }
        }
        leaf.declareEncoding = leaf.encoding != Encoding.SEVEN_BIT || random.nextBoolean();
        if (!leaf.noHeaders) {
            extraHeaders(leaf);
        }
        return leaf;
    }

    private void extraHeaders(Leaf leaf) {
        if (random.nextInt(3) == 0) {
            String name = "Hasen und Fr\u00f6sche " + random.nextInt(10) + ".txt";
            switch (random.nextInt(4)) {
                case 0: // unencoded UTF-8
                    leaf.extraHeaders.add(latin1Concat("Content-Disposition: attachment; filename=\"", name.getBytes(StandardCharsets.UTF_8), "\""));
                    break;
                case 1: // unencoded ISO-8859-1
                    leaf.extraHeaders.add(latin1Concat("Content-Disposition: attachment; filename=\"", name.getBytes(StandardCharsets.ISO_8859_1), "\""));
                    break;
                case 2:
                    leaf.extraHeaders.add(ascii("Content-Disposition: attachment;\r\n\tfilename*=utf-8''Hasen%20und%20Fr%C3%B6sche.txt"));
                    break;
                default:
                    leaf.extraHeaders.add(ascii("Content-Disposition: inline; filename=\"=?ISO-8859-1?Q?Fr=F6sche.txt?=\""));
            }
        }
        if (random.nextInt(5) == 0) {
            leaf.extraHeaders.add(latin1Concat("Content-Description: ", (random.nextBoolean() ? "Gr\u00fc\u00dfe" : "Preise")
                .getBytes(random.nextBoolean() ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1), ""));
        }
        if (random.nextInt(6) == 0) {
            leaf.extraHeaders.add(ascii("Content-ID: <part" + random.nextInt(1000) + "@shop.example>"));
        }
        if (random.nextInt(8) == 0) {
            leaf.extraHeaders.add(ascii("X-Part-Note: ends in white space "));
        }
    }

    /** A large message: a multipart with fillers that put part headers across chunk edges, and a big leaf. */
    private Node largeRoot() {
        if (random.nextInt(4) == 0) {
            return bigLeaf(random.nextBoolean() ? 1 : 0);
        }
        Multi root = multi(random.nextBoolean() ? "mixed" : "related");
        int smallBefore = random.nextInt(3);
        for (int i = 0; i < smallBefore; i++) {
            root.parts.add(node(1 + random.nextInt(2), false, false));
        }
        int fillers = 1 + random.nextInt(3);
        for (int i = 0; i < fillers; i++) {
            Leaf filler = new Leaf();
            filler.type = random.nextBoolean() ? "text/plain" : "application/octet-stream";
            filler.encoding = Encoding.SEVEN_BIT;
            filler.declareEncoding = random.nextBoolean();
            filler.filler = new Filler();
            filler.filler.anchor = random.nextInt(3);
            filler.filler.pick = random.nextInt(1_000_000);
            root.parts.add(filler);
            root.parts.add(tailLeaf());
        }
        Node big = bigLeaf(random.nextInt(4));
        if (random.nextBoolean()) {
            Multi alternative = multi("alternative");
            alternative.parts.add(big);
            alternative.parts.add(leaf());
            root.parts.add(alternative);
        } else {
            root.parts.add(big);
        }
        if (random.nextBoolean()) {
            root.parts.add(leaf());
        }
        return root;
    }

    /** The part after a filler: small, with a Content-Transfer-Encoding header to be split by a chunk edge. */
    private Leaf tailLeaf() {
        Leaf leaf = leaf();
        leaf.noHeaders = false;
        leaf.noContentType = false;
        leaf.declareEncoding = true;
        if (leaf.decoded.length > 2000) {
            leaf.decoded = Arrays.copyOf(leaf.decoded, 300);
            if (leaf.encoding == Encoding.EIGHT_BIT || leaf.encoding == Encoding.SEVEN_BIT) {
                leaf.decoded = text(300, leaf.encoding == Encoding.EIGHT_BIT ? StandardCharsets.UTF_8 : null, false);
            }
        }
        return leaf;
    }

    private Leaf bigLeaf(int anchor) {
        Leaf leaf = new Leaf();
        int pick = random.nextInt(5);
        leaf.encoding = pick < 2 ? Encoding.SEVEN_BIT : pick < 4 ? Encoding.EIGHT_BIT : Encoding.BINARY;
        leaf.type = leaf.encoding != Encoding.EIGHT_BIT && random.nextInt(4) == 0 ? "application/octet-stream" : "text/plain";
        if (leaf.encoding == Encoding.EIGHT_BIT) {
            leaf.parameters = "; charset=" + (random.nextBoolean() ? "utf-8" : "ISO-8859-1");
        }
        leaf.declareEncoding = true;
        leaf.big = new BigBody();
        leaf.big.size = 75_000 + random.nextInt(200_000);
        leaf.big.anchor = anchor;
        return leaf;
    }

    // ---------------------------------------------------------------- content

    /**
     * Text of about {@code size} bytes. {@code charset} null: ASCII only. {@code binary}: also NUL and other controls,
     * bare CR and LF, lines over 998 octets. Lines may start with {@code From } or end in white space; no line starts
     * with {@code -}.
     */
    private byte[] text(int size, Charset charset, boolean binary) {
        Out out = new Out();
        while (out.size() < size) {
            out.write(line(charset, binary));
            out.write(lineBreak(binary));
        }
        byte[] text = out.toByteArray();
        if (random.nextInt(4) == 0 && text.length > 2) {
            // no final line break
            text = Arrays.copyOf(text, text.length - (text[text.length - 2] == '\r' ? 2 : 1));
        }
        return binary ? noDashAtLineStart(text) : text;
    }

    private byte[] lineBreak(boolean binary) {
        if (binary) {
            switch (random.nextInt(6)) {
                case 0:
                    return new byte[] {'\n'};
                case 1:
                    return new byte[] {'\r'};
                default:
            }
        }
        return new byte[] {'\r', '\n'};
    }

    private byte[] line(Charset charset, boolean binary) {
        int kind = random.nextInt(20);
        StringBuilder line = new StringBuilder();
        switch (kind) {
            case 0:
                line.append("From ").append(words(charset, 1 + random.nextInt(6)));
                break;
            case 1:
                line.append(words(charset, 1 + random.nextInt(6))).append(random.nextBoolean() ? " " : random.nextBoolean() ? "\t" : "  ");
                break;
            case 2:
                return new byte[0];
            case 3:
                line.append(random.nextBoolean() ? "." : "From");
                break;
            case 4:
                line.append(random.nextBoolean() ? "Content-Transfer-Encoding: base64" : "begin 644 notes.txt");
                break;
            case 5:
                line.append(words(charset, 100 + random.nextInt(40)));
                while (line.length() > (binary ? 3000 : 990)) {
                    line.setLength(line.length() - 1);
                }
                if (!binary && line.length() > 0 && isBlank(line.charAt(line.length() - 1))) {
                    line.setCharAt(line.length() - 1, 'z');
                }
                break;
            case 6:
                if (binary) {
                    for (int i = 0; i < 1000 + random.nextInt(2000); i++) {
                        line.append((char) ('a' + i % 26));
                    }
                    break;
                }
                // fall through
            default:
                line.append(words(charset, 1 + random.nextInt(12)));
        }
        byte[] bytes = line.toString().getBytes(charset == null ? StandardCharsets.US_ASCII : charset);
        if (charset != null && !binary) {
            // an 8bit line stays at most 998 octets, whatever the charset made of it
            bytes = Arrays.copyOf(bytes, Math.min(bytes.length, 998));
            if (charset == StandardCharsets.UTF_8) {
                int end = bytes.length;
                while (end > 0 && (bytes[end - 1] & 0xC0) == 0x80) {
                    end--;
                }
                if (end > 0 && (bytes[end - 1] & 0x80) != 0) {
                    end--;
                }
                if (end < bytes.length) {
                    bytes = Arrays.copyOf(bytes, end);
                }
            }
        }
        if (binary && random.nextInt(8) == 0) {
            Out withControls = new Out();
            withControls.write(bytes);
            withControls.write(new byte[] {0, 1, 27, 127, 12, (byte) 0xFF}[random.nextInt(6)]);
            withControls.write(ascii("after control"));
            bytes = withControls.toByteArray();
        }
        return bytes;
    }

    private String words(Charset charset, int count) {
        StringBuilder words = new StringBuilder();
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                words.append(' ');
            }
            String word;
            int pick = random.nextInt(10);
            if (charset != null && pick == 0) {
                word = LATIN1_WORDS[random.nextInt(LATIN1_WORDS.length)];
            } else if (charset == StandardCharsets.UTF_8 && pick == 1) {
                word = UTF8_ONLY_WORDS[random.nextInt(UTF8_ONLY_WORDS.length)];
            } else {
                word = WORDS[random.nextInt(WORDS.length)];
            }
            if (i == 0 && (word.startsWith("-") || word.startsWith("\t"))) {
                word = "x" + word;
            }
            words.append(word);
        }
        return words.toString();
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private String plainLines(int count, boolean trailingBreak) {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < count; i++) {
            lines.append(i == 0 && random.nextBoolean() ? "This is a multi-part message in MIME format." : words(null, 1 + random.nextInt(8)));
            if (i < count - 1 || trailingBreak) {
                lines.append("\r\n");
            }
        }
        return lines.toString();
    }

    private byte[] bytes(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    /** No line (after CR, LF or at the start) begins with '-': no content can be taken for a delimiter. */
    private static byte[] noDashAtLineStart(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '-' && (i == 0 || bytes[i - 1] == '\r' || bytes[i - 1] == '\n')) {
                bytes[i] = '+';
            }
        }
        return bytes;
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes headers (the given lines, then the node's Content-* lines), the blank line and the body.
     *
     * @param enclosingBody where the body of the enclosing multipart starts (an anchor for chunk edges), or null
     */
    private void writeEntity(Out out, Node node, String headers, Long enclosingBody, boolean top) {
        out.write(ascii(headers));
        if (node instanceof Leaf) {
            writeLeaf(out, (Leaf) node, enclosingBody, top, null);
        } else if (node instanceof Multi) {
            Multi multi = (Multi) node;
            String contentType = "Content-Type: multipart/" + multi.subtype + ";" + (multi.fold ? "\r\n\t" : " ")
                + "boundary=\"" + multi.boundary + "\"";
            if (multi.subtype.equals("related") && random.nextBoolean()) {
                contentType += ";\r\n type=\"text/html\"";
            }
            out.write(ascii(contentType + "\r\n"));
            writeCompositeEncoding(out, multi.level(), multi.declareEncoding);
            out.write(ascii("\r\n"));
            long bodyStart = out.size();
            if (top) {
                topBodyStart = bodyStart;
            }
            writeMultipartBody(out, multi, bodyStart, top);
        } else {
            Rfc822 message = (Rfc822) node;
            out.write(ascii("Content-Type: message/rfc822\r\n"));
            writeCompositeEncoding(out, message.level(), message.declareEncoding);
            if (random.nextInt(3) == 0) {
                out.write(ascii("Content-Disposition: attachment; filename=\"forwarded.eml\"\r\n"));
            }
            out.write(ascii("\r\n"));
            if (top) {
                topBodyStart = out.size();
            }
            writeEntity(out, message.root, message.headers, enclosingBody, false);
        }
    }

    private static void writeCompositeEncoding(Out out, int level, boolean declareSevenBit) {
        if (level > 0) {
            out.write(ascii("Content-Transfer-Encoding: " + (level == 1 ? "8bit" : "binary") + "\r\n"));
        } else if (declareSevenBit) {
            out.write(ascii("Content-Transfer-Encoding: 7bit\r\n"));
        }
    }

    private void writeMultipartBody(Out out, Multi multi, long bodyStart, boolean top) {
        if (multi.preamble != null) {
            out.write(ascii(multi.preamble + "\r\n"));
        }
        byte[] delimiter = ascii("--" + multi.boundary);
        for (int i = 0; i < multi.parts.size(); i++) {
            out.write(delimiter);
            out.write(ascii("\r\n"));
            Node part = multi.parts.get(i);
            if (part instanceof Leaf && ((Leaf) part).filler != null) {
                // the next part is written first, to know the bytes the filler must put across a chunk edge
                Out next = new Out();
                int leavesBefore = leaves.size();
                writeEntity(next, multi.parts.get(i + 1), "", bodyStart, false);
                List<String> nextLeaves = new ArrayList<>(leaves.subList(leavesBefore, leaves.size()));
                leaves.subList(leavesBefore, leaves.size()).clear();
                byte[] tail = concat(ascii("\r\n--" + multi.boundary + "\r\n"), next.toByteArray());
                writeLeaf(out, (Leaf) part, bodyStart, false, tail);
                leaves.addAll(nextLeaves);
                out.write(tail);
                out.write(ascii("\r\n"));
                i++;
                continue;
            }
            writeEntity(out, part, "", bodyStart, false);
            out.write(ascii("\r\n"));
        }
        out.write(delimiter);
        out.write(ascii("--"));
        if (multi.epilogue != null) {
            out.write(ascii("\r\n" + multi.epilogue));
        } else if (top || multi.blankAfterClose) {
            out.write(ascii("\r\n"));
        }
    }

    /** @param tail for a filler: the bytes that follow its body (the filler's own closing CRLF, delimiter, next part) */
    private void writeLeaf(Out out, Leaf leaf, Long enclosingBody, boolean top, byte[] tail) {
        if (!leaf.noHeaders) {
            List<byte[]> lines = new ArrayList<>();
            if (!leaf.noContentType) {
                lines.add(ascii("Content-Type: " + leaf.type + leaf.parameters));
            }
            if (leaf.declareEncoding) {
                lines.add(ascii("Content-Transfer-Encoding: " + (random.nextInt(8) == 0 ? leaf.encoding.label.toUpperCase(Locale.ROOT)
                    : leaf.encoding.label)));
            }
            lines.addAll(leaf.extraHeaders);
            if (lines.size() > 1 && random.nextInt(4) == 0) {
                Collections.swap(lines, 0, 1 + random.nextInt(lines.size() - 1));
            }
            for (byte[] line : lines) {
                out.write(line);
                out.write(ascii("\r\n"));
            }
        }
        out.write(ascii("\r\n"));
        long bodyStart = out.size();
        if (top) {
            topBodyStart = bodyStart;
        }
        if (leaf.big != null) {
            long anchor = anchor(leaf.big.anchor, enclosingBody, bodyStart);
            leaf.decoded = bigBody(bodyStart, anchor, leaf.big.size, leaf.encoding, leaf.text());
        } else if (leaf.filler != null) {
            leaf.decoded = fillerBody(bodyStart, anchor(leaf.filler.anchor, enclosingBody, bodyStart), tail, leaf.filler.pick);
        }
        out.write(encode(leaf));
        leaves.add((leaf.noContentType ? "text/plain" : leaf.type.toLowerCase(Locale.ROOT)) + ": " + expected(leaf));
    }

    private long anchor(int which, Long enclosingBody, long leafBody) {
        switch (which) {
            case 0:
                return 0;
            case 1:
                return topBodyStart >= 0 ? topBodyStart : leafBody;
            case 2:
                return enclosingBody != null ? enclosingBody : leafBody;
            default:
                return leafBody;
        }
    }

    private String expected(Leaf leaf) {
        if (leaf.noContentType || leaf.text()) {
            return new String(leaf.decoded, StandardCharsets.ISO_8859_1).replace("\r\n", "\n").replace('\r', '\n');
        }
        return Base64.getEncoder().encodeToString(leaf.decoded);
    }

    private byte[] encode(Leaf leaf) {
        switch (leaf.encoding) {
            case BASE64:
                return Base64.getMimeEncoder().encode(leaf.decoded);
            case QP:
                return quotedPrintable(leaf.decoded, leaf.text(), leaf.escapeFrom);
            default:
                return leaf.decoded;
        }
    }

    /**
     * Quoted-printable (RFC 2045 6.7), written here rather than taken from javax.mail so that the decoder under test
     * is not checked against itself. Text: CRLF is a hard line break, bare CR and LF are escaped. Lines of at most 76
     * characters, trailing white space and a leading {@code -} escaped, a leading {@code F} escaped on request.
     */
    static byte[] quotedPrintable(byte[] data, boolean text, boolean escapeFrom) {
        Out out = new Out();
        int column = 0;
        for (int i = 0; i < data.length; i++) {
            int b = data[i] & 0xFF;
            if (text && b == '\r' && i + 1 < data.length && data[i + 1] == '\n') {
                out.write(ascii("\r\n"));
                column = 0;
                i++;
                continue;
            }
            boolean lineEndsNext = i + 1 == data.length || (text && data[i + 1] == '\r' && i + 2 < data.length && data[i + 2] == '\n');
            boolean escape = b == '=' || (b < 32 && b != '\t') || b > 126 || ((b == ' ' || b == '\t') && lineEndsNext);
            int width = escape ? 3 : 1;
            if (column + width > 75) {
                out.write(ascii("=\r\n"));
                column = 0;
            }
            if (column == 0 && (b == '-' || (escapeFrom && b == 'F'))) {
                escape = true;
                width = 3;
            }
            if (escape) {
                out.write(ascii(String.format(Locale.ROOT, "=%02X", b)));
            } else {
                out.write(b);
            }
            column += width;
        }
        return out.toByteArray();
    }

    // ---------------------------------------------------------------- bodies across chunk edges

    private enum Feature {
        CRLF_SPLIT, CRLF_BEFORE_EDGE, FROM_LINE, TRAILING_SPACE, TRAILING_TAB, CTE_LINE, BARE_CR, BARE_LF, NUL, UTF8_SPLIT, LONG_LINE
    }

    /**
     * A body of about {@code size} bytes with a feature across every {@code anchor + k * CHUNK} inside it: the
     * body of a leaf declared {@code encoding}, which is 7bit, 8bit or binary (its raw bytes are its decoded bytes).
     */
    private byte[] bigBody(long bodyStart, long anchor, int size, Encoding encoding, boolean text) {
        Out body = new Out();
        long end = bodyStart + size;
        long edge = anchor + CHUNK;
        while (edge < bodyStart + 1200) {
            edge += CHUNK;
        }
        for (; edge + 4000 < end; edge += CHUNK) {
            long position = bodyStart + body.size();
            // some ordinary text first, then exact filler up to the feature
            long room = edge - position - 6000;
            if (room > 0) {
                byte[] some = text((int) Math.min(room, 1000 + random.nextInt(30_000)),
                    encoding == Encoding.SEVEN_BIT ? null : StandardCharsets.UTF_8, encoding == Encoding.BINARY);
                body.write(some);
                body.write(ascii("\r\n"));
            }
            Feature feature = feature(encoding);
            int split;
            byte[] bytes;
            boolean atLineStart = false;
            switch (feature) {
                case CRLF_SPLIT:
                    bytes = ascii("end of line\r\nnext line");
                    split = 12;
                    break;
                case CRLF_BEFORE_EDGE:
                    bytes = ascii("end of line\r\nnext line");
                    split = 13;
                    break;
                case FROM_LINE:
                    bytes = ascii("From the warehouse, with thanks\r\n");
                    split = random.nextInt(6);
                    atLineStart = true;
                    break;
                case TRAILING_SPACE:
                    bytes = ascii(random.nextBoolean() ? "word \r\nnext" : "word  \r\nnext");
                    split = bytes[5] == ' ' ? 5 + random.nextInt(2) : 5;
                    break;
                case TRAILING_TAB:
                    bytes = ascii("word\t\r\nnext");
                    split = 5;
                    break;
                case CTE_LINE:
                    bytes = ascii("Content-Transfer-Encoding: quoted-printable\r\n");
                    split = random.nextInt(28);
                    atLineStart = true;
                    break;
                case BARE_CR:
                    bytes = ascii("bare\rcarriage return");
                    split = random.nextBoolean() ? 4 : 5;
                    break;
                case BARE_LF:
                    bytes = ascii("bare\nline feed");
                    split = random.nextBoolean() ? 4 : 5;
                    break;
                case NUL:
                    bytes = new byte[] {'n', 'u', 'l', 0, 'x', '\r', '\n'};
                    split = 3 + random.nextInt(2);
                    break;
                case UTF8_SPLIT:
                    bytes = "Gr\u00fc\u00dfe \u20ac\r\n".getBytes(StandardCharsets.UTF_8);
                    split = 2 + random.nextInt(7);
                    break;
                default: // LONG_LINE
                    StringBuilder longLine = new StringBuilder();
                    for (int i = 0; i < 1500; i++) {
                        longLine.append((char) ('a' + i % 26));
                    }
                    bytes = ascii(longLine + "\r\n");
                    split = 998 + random.nextInt(3);
                    atLineStart = true;
            }
            fillTo(body, edge - split - bodyStart, atLineStart);
            body.write(bytes);
        }
        fillTo(body, size, false);
        return noDashAtLineStart(body.toByteArray());
    }

    private Feature feature(Encoding encoding) {
        while (true) {
            Feature feature = Feature.values()[random.nextInt(Feature.values().length)];
            boolean binaryOnly = feature == Feature.BARE_CR || feature == Feature.BARE_LF || feature == Feature.NUL
                || feature == Feature.LONG_LINE;
            if (binaryOnly && encoding != Encoding.BINARY || feature == Feature.UTF8_SPLIT && encoding == Encoding.SEVEN_BIT) {
                continue;
            }
            return feature;
        }
    }

    /**
     * Fills {@code body} with short ASCII lines up to exactly {@code length} bytes; the last line ends in CRLF when
     * {@code lineStart} (the next byte starts a line), or is left open.
     */
    private void fillTo(Out body, long length, boolean lineStart) {
        long remaining = length - body.size();
        if (remaining < 0) {
            throw new IllegalStateException("filler overran by " + -remaining + " bytes");
        }
        if (remaining > 0 && lineStart && !endsWithLineBreak(body)) {
            if (remaining < 2) {
                throw new IllegalStateException("no room for a line break");
            }
        }
        while (remaining > 0) {
            if (remaining > 90) {
                int line = 20 + random.nextInt(50);
                body.write(fillerLine(line));
                body.write(ascii("\r\n"));
                remaining -= line + 2;
            } else if (lineStart) {
                body.write(fillerLine((int) remaining - 2));
                body.write(ascii("\r\n"));
                remaining = 0;
            } else {
                body.write(fillerLine((int) remaining));
                remaining = 0;
            }
        }
    }

    private static boolean endsWithLineBreak(Out body) {
        return body.size() == 0 || body.last() == '\n';
    }

    private byte[] fillerLine(int length) {
        byte[] line = new byte[length];
        for (int i = 0; i < length; i++) {
            line[i] = (byte) "abcdefghijklmnopqrstuvwxyz0123456789".charAt(random.nextInt(36));
        }
        return line;
    }

    /** The body of a filler leaf: long enough that byte {@code pick} of a chosen spot in {@code tail} starts a chunk. */
    private byte[] fillerBody(long bodyStart, long anchor, byte[] tail, int pick) {
        // the interesting spots in the tail: its first bytes, the delimiter line, the header names, line ends
        List<Integer> spots = new ArrayList<>();
        for (int i = 0; i < Math.min(tail.length, 200); i++) {
            if (i < 8 || tail[i] == '\r' || tail[i] == '\n' || tail[i] == ':' || startsWith(tail, i, "Content-Transfer-Encoding")) {
                spots.add(i);
            }
        }
        int cte = indexOf(tail, "Content-Transfer-Encoding");
        if (cte >= 0) {
            for (int i = 0; i < 28; i++) {
                spots.add(cte + i);
                spots.add(cte + i);
            }
        }
        int spot = spots.get(pick % spots.size());
        long edge = anchor + CHUNK;
        while (edge - spot - bodyStart < 200) {
            edge += CHUNK;
        }
        Out body = new Out();
        fillTo(body, edge - spot - bodyStart, random.nextBoolean());
        return body.toByteArray();
    }

    private static boolean startsWith(byte[] bytes, int at, String prefix) {
        if (at + prefix.length() > bytes.length) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (bytes[at + i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] bytes, String needle) {
        for (int i = 0; i + needle.length() <= bytes.length; i++) {
            if (startsWith(bytes, i, needle)) {
                return i;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- bytes

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] latin1Concat(String before, byte[] middle, String after) {
        return concat(ascii(before), middle, ascii(after));
    }

    private static byte[] concat(byte[]... parts) {
        Out out = new Out();
        for (byte[] part : parts) {
            out.write(part);
        }
        return out.toByteArray();
    }

    private static final class Out extends ByteArrayOutputStream {
        Out() {
            super(1024);
        }

        @Override
        public void write(byte[] bytes) {
            write(bytes, 0, bytes.length);
        }

        int last() {
            return buf[count - 1];
        }
    }
}
