package io.switchboard.common.protocol;

/** Told when a session has completed its handshake and when it ends, so a service can tidy up after it. */
public interface SessionListener {
    SessionListener NONE = new SessionListener() {
    };

    default void opened(Session session) {
    }

    /**
     * @param graceful true if the client sent {@code close} first; false for a dropped connection, a timeout or
     *                 a server-side close
     */
    default void closed(Session session, boolean graceful) {
    }
}
