package io.switchboard.common.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Handles one message type on an open session. Throwing {@link io.switchboard.common.model.ValidationException}
 * sends an {@code invalid_field} error naming the field; {@link ProtocolException} sends its code; the session
 * survives both.
 */
@FunctionalInterface
public interface MessageHandler {
    void handle(Session session, JsonNode frame);

    /**
     * A handler that reads the frame's text itself, for message types on the hot path where building a tree of
     * the whole frame first would cost more than the work itself (tracing's {@code events}).
     */
    interface Streaming extends MessageHandler {
        void handleText(Session session, String text);

        @Override
        default void handle(Session session, JsonNode frame) {
            handleText(session, frame.toString());
        }
    }
}
