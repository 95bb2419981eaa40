package io.switchboard.common.auth;

/** Turns a bearer token into a {@link Principal} or says precisely why it cannot. */
public interface TokenVerifier {
    /**
     * @throws AuthException with the reason the token is refused
     */
    Principal verify(String token);

    /** True if {@link #verify} may block (fetching signing keys), so callers keep it off event loops. */
    default boolean mayBlock() {
        return false;
    }
}
