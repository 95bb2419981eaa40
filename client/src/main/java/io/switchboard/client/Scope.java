package io.switchboard.client;

/** Undoes {@link ActiveSpan#makeCurrent()}: the span that was current before becomes current again. */
public interface Scope extends AutoCloseable {
    @Override
    void close();
}
