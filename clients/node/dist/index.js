export { VersionRange } from "./versions.js";
export { parseEnvironment } from "./environments.js";
export { choose } from "./balancer.js";
