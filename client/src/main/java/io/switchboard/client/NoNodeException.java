package io.switchboard.client;

/** No node matched a resolve in time; the message says which service, version range and environment. */
public final class NoNodeException extends RuntimeException {
    public NoNodeException(String message) {
        super(message);
    }
}
