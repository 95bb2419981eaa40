package io.switchboard.common.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The credential a replica's own warm-up uses to drive its real endpoints before it reports ready: a random key made
 * in this process, never written anywhere, accepted only from a loopback address and only until the warm-up that
 * issued it revokes it. Each key stands for a scratch tenant of its own, {@value #TENANT} and a random suffix (so
 * that replicas warming up at once in one cluster never share one), which no token can carry (a tenant in a token
 * starts with a letter or digit; see {@link JwtTokenVerifier#TENANT}): nothing the warm-up does is visible to any
 * tenant, and the warm-up removes what it wrote before it ends.
 */
public final class WarmUpKey {
    /** The start of every scratch tenant's name. */
    public static final String TENANT = "_warmup";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Live keys, each to its scratch tenant. */
    private static final Map<String, String> ACTIVE = new ConcurrentHashMap<>();

    private WarmUpKey() {
    }

    /** A new key, valid until {@link #revoke}d. */
    public static String issue() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String key = "warmup." + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        ACTIVE.put(key, TENANT + "-" + HexFormat.of().formatHex(bytes, 0, 4));
        return key;
    }

    /** The scratch tenant a live key stands for. */
    public static String tenant(String key) {
        String tenant = ACTIVE.get(key);
        if (tenant == null) {
            throw new IllegalArgumentException("not a live warm-up key");
        }
        return tenant;
    }

    /** Whether a tenant is a warm-up's scratch tenant. */
    public static boolean isScratch(String tenant) {
        return tenant != null && tenant.startsWith(TENANT);
    }

    public static void revoke(String key) {
        ACTIVE.remove(key);
    }

    /**
     * The warm-up's principal (an operator of its scratch tenant, for one hour: tails need one) if {@code token} is a live key and the
     * caller is on this machine's loopback, else null.
     */
    static Principal principal(String token, boolean loopback) {
        if (token == null || !loopback || !token.startsWith("warmup.") || ACTIVE.isEmpty()) {
            return null;
        }
        byte[] given = token.getBytes(StandardCharsets.UTF_8);
        for (var live : ACTIVE.entrySet()) {
            if (MessageDigest.isEqual(given, live.getKey().getBytes(StandardCharsets.UTF_8))) {
                return new Principal(live.getValue(), Role.OPERATOR, "warm-up", Instant.now().plusSeconds(3_600), null);
            }
        }
        return null;
    }
}
