package io.switchboard.common.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the memory that WebSocket messages still arriving hold: the bytes of a frame the server has begun to
 * receive but not whole (the frame decoder keeps them) and the fragments of a message whose last fragment has not
 * come. A client controls both by sending slowly or not at all, so they are bounded per connection (the hard frame
 * limit), per tenant ({@code ws.partial-bytes-per-tenant}) and per process ({@code ws.partial-bytes}), and a message
 * must arrive whole within {@code ws.partial-frame-timeout} of its first byte. A quiet connection holds nothing and
 * is never timed out: only a message begun and not finished is.
 *
 * <p>Each connection is watched from the Netty pipeline, on its event loop: a handler before the frame decoder counts
 * the bytes read and, once each read is decoded, settles the count and refuses the connection that takes a budget
 * over; a handler after it counts the bytes of each frame decoded (its size on the wire follows from its payload,
 * since the decoder refuses non-minimal lengths and unmasked client frames) and the fragments of unfinished
 * messages. Bytes read and not yet part of a decoded frame are what the decoder holds (at most: it drops a
 * frame's header once parsed).
 */
public final class PartialFrames implements Shareable {
    private static final Logger LOG = LoggerFactory.getLogger(PartialFrames.class);
    private static final String MAP = "switchboard.partial-frames";
    private static final long SWEEP_MILLIS = 1_000;
    /** How long a refused client has to read the close frame before its connection is dropped. */
    private static final long CLOSE_GRACE_MILLIS = 500;
    /** RFC 6455: the server is overloaded; try again later. */
    public static final short TRY_AGAIN_LATER = 1013;

    private final ProtocolLimits limits;
    private final AtomicLong total = new AtomicLong();
    private final ConcurrentHashMap<String, AtomicLong> tenants = new ConcurrentHashMap<>();
    private final Set<Tracker> partial = ConcurrentHashMap.newKeySet();

    private PartialFrames(Vertx vertx, ProtocolLimits limits) {
        this.limits = limits;
        vertx.setPeriodic(SWEEP_MILLIS, t -> sweep());
    }

    /**
     * The one budget of this Vert.x instance (a process: standalone's services share it), made with the first
     * endpoint's limits.
     */
    public static PartialFrames of(Vertx vertx, ProtocolLimits limits) {
        LocalMap<String, PartialFrames> map = vertx.sharedData().getLocalMap(MAP);
        synchronized (map) {
            PartialFrames existing = map.get(MAP);
            if (existing == null) {
                existing = new PartialFrames(vertx, limits);
                map.put(MAP, existing);
            }
            return existing;
        }
    }

    /** Bytes held by partly received messages in this process. */
    public long held() {
        return total.get();
    }

    /** Bytes held by the tenant's partly received messages in this process. */
    public long held(String tenant) {
        AtomicLong t = tenants.get(tenant);
        return t == null ? 0 : t.get();
    }

    /**
     * Starts watching a connection just upgraded to a WebSocket (the HTTP connection it was upgraded from: the
     * same channel, whose pipeline now holds the frame decoder).
     *
     * @param refuse closes the connection with a code and reason (called on its event loop)
     * @return the tracker; it stops counting when the channel closes
     */
    public Tracker track(HttpConnection connection, String tenant, BiConsumer<Short, String> refuse) {
        Tracker tracker = new Tracker(tenant, refuse);
        if (!(connection instanceof ConnectionBase base)) {
            LOG.warn("cannot watch partial frames on a {}: memory per connection is bounded by the frame limit only",
                    connection.getClass().getName());
            return tracker;
        }
        ChannelPipeline pipeline = base.channel().pipeline();
        ChannelHandler decoder = pipeline.get("wsdecoder");
        if (!(decoder instanceof ByteToMessageDecoder)) {
            LOG.warn("no WebSocket frame decoder in the pipeline ({}): partial frames are not watched", pipeline.names());
            return tracker;
        }
        pipeline.addBefore("wsdecoder", "switchboard-partial-in", tracker.in);
        pipeline.addAfter("wsdecoder", "switchboard-partial-frames", tracker.frames);
        // What the channel held is freed when it closes, which may be before the WebSocket reports its close.
        base.channel().closeFuture().addListener(f -> tracker.release());
        return tracker;
    }

    private AtomicLong tenant(String tenant) {
        return tenants.computeIfAbsent(tenant, t -> new AtomicLong());
    }

    private void sweep() {
        long now = System.nanoTime();
        long timeout = limits.partialTimeout().toNanos();
        for (Tracker t : partial) {
            t.expireIfOlder(now, timeout);
        }
    }

    /** One connection's partly received bytes. */
    public final class Tracker {
        private final String tenant;
        private final BiConsumer<Short, String> refuse;
        final ChannelHandler in = new In();
        final ChannelHandler frames = new Frames();
        /** Bytes read from the connection, and bytes of the frames decoded from them: the difference is in the decoder. */
        private long read;
        private long decoded;
        /** Payload of the fragments of a message not yet finished. */
        private long fragments;
        /** What this connection counts in the tenant's and the process's totals. */
        private long counted;
        /** When the message now arriving began (System.nanoTime), or 0 when nothing is partly received. */
        private volatile long since;
        private boolean finishedMessage;
        private ChannelHandlerContext channel;
        private boolean refused;
        private boolean released;

        private Tracker(String tenant, BiConsumer<Short, String> refuse) {
            this.tenant = tenant;
            this.refuse = refuse;
        }

        /** The bytes this connection holds in partly received messages (its event loop's view). */
        public long held() {
            return counted;
        }

        /** Stops counting this connection (its channel closed): what it held is freed with it. */
        private void release() {
            released = true;
            partial.remove(this);
            if (counted != 0) {
                total.addAndGet(-counted);
                tenant(tenant).addAndGet(-counted);
                counted = 0;
            }
        }

        private void settle() {
            if (released) {
                // The channel closed while this read was handled (the decoder refused a frame): nothing is held.
                return;
            }
            if (decoded > read) {
                // Bytes that reached the decoder before this tracker did: start counting from here.
                read = decoded;
            }
            long now = read - decoded + fragments;
            long delta = now - counted;
            counted = now;
            long process = total.addAndGet(delta);
            long ofTenant = tenant(tenant).addAndGet(delta);
            if (now == 0) {
                since = 0;
                partial.remove(this);
            } else if (since == 0 || finishedMessage) {
                since = System.nanoTime();
                partial.add(this);
            }
            finishedMessage = false;
            if (refused || delta <= 0) {
                return;
            }
            if (now > limits.hardFrameBytes()) {
                refuse(CloseCode.TOO_BIG, "a message over " + limits.hardFrameBytes() + " bytes; send smaller ones");
            } else if (limits.partialBytesPerTenant() > 0 && ofTenant > limits.partialBytesPerTenant()) {
                refuse(TRY_AGAIN_LATER, "tenant " + tenant + " has " + ofTenant + " bytes of messages partly sent "
                        + "to this replica, over its " + limits.partialBytesPerTenant() + " (ws.partial-bytes-per-tenant); "
                        + "finish sending messages before starting more");
            } else if (limits.partialBytes() > 0 && process > limits.partialBytes()) {
                refuse(TRY_AGAIN_LATER, "this replica holds " + process + " bytes of messages partly sent, over its "
                        + limits.partialBytes() + " (ws.partial-bytes); reconnect later or to another replica");
            }
        }

        private void expireIfOlder(long now, long timeout) {
            long started = since;
            ChannelHandlerContext ctx = channel;
            if (started != 0 && ctx != null && now - started > timeout) {
                ctx.executor().execute(() -> {
                    if (since != 0 && System.nanoTime() - since > timeout && !refused) {
                        refuse((short) 1008, "a message was not sent whole within "
                                + limits.partialTimeout().toSeconds() + " s of its first byte (ws.partial-frame-timeout)");
                    }
                });
            }
        }

        /**
         * Closes the connection with the code and reason, and drops it a moment later whether or not the client
         * answers the close: what its decoder holds is freed only with the channel.
         */
        private void refuse(short code, String reason) {
            refused = true;
            partial.remove(this);
            LOG.debug("refusing a connection of tenant {}: {} {}", tenant, code, reason);
            refuse.accept(code, reason);
            ChannelHandlerContext ctx = channel;
            if (ctx != null) {
                // From this handler's place in the pipeline: a close from the channel's end would wait for the WebSocket
                // closing handshake, which a hostile client never answers.
                ctx.executor().schedule(() -> ctx.close(), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            }
        }

        /** Before the decoder: after each read has been decoded, settles the count; drops reads once refused. */
        private final class In extends ChannelInboundHandlerAdapter {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                channel = ctx;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (refused && msg instanceof ByteBuf bytes) {
                    // Closing: what the client still sends is not read into memory.
                    bytes.release();
                    return;
                }
                if (msg instanceof ByteBuf bytes) {
                    read += bytes.readableBytes();
                }
                ctx.fireChannelRead(msg);
                if (msg instanceof ByteBuf) {
                    settle();
                }
            }
        }

        /** After the decoder: each frame leaves the decoder's bytes; unfinished messages' fragments are held. */
        private final class Frames extends ChannelInboundHandlerAdapter {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof WebSocketFrame frame) {
                    int payload = frame.content().readableBytes();
                    decoded += wireSize(payload);
                    if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame
                            || frame instanceof ContinuationWebSocketFrame) {
                        if (frame.isFinalFragment()) {
                            fragments = 0;
                            finishedMessage = true;
                        } else {
                            fragments += payload;
                        }
                    }
                }
                ctx.fireChannelRead(msg);
            }
        }
    }

    /** A client frame's size on the wire: its header (minimal length encoding, masked) and payload. */
    static long wireSize(int payload) {
        int length = payload < 126 ? 0 : payload < 65_536 ? 2 : 8;
        return 2L + length + 4 + payload;
    }
}
