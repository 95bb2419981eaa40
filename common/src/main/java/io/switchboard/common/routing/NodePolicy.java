package io.switchboard.common.routing;

/**
 * What the routing service decided about one node from the outcomes of calls to it.
 *
 * @param weight    its share under the weighted strategy, 1 to 100 (100 for a node with nothing against it)
 * @param errorRate failed calls over all calls in the recent window, 0 to 1
 * @param ejected   whether clients should leave it alone for now
 */
public record NodePolicy(int weight, double errorRate, boolean ejected) {
    public static final NodePolicy NEUTRAL = new NodePolicy(100, 0, false);
}
