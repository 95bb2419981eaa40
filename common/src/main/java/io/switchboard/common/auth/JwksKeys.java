package io.switchboard.common.auth;

import com.auth0.jwk.Jwk;
import com.auth0.jwk.JwkException;
import com.auth0.jwk.UrlJwkProvider;
import java.net.URL;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The signing keys of a JWKS URL, by key id, for verifying RS256 tokens without fetching per token.
 *
 * <p>The whole key set is fetched at once and kept; it is fetched again when a token names a key it does not hold,
 * but at most once per {@code minRefresh}, whoever asks: the answer "no such key" is cached for every unknown key id
 * until then. So tokens with made-up key ids cost one fetch per interval, not one each, and cannot use up a fetch
 * budget that a real key rotation needs; a rotation is picked up within {@code minRefresh}. Keys older than
 * {@code maxAge} are fetched again too (a revoked key goes away), and if that fails the keys held stay in use.
 */
final class JwksKeys {
    private final String url;
    private final UrlJwkProvider provider;
    private final Clock clock;
    private final Duration minRefresh;
    private final Duration maxAge;
    private Map<String, RSAPublicKey> keys = Map.of();
    private long fetchedAt = Long.MIN_VALUE / 2;
    private long attemptedAt = Long.MIN_VALUE / 2;
    private String lastFailure;
    private long fetches;

    JwksKeys(URL url, Clock clock, Duration minRefresh, Duration maxAge) {
        this.url = url.toString();
        this.provider = new UrlJwkProvider(url, 5_000, 5_000);
        this.clock = clock;
        this.minRefresh = minRefresh;
        this.maxAge = maxAge;
    }

    /** The key with this id; throws {@link AuthException} (bad signature, or keys unavailable) when there is none. */
    synchronized RSAPublicKey get(String keyId) {
        long now = clock.millis();
        RSAPublicKey key = keys.get(keyId);
        boolean stale = now - fetchedAt > maxAge.toMillis();
        if ((key == null || stale) && now - attemptedAt >= minRefresh.toMillis()) {
            fetch(now);
            key = keys.get(keyId);
        }
        if (key != null) {
            return key;
        }
        if (keys.isEmpty() && lastFailure != null) {
            throw new AuthException(AuthException.Reason.KEYS_UNAVAILABLE,
                    "signing keys could not be fetched from " + url + ": " + lastFailure);
        }
        throw new AuthException(AuthException.Reason.BAD_SIGNATURE,
                "the token was signed with key '" + keyId + "', which the JWKS does not list");
    }

    /** How many times the key set was fetched (for tests and diagnostics). */
    synchronized long fetches() {
        return fetches;
    }

    private void fetch(long now) {
        attemptedAt = now;
        fetches++;
        try {
            Map<String, RSAPublicKey> fresh = new HashMap<>();
            for (Jwk jwk : provider.getAll()) {
                if (jwk.getId() != null && "RSA".equals(jwk.getType())) {
                    fresh.put(jwk.getId(), (RSAPublicKey) jwk.getPublicKey());
                }
            }
            keys = Map.copyOf(fresh);
            fetchedAt = now;
            lastFailure = null;
        } catch (JwkException | RuntimeException e) {
            lastFailure = e.getMessage();
        }
    }
}
