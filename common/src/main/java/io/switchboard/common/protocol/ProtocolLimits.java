package io.switchboard.common.protocol;

import io.switchboard.common.config.ConfigSource;
import java.time.Duration;

/**
 * Bounds of a WebSocket endpoint.
 *
 * @param maxFrameBytes the largest text frame handled; a larger one gets a {@code frame_too_large} error and
 *                      the connection goes on
 * @param hardFrameBytes the largest frame or message read at all; a frame whose header announces more is refused
 *                      from the header (close 1009), since reading it would cost memory for nothing
 * @param openTimeout   how long a connection may stay without {@code open}
 * @param slowClientTimeout how long a client may leave what the server sends unread (its outbound queue full, so
 *                      the server stops reading from it meanwhile) before it is closed with 4008
 * @param partialBytesPerTenant what one tenant's partly received messages may hold on a replica (0: no limit);
 *                      the connection whose bytes take it over is closed with 1013 ({@link PartialFrames})
 * @param partialBytes  what all partly received messages may hold in the process (0: no limit); the same
 * @param partialTimeout how long a message may take to arrive whole from its first byte; then the connection is
 *                      closed with 1008. Quiet connections are never timed out
 */
public record ProtocolLimits(int maxFrameBytes, int hardFrameBytes, Duration openTimeout, Duration slowClientTimeout,
                             long partialBytesPerTenant, long partialBytes, Duration partialTimeout) {
    public static final int VERSION = 1;
    public static final long DEFAULT_PARTIAL_BYTES_PER_TENANT = 32L << 20;
    public static final long DEFAULT_PARTIAL_BYTES = 128L << 20;
    public static final Duration DEFAULT_PARTIAL_TIMEOUT = Duration.ofSeconds(30);

    /** Limits with the default budgets for partly received messages. */
    public ProtocolLimits(int maxFrameBytes, int hardFrameBytes, Duration openTimeout, Duration slowClientTimeout) {
        this(maxFrameBytes, hardFrameBytes, openTimeout, slowClientTimeout, DEFAULT_PARTIAL_BYTES_PER_TENANT,
                DEFAULT_PARTIAL_BYTES, DEFAULT_PARTIAL_TIMEOUT);
    }

    public static ProtocolLimits from(ConfigSource c) {
        int max = c.integer("ws.max-frame-bytes", 1_024, 16 * 1_024 * 1_024);
        return new ProtocolLimits(max, max * 2, c.duration("ws.open-timeout", Duration.ofSeconds(1), Duration.ofMinutes(5)),
                c.duration("ws.slow-client-timeout", Duration.ofSeconds(1), Duration.ofHours(1)),
                c.bytes("ws.partial-bytes-per-tenant", 0, 1L << 40, null), c.bytes("ws.partial-bytes", 0, 1L << 40, null),
                c.duration("ws.partial-frame-timeout", Duration.ofSeconds(1), Duration.ofHours(1)));
    }

    /** The same limits with other budgets for partly received messages. */
    public ProtocolLimits withPartial(long perTenant, long perProcess, Duration timeout) {
        return new ProtocolLimits(maxFrameBytes, hardFrameBytes, openTimeout, slowClientTimeout, perTenant, perProcess,
                timeout);
    }
}
