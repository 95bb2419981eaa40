package io.switchboard.testsupport;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.streams.Pipe;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on 127.0.0.1 in front of a real server, that a test can cut (closing every connection and refusing
 * new ones) and restore on the same port: an outage of the server as its clients see it, while it keeps its data.
 */
public final class TcpProxy implements AutoCloseable {
    private final Vertx vertx;
    private final int targetPort;
    private final int port;
    private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
    private NetServer server;
    private final NetClient client;
    private volatile boolean stalled;

    public TcpProxy(Vertx vertx, int targetPort, int port) {
        this.vertx = vertx;
        this.targetPort = targetPort;
        this.port = port;
        this.client = vertx.createNetClient();
        restore();
    }

    public int port() {
        return port;
    }

    /** Starts accepting again. */
    public void restore() {
        server = vertx.createNetServer().connectHandler(in -> {
            in.pause();
            client.connect(targetPort, "127.0.0.1").onComplete(ar -> {
                if (ar.failed()) {
                    in.close();
                    return;
                }
                NetSocket out = ar.result();
                sockets.add(in);
                sockets.add(out);
                in.closeHandler(v -> out.close());
                out.closeHandler(v -> in.close());
                Pipe<io.vertx.core.buffer.Buffer> up = in.pipe();
                up.to(out);
                out.pipe().to(in);
                if (stalled) {
                    out.pause();
                } else {
                    in.resume();
                }
            });
        });
        WsTestClient.await(server.listen(port, "127.0.0.1"));
    }

    /**
     * Stops forwarding bytes, both ways, on every connection (new ones too) without closing any: the far side is
     * there but never answers, as a hung database or a black-holed network looks.
     */
    public void stall() {
        stalled = true;
        sockets.forEach(NetSocket::pause);
    }

    /** Forwards again what {@link #stall} held. */
    public void unstall() {
        stalled = false;
        sockets.forEach(NetSocket::resume);
    }

    /** Closes every connection and stops accepting. */
    public void cut() {
        WsTestClient.await(server.close());
        sockets.forEach(NetSocket::close);
        sockets.clear();
    }

    @Override
    public void close() {
        cut();
        client.close();
    }
}
