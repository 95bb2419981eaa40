package io.switchboard.common.model;

import java.time.Duration;

/**
 * The bounds every item is checked against. The defaults are the documented protocol limits
 * (docs/protocol.md, "Limits"); a deployment may tighten them through its configuration.
 *
 * @param maxIdLength            node ids
 * @param maxNameLength          service, environment, category, operation and node references
 * @param maxVersionLength       semantic versions
 * @param maxAddressLength       node addresses
 * @param maxMessageLength       log messages, in characters
 * @param maxEntries             attributes of an item, properties of a node
 * @param maxKeyLength           an attribute or property key
 * @param maxValueLength         an attribute or property value
 * @param maxFutureSkew          how far past the server's clock a timestamp may be
 * @param maxDuration            the longest span or call
 * @param maxAge                 how far before the server's clock a trace item's timestamp may be: history keeps
 *                               no older events (its retention), and an older day would only create an index
 */
public record Limits(int maxIdLength, int maxNameLength, int maxVersionLength, int maxAddressLength,
                     int maxMessageLength, int maxEntries, int maxKeyLength, int maxValueLength,
                     Duration maxFutureSkew, Duration maxDuration, Duration maxAge) {

    public static final Limits DEFAULT = new Limits(128, 100, 64, 512, 32_768, 64, 128, 1_024,
            Duration.ofMinutes(5), Duration.ofDays(7), Duration.ofDays(7));

    /** These limits with another oldest timestamp accepted. */
    public Limits withMaxAge(Duration age) {
        return new Limits(maxIdLength, maxNameLength, maxVersionLength, maxAddressLength, maxMessageLength, maxEntries,
                maxKeyLength, maxValueLength, maxFutureSkew, maxDuration, age);
    }
}
