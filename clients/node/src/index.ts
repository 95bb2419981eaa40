export { VersionRange } from "./versions.js";
export { parseEnvironment, type EnvironmentSpec } from "./environments.js";
export { choose, type Turn } from "./balancer.js";
export type { Node, NodePolicy, RoutingPolicy, Strategy } from "./policy.js";
