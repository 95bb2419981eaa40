package io.switchboard.common.protocol;

import io.switchboard.common.config.ConfigSource;
import java.time.Duration;

/**
 * Bounds of a WebSocket endpoint.
 *
 * @param maxFrameBytes the largest text frame handled; a larger one gets a {@code frame_too_large} error and
 *                      the connection goes on
 * @param hardFrameBytes the largest frame read at all; beyond it the connection is closed with 1009, since
 *                      reading it would cost unbounded memory
 * @param openTimeout   how long a connection may stay without {@code open}
 * @param slowClientTimeout how long a client may leave what the server sends unread (its outbound queue full, so
 *                      the server stops reading from it meanwhile) before it is closed with 4008
 */
public record ProtocolLimits(int maxFrameBytes, int hardFrameBytes, Duration openTimeout, Duration slowClientTimeout) {
    public static final int VERSION = 1;

    public static ProtocolLimits from(ConfigSource c) {
        int max = c.integer("ws.max-frame-bytes", 1_024, 16 * 1_024 * 1_024);
        return new ProtocolLimits(max, max * 4, c.duration("ws.open-timeout", Duration.ofSeconds(1), Duration.ofMinutes(5)),
                c.duration("ws.slow-client-timeout", Duration.ofSeconds(1), Duration.ofHours(1)));
    }
}
