/**
 * Values fitted to the event model's rules (docs/protocol.md, section 5), as the server's OTLP and Zipkin
 * receivers and the Java client fit them: an item is kept with its values cut rather than refused by the server
 * for a long attribute or an odd character.
 */
export declare const LIMITS: {
    nameLength: number;
    idLength: number;
    entries: number;
    keyLength: number;
    valueLength: number;
    spanEvents: number;
};
export declare const DROPPED_ATTRIBUTES = "switchboard.dropped_attributes";
/** A service or environment name: letters, digits and . _ - (others become _); null if nothing is left. */
export declare function fitName(value: string | undefined | null): string | null;
/** A node id: letters, digits and . _ : -; null if nothing is left. */
export declare function fitNodeId(value: string | undefined | null): string | null;
/** Text cut to `max` characters, control characters other than tab and newlines made spaces. */
export declare function fitText(value: string, max: number): string;
/** An operation or event name, cut to the name length; `fallback` when empty. */
export declare function fitLabel(value: string | undefined, fallback: string): string;
/**
 * Attributes within the model's bounds: keys fitted to letters, digits and . _ : / -, values cut, at most 64
 * entries, the last one then counting what did not fit (`switchboard.dropped_attributes`). A key put again
 * replaces the earlier value.
 */
export declare class FittedAttributes {
    private readonly map;
    private size;
    private dropped;
    put(key: string, value: unknown): this;
    putAll(attributes: Readonly<Record<string, unknown>> | undefined): this;
    addDropped(n: number): this;
    build(): Record<string, string>;
}
/** Attributes fitted as above, in one call. */
export declare function fitAttributes(attributes: Readonly<Record<string, unknown>>): Record<string, string>;
