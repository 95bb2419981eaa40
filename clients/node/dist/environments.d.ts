/** "prod" or "prod,fallback:staging" (docs/client-behaviour.md, section 2). */
export interface EnvironmentSpec {
    readonly primary: string;
    readonly fallback: string | null;
}
/** Throws a RangeError saying what is expected for anything else. */
export declare function parseEnvironment(text: string): EnvironmentSpec;
