package io.switchboard.standalone;

/** A reason standalone cannot start that the user can fix; printed as one line, without a stack trace. */
final class StartupException extends RuntimeException {
    StartupException(String message) {
        super(message);
    }
}
