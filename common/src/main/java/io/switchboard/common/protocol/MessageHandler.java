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
}
