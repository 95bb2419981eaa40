package io.switchboard.common.routing;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What the routing service decided about one node from the outcomes of calls to it.
 *
 * @param weight     its share under the weighted strategy, 1 to 100 (100 for a node with nothing against it)
 * @param errorRate  failed calls over all calls in the recent window, 0 to 1
 * @param ejected    whether every client should leave it alone for now (failures corroborated by two identities)
 * @param ejectedFor callers that should leave it alone on their own evidence (docs/routing.md); absent when none
 */
public record NodePolicy(int weight, double errorRate, boolean ejected,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> ejectedFor) {
    public static final NodePolicy NEUTRAL = new NodePolicy(100, 0, false);

    public NodePolicy {
        ejectedFor = ejectedFor == null ? List.of() : List.copyOf(ejectedFor);
    }

    public NodePolicy(int weight, double errorRate, boolean ejected) {
        this(weight, errorRate, ejected, List.of());
    }

    /** Whether a client calling as {@code caller} (null: unknown) should leave the node alone. */
    public boolean ejectedFor(String caller) {
        return ejected || caller != null && ejectedFor.contains(caller);
    }
}
