package io.switchboard.common.protocol;

/** WebSocket close codes the server uses; 4000-4999 are Switchboard's own (docs/protocol.md, "Close codes"). */
public final class CloseCode {
    public static final short NORMAL = 1000;
    /** The server is shutting down or restarting: reconnect, to another replica if there is one. */
    public static final short GOING_AWAY = 1001;
    /** A frame over the hard size limit; Netty closes before the server sees it. */
    public static final short TOO_BIG = 1009;
    public static final short INTERNAL_ERROR = 1011;
    /** No {@code open} frame within the open timeout. */
    public static final short OPEN_TIMEOUT = 4000;
    /** The token expired while connected: reconnect with a fresh token. */
    public static final short TOKEN_EXPIRED = 4001;
    /** The client asked for a protocol version the server does not speak. */
    public static final short UNSUPPORTED_PROTOCOL = 4002;
    /** The client could not keep up with what the server sends. */
    public static final short TOO_SLOW = 4008;

    private CloseCode() {
    }
}
