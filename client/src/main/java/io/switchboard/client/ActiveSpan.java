package io.switchboard.client;

/**
 * A span in progress. Set attributes and status while it runs, make it current so that logs and child spans
 * attach to it, and {@link #end()} it once: that records it.
 */
public interface ActiveSpan {
    SpanContext context();

    ActiveSpan attribute(String key, String value);

    /** Marks the operation as failed (status error); {@code ok} marks it successful. */
    ActiveSpan status(boolean ok);

    /** Makes this span the current one on this thread until the scope is closed. */
    Scope makeCurrent();

    /** Ends the span now and queues it for sending; later calls do nothing. */
    void end();
}
