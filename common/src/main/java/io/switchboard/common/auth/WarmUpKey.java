package io.switchboard.common.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The credential a replica's own warm-up uses to drive its real endpoints before it reports ready: a random key made
 * in this process, never written anywhere, accepted only from a loopback address and only until the warm-up that
 * issued it revokes it. It stands for the scratch tenant {@value #TENANT}, which no token can carry (a tenant in a
 * token starts with a letter or digit; see {@link JwtTokenVerifier#TENANT}), so nothing the warm-up does is visible
 * to any tenant, and the warm-up removes what it wrote before it ends.
 */
public final class WarmUpKey {
    /** The scratch tenant of every warm-up. */
    public static final String TENANT = "_warmup";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<String> ACTIVE = ConcurrentHashMap.newKeySet();

    private WarmUpKey() {
    }

    /** A new key, valid until {@link #revoke}d. */
    public static String issue() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String key = "warmup." + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        ACTIVE.add(key);
        return key;
    }

    public static void revoke(String key) {
        ACTIVE.remove(key);
    }

    /**
     * The warm-up's principal (a client of the scratch tenant, for one hour) if {@code token} is a live key and the
     * caller is on this machine's loopback, else null.
     */
    static Principal principal(String token, boolean loopback) {
        if (token == null || !loopback || !token.startsWith("warmup.") || ACTIVE.isEmpty()) {
            return null;
        }
        byte[] given = token.getBytes(StandardCharsets.UTF_8);
        for (String key : ACTIVE) {
            if (MessageDigest.isEqual(given, key.getBytes(StandardCharsets.UTF_8))) {
                return new Principal(TENANT, Role.CLIENT, "warm-up", Instant.now().plusSeconds(3_600), null);
            }
        }
        return null;
    }
}
