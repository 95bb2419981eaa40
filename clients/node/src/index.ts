export { Switchboard, CLIENT_NAME, type SwitchboardOptions } from "./client.js";
export { Discovery, NoNodeError, RegistrationError } from "./discovery.js";
export {
  Tracing, Span, type Attributes, type Level, type SpanKind, type SpanOptions, type SpanStatus, type TraceItem,
} from "./tracing.js";
export {
  parseTraceContext, traceparent, newSpanId, newTraceId, type HeaderSource, type SpanContext,
} from "./context.js";
export { expressMiddleware, fastifyPlugin, nodeUrl, requestSpan, tracedFetch, type Target } from "./http.js";
export { SwitchboardSpanExporter } from "./otel.js";
export { fitAttributes, fitName } from "./fit.js";
export { CircuitBreaker, type BreakerState } from "./breaker.js";
export { reconnectDelay, type TokenSource } from "./connection.js";
export { VersionRange } from "./versions.js";
export { parseEnvironment, type EnvironmentSpec } from "./environments.js";
export { choose, type Turn } from "./balancer.js";
export type { Node, NodePolicy, RoutingPolicy, Strategy } from "./policy.js";
