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
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback SMTP sink that writes every message it receives to a directory as an .eml file: the "internet" of
 * the local demo (bin/run) and of the tests. It announces neither 8BITMIME nor SMTPUTF8, so a sender has to
 * bring 8-bit mail down to 7 bit, as many real relays still make it.
 *
 * <p>Single-file program (Java 11+): {@code java tools/OutboxSink.java PORT DIRECTORY}. Port 0 picks a free
 * port; the first line printed is {@code outbox listening on 127.0.0.1:PORT}, then one line per message. Like a
 * receiving MTA adds trace headers, it puts the envelope recipients on top of each file as
 * {@code X-Outbox-Recipients:} (a header no signature covers).
 */
public final class OutboxSink {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: java tools/OutboxSink.java PORT DIRECTORY");
            System.exit(2);
        }
        Path directory = Files.createDirectories(Path.of(args[1]));
        try (ServerSocket server = new ServerSocket(Integer.parseInt(args[0]), 50, InetAddress.getLoopbackAddress())) {
            System.out.println("outbox listening on 127.0.0.1:" + server.getLocalPort() + ", writing to " + directory.toAbsolutePath());
            System.out.flush();
            while (true) {
                Socket socket = server.accept();
                Thread thread = new Thread(() -> serve(socket, directory), "outbox-" + socket.getPort());
                thread.setDaemon(true);
                thread.start();
            }
        }
    }

    private static void serve(Socket socket, Path directory) {
        try (socket; InputStream in = new BufferedInputStream(socket.getInputStream()); OutputStream out = socket.getOutputStream()) {
            socket.setSoTimeout(120_000);
            reply(out, "220 outbox.localhost ESMTP OutboxSink");
            List<String> recipients = new ArrayList<>();
            for (String line = readLine(in); line != null; line = readLine(in)) {
                String command = line.length() >= 4 ? line.substring(0, 4).toUpperCase(Locale.ROOT) : line.toUpperCase(Locale.ROOT);
                switch (command) {
                    case "EHLO":
                        reply(out, "250-outbox.localhost\r\n250-SIZE 104857600\r\n250 HELP");
                        break;
                    case "HELO":
                        reply(out, "250 outbox.localhost");
                        break;
                    case "MAIL":
                        recipients.clear();
                        reply(out, "250 OK");
                        break;
                    case "RCPT":
                        int open = line.indexOf('<');
                        int close = line.indexOf('>', open + 1);
                        recipients.add(open >= 0 && close > open ? line.substring(open + 1, close) : line.substring(line.indexOf(':') + 1).trim());
                        reply(out, "250 OK");
                        break;
                    case "DATA":
                        if (recipients.isEmpty()) {
                            reply(out, "503 RCPT first");
                            break;
                        }
                        reply(out, "354 end with <CRLF>.<CRLF>");
                        byte[] trace = ("X-Outbox-Recipients: " + String.join(", ", recipients) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                        Path file = save(directory, trace, readData(in));
                        System.out.println("outbox: " + file.toAbsolutePath());
                        System.out.flush();
                        reply(out, "250 OK " + file.getFileName());
                        recipients.clear();
                        break;
                    case "RSET":
                        recipients.clear();
                        reply(out, "250 OK");
                        break;
                    case "NOOP":
                        reply(out, "250 OK");
                        break;
                    case "QUIT":
                        reply(out, "221 bye");
                        return;
                    default:
                        reply(out, "502 not implemented");
                }
            }
        } catch (IOException e) {
            System.err.println("outbox: connection failed: " + e);
        }
    }

    /** The message as sent, dot-stuffing removed, every line ending in CRLF. */
    private static byte[] readData(InputStream in) throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        int previous = -1;
        while ((b = in.read()) >= 0) {
            line.write(b);
            if (b == '\n' && previous == '\r') {
                byte[] bytes = line.toByteArray();
                line.reset();
                if (bytes.length == 3 && bytes[0] == '.') {
                    return message.toByteArray();
                }
                int offset = bytes[0] == '.' ? 1 : 0;
                message.write(bytes, offset, bytes.length - offset);
            }
            previous = b;
        }
        throw new IOException("connection closed in DATA");
    }

    private static Path save(Path directory, byte[] trace, byte[] message) throws IOException {
        String name = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"))
            + "-" + COUNTER.incrementAndGet() + ".eml";
        byte[] content = new byte[trace.length + message.length];
        System.arraycopy(trace, 0, content, 0, trace.length);
        System.arraycopy(message, 0, content, trace.length, message.length);
        Path temporary = Files.write(directory.resolve("." + name + ".tmp"), content);
        return Files.move(temporary, directory.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.US_ASCII);
            }
            line.write(b);
        }
        return line.size() > 0 ? line.toString(StandardCharsets.US_ASCII) : null;
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
