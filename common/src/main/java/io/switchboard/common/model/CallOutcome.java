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
 * @param reporter      who vouches for {@code service} as the caller: absent when the outcome came with a token bound
 *                      to that service (the caller is verified), {@link #TENANT_WIDE} when it came with a tenant-wide
 *                      token, which may claim any caller. Set by the tracing service, never taken from a client
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CallOutcome(String tenant, String id, long timestamp, String service, String node,
                          String environment, String calleeService, String calleeNode, boolean success,
                          long latencyMicros, String traceId, String reporter) implements TraceItem {
    /** The one reporter identity all tenant-wide tokens share (docs/routing.md). */
    public static final String TENANT_WIDE = "*";

    public CallOutcome(String tenant, String id, long timestamp, String service, String node, String environment,
                       String calleeService, String calleeNode, boolean success, long latencyMicros, String traceId) {
        this(tenant, id, timestamp, service, node, environment, calleeService, calleeNode, success, latencyMicros,
                traceId, null);
    }

    @Override
    public CallOutcome withTenant(String tenant) {
        return new CallOutcome(tenant, id, timestamp, service, node, environment, calleeService, calleeNode, success,
                latencyMicros, traceId, reporter);
    }

    /** The same outcome vouched for by {@code reporter} (null: by a token bound to the caller). */
    public CallOutcome reportedBy(String reporter) {
        return new CallOutcome(tenant, id, timestamp, service, node, environment, calleeService, calleeNode, success,
                latencyMicros, traceId, reporter);
    }

    /** The identity whose word this outcome is: the verified caller, or {@link #TENANT_WIDE}. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public String identity() {
        return reporter != null ? reporter : service;
    }
}
