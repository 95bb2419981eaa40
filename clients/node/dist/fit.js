/**
 * Values fitted to the event model's rules (docs/protocol.md, section 5), as the server's OTLP and Zipkin
 * receivers and the Java client fit them: an item is kept with its values cut rather than refused by the server
 * for a long attribute or an odd character.
 */
export const LIMITS = { nameLength: 100, idLength: 128, entries: 64, keyLength: 128, valueLength: 1_024, spanEvents: 128 };
export const DROPPED_ATTRIBUTES = "switchboard.dropped_attributes";
function fit(value, punctuation, max) {
    if (value === undefined || value === null) {
        return null;
    }
    let out = "";
    for (let i = 0; i < value.length && out.length < max; i++) {
        const c = value[i];
        const alnum = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9");
        if (out.length === 0 && !alnum) {
            continue;
        }
        out += alnum || punctuation.includes(c) ? c : "_";
    }
    return out.length === 0 ? null : out;
}
/** A service or environment name: letters, digits and . _ - (others become _); null if nothing is left. */
export function fitName(value) {
    return fit(value, "._-", LIMITS.nameLength);
}
/** A node id: letters, digits and . _ : -; null if nothing is left. */
export function fitNodeId(value) {
    return fit(value, "._:-", LIMITS.idLength);
}
/** Text cut to `max` characters, control characters other than tab and newlines made spaces. */
export function fitText(value, max) {
    // eslint-disable-next-line no-control-regex
    return (value.length > max ? value.substring(0, max) : value).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, " ");
}
/** An operation or event name, cut to the name length; `fallback` when empty. */
export function fitLabel(value, fallback) {
    const t = value === undefined ? "" : fitText(value, LIMITS.nameLength);
    return t.trim().length === 0 ? fallback : t;
}
/**
 * Attributes within the model's bounds: keys fitted to letters, digits and . _ : / -, values cut, at most 64
 * entries, the last one then counting what did not fit (`switchboard.dropped_attributes`). A key put again
 * replaces the earlier value.
 */
export class FittedAttributes {
    map = {};
    size = 0;
    dropped = 0;
    put(key, value) {
        const k = fit(key, "._:/-", LIMITS.keyLength);
        if (k === null || value === undefined || value === null) {
            return this;
        }
        const text = typeof value === "string" ? value : Array.isArray(value) ? JSON.stringify(value) : String(value);
        // The model has no empty values: an empty one is kept as the two characters "".
        const v = text.length === 0 ? '""' : fitText(text, LIMITS.valueLength);
        if (k in this.map) {
            this.map[k] = v;
        }
        else if (this.size < LIMITS.entries - 1) {
            this.map[k] = v;
            this.size++;
        }
        else {
            this.dropped++;
        }
        return this;
    }
    putAll(attributes) {
        for (const [k, v] of Object.entries(attributes ?? {})) {
            this.put(k, v);
        }
        return this;
    }
    addDropped(n) {
        this.dropped += Math.max(0, n);
        return this;
    }
    build() {
        if (this.dropped > 0) {
            this.map[DROPPED_ATTRIBUTES] = String(this.dropped);
        }
        return this.map;
    }
}
/** Attributes fitted as above, in one call. */
export function fitAttributes(attributes) {
    return new FittedAttributes().putAll(attributes).build();
}
