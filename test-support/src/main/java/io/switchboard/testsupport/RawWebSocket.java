package io.switchboard.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client over a plain socket that writes frames byte by byte as an attacker would: a header that
 * announces more than it sends, half a frame, fragments never finished. Used to test what the server holds for what
 * a client sends, which a well-behaved client library cannot do.
 */
public final class RawWebSocket implements AutoCloseable {
    public static final int TEXT = 1;
    public static final int CONTINUATION = 0;
    public static final int CLOSE = 8;

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    /** A frame read from the server. */
    public record Frame(int opcode, boolean fin, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The close code of a close frame, or 1005 when it carries none. */
        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }
    }

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
    }

    /** Upgrades a connection to {@code path} with the token, failing unless the server answers 101. */
    public static RawWebSocket connect(int port, String path, String token) {
        try {
            Socket socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Authorization: Bearer " + token + "\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            RawWebSocket ws = new RawWebSocket(socket);
            String status = ws.line();
            if (!status.contains(" 101 ")) {
                throw new IllegalStateException("upgrade refused: " + status);
            }
            while (!ws.line().isEmpty()) {
                // headers
            }
            return ws;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("connection closed during the upgrade");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    /** The header of a masked client frame announcing {@code length} payload bytes. */
    public static byte[] header(int opcode, boolean fin, long length) {
        ByteArrayOutputStream h = new ByteArrayOutputStream(14);
        h.write((fin ? 0x80 : 0) | opcode);
        if (length < 126) {
            h.write(0x80 | (int) length);
        } else if (length < 65_536) {
            h.write(0x80 | 126);
            h.write((int) (length >>> 8));
            h.write((int) length);
        } else {
            h.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                h.write((int) (length >>> (8 * i)));
            }
        }
        // A zero mask: the payload goes as is.
        h.write(0);
        h.write(0);
        h.write(0);
        h.write(0);
        return h.toByteArray();
    }

    /** Sends a whole frame. */
    public RawWebSocket frame(int opcode, boolean fin, byte[] payload) {
        return send(header(opcode, fin, payload.length)).send(payload);
    }

    /** Sends a whole text frame. */
    public RawWebSocket text(String text) {
        return frame(TEXT, true, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends raw bytes (part of a frame, say). */
    public RawWebSocket send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code count} filler bytes, as payload of a frame already begun. */
    public RawWebSocket filler(int count) {
        byte[] b = new byte[count];
        java.util.Arrays.fill(b, (byte) 'x');
        return send(b);
    }

    /** The next frame from the server; fails if none comes within the socket's time-out. */
    public Frame read() {
        try {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long length = b1 & 0x7f;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            return new Frame(b0 & 0x0f, (b0 & 0x80) != 0, payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next text frame, skipping others. */
    public String readText() {
        for (Frame f = read(); ; f = read()) {
            if (f.opcode() == TEXT) {
                return f.text();
            }
            if (f.opcode() == CLOSE) {
                throw new IllegalStateException("closed with " + f.closeCode() + ": " + new String(f.payload(),
                        StandardCharsets.UTF_8));
            }
        }
    }

    /**
     * Reads until the server closes: the code of its close frame, or 1006 when the connection ends without one.
     * Fails if the connection is still open after {@code seconds}.
     */
    public int awaitClose(int seconds) {
        try {
            socket.setSoTimeout(seconds * 1_000);
            while (true) {
                Frame f = read();
                if (f.opcode() == CLOSE) {
                    return f.closeCode();
                }
            }
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof SocketTimeoutException) {
                throw new AssertionError("the server did not close the connection within " + seconds + " s");
            }
            return 1006;
        } catch (java.net.SocketException e) {
            return 1006;
        }
    }

    /**
     * Whether the server has closed the connection: a read within 50 ms sees its close frame or the end of the
     * stream. Use only where the server sends nothing else meanwhile.
     */
    public boolean closedByServer() {
        try {
            socket.setSoTimeout(50);
            while (true) {
                if (read().opcode() == CLOSE) {
                    return true;
                }
            }
        } catch (UncheckedIOException e) {
            return !(e.getCause() instanceof SocketTimeoutException);
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    /** Random printable filler, so that the frames are not trivially compressible by anything in between. */
    public static String randomText(int length) {
        StringBuilder b = new StringBuilder(length);
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < length; i++) {
            b.append((char) ('a' + r.nextInt(26)));
        }
        return b.toString();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
    }
}
