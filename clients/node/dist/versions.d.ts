/**
 * Version ranges (docs/client-behaviour.md, section 1): MAJOR, MAJOR.MINOR or MAJOR.MINOR.PATCH. A node's
 * MAJOR.MINOR.PATCH version (a -pre or +build suffix is ignored) matches when its major is equal and its
 * (minor, patch) is at least the range's. Not npm's semver.
 */
export declare class VersionRange {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
    private static readonly REQUEST;
    private static readonly VERSION;
    private constructor();
    /** Throws a RangeError naming the accepted forms for anything else. */
    static parse(text: string): VersionRange;
    matches(version: string): boolean;
    toString(): string;
}
