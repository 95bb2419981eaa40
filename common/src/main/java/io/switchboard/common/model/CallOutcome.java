package io.switchboard.common.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How one call from a service to a node resolved through discovery went. Feeds node reputation and the
 * client's circuit breaker.
 *
 * @param timestamp     when the call ended, in microseconds since the Unix epoch
 * @param service       the calling service
 * @param node          the calling node's id, if known
 * @param calleeService the service that was called
 * @param calleeNode    the id of the node that was called
 * @param latencyMicros how long the call took
 * @param traceId       the trace the call belonged to, if any
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CallOutcome(String tenant, String id, long timestamp, String service, String node,
                          String environment, String calleeService, String calleeNode, boolean success,
                          long latencyMicros, String traceId) implements TraceItem {

    @Override
    public CallOutcome withTenant(String tenant) {
        return new CallOutcome(tenant, id, timestamp, service, node, environment, calleeService, calleeNode, success,
                latencyMicros, traceId);
    }
}
