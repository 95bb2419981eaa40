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
 * @param calleeVersion the called node's version, if the client knows it: per-version health (canaries) counts
 *                      only outcomes that carry it
 * @param calleeEnvironment the called node's environment, if the client knows it (else {@code environment}, the
 *                      caller's, stands for it)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CallOutcome(String tenant, String id, long timestamp, String service, String node,
                          String environment, String calleeService, String calleeNode, boolean success,
                          long latencyMicros, String traceId, String reporter, String calleeVersion,
                          String calleeEnvironment) implements TraceItem {
    /** The one reporter identity all tenant-wide tokens share (docs/routing.md). */
    public static final String TENANT_WIDE = "*";

    public CallOutcome(String tenant, String id, long timestamp, String service, String node, String environment,
                       String calleeService, String calleeNode, boolean success, long latencyMicros, String traceId) {
        this(tenant, id, timestamp, service, node, environment, calleeService, calleeNode, success, latencyMicros,
                traceId, null, null, null);
    }

    @Override
    public CallOutcome withTenant(String tenant) {
        return new CallOutcome(tenant, id, timestamp, service, node, environment, calleeService, calleeNode, success,
                latencyMicros, traceId, reporter, calleeVersion, calleeEnvironment);
    }

    /** The same outcome vouched for by {@code reporter} (null: by a token bound to the caller). */
    public CallOutcome reportedBy(String reporter) {
        return new CallOutcome(tenant, id, timestamp, service, node, environment, calleeService, calleeNode, success,
                latencyMicros, traceId, reporter, calleeVersion, calleeEnvironment);
    }

    /** The same outcome naming the called node's version and environment. */
    public CallOutcome ofCallee(String version, String calleeEnvironment) {
        return new CallOutcome(tenant, id, timestamp, service, node, environment, calleeService, calleeNode, success,
                latencyMicros, traceId, reporter, version, calleeEnvironment);
    }

    /** The called node's environment as far as known: its own, else the caller's. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public String calleeEnvironmentOrCallers() {
        return calleeEnvironment != null ? calleeEnvironment : environment;
    }

    /** The identity whose word this outcome is: the verified caller, or {@link #TENANT_WIDE}. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public String identity() {
        return reporter != null ? reporter : service;
    }
}
