package io.switchboard.common.model;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when input breaks one or more rules; the message lists every violation. */
public final class ValidationException extends RuntimeException {
    private final List<Violation> violations;

    public ValidationException(List<Violation> violations) {
        super(violations.stream().map(Violation::toString).collect(Collectors.joining("; ")));
        this.violations = List.copyOf(violations);
    }

    public List<Violation> violations() {
        return violations;
    }
}
