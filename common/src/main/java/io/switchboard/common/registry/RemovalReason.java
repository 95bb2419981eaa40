package io.switchboard.common.registry;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Why a node left the registry, as sent to subscribers in {@code changes.removed[].reason}. */
public enum RemovalReason {
    /** The client sent deregister. */
    DEREGISTERED,
    /** Its TTL ran out without a heartbeat (a dropped connection, a hung process). */
    EXPIRED,
    /** Its connection was closed gracefully. */
    DISCONNECTED,
    /** Another node of the same service registered at the same address. */
    REPLACED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
