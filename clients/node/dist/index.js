export { Switchboard, CLIENT_NAME } from "./client.js";
export { Discovery, NoNodeError, RegistrationError } from "./discovery.js";
export { Tracing, Span, } from "./tracing.js";
export { parseTraceContext, traceparent, newSpanId, newTraceId, } from "./context.js";
export { CircuitBreaker } from "./breaker.js";
export { reconnectDelay } from "./connection.js";
export { VersionRange } from "./versions.js";
export { parseEnvironment } from "./environments.js";
export { choose } from "./balancer.js";
