package io.switchboard.common.model;

/**
 * One broken rule: the field (a path such as {@code node.properties.zone}) and what is wrong with it, naming
 * the limit.
 */
public record Violation(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
