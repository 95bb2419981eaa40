/**
 * Version ranges (docs/client-behaviour.md, section 1): MAJOR, MAJOR.MINOR or MAJOR.MINOR.PATCH. A node's
 * MAJOR.MINOR.PATCH version (a -pre or +build suffix is ignored) matches when its major is equal and its
 * (minor, patch) is at least the range's. Not npm's semver.
 */
export class VersionRange {
    major;
    minor;
    patch;
    static REQUEST = /^(\d{1,9})(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?$/;
    static VERSION = /^(\d{1,9})\.(\d{1,9})\.(\d{1,9})(?:[-+].*)?$/;
    constructor(major, minor, patch) {
        this.major = major;
        this.minor = minor;
        this.patch = patch;
    }
    /** Throws a RangeError naming the accepted forms for anything else. */
    static parse(text) {
        const m = typeof text === "string" ? VersionRange.REQUEST.exec(text.trim()) : null;
        if (!m) {
            throw new RangeError(`version range must be MAJOR, MAJOR.MINOR or MAJOR.MINOR.PATCH, got '${text}'`);
        }
        return new VersionRange(Number(m[1]), m[2] === undefined ? 0 : Number(m[2]), m[3] === undefined ? 0 : Number(m[3]));
    }
    matches(version) {
        const m = VersionRange.VERSION.exec(version);
        if (!m) {
            return false;
        }
        const [maj, min, pat] = [Number(m[1]), Number(m[2]), Number(m[3])];
        return maj === this.major && (min > this.minor || (min === this.minor && pat >= this.patch));
    }
    toString() {
        return `${this.major}.${this.minor}.${this.patch} (same major, at least this)`;
    }
}
