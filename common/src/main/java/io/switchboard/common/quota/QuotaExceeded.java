package io.switchboard.common.quota;

import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ProtocolException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tenant went over one of its quotas: answered with {@code limit_exceeded}, naming the quota (its configuration
 * key) and, for rates, when to try again.
 */
public final class QuotaExceeded extends ProtocolException {
    private final String quota;
    private final long retryAfterMillis;

    /** @param retryAfterMillis when the request could succeed, or 0 for a quota that frees up only as others leave */
    public QuotaExceeded(String quota, String message, String field, long retryAfterMillis) {
        super(ErrorCode.LIMIT_EXCEEDED, message, field);
        this.quota = quota;
        this.retryAfterMillis = retryAfterMillis;
    }

    public String quota() {
        return quota;
    }

    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    @Override
    public Map<String, Object> details() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("quota", quota);
        if (retryAfterMillis > 0) {
            d.put("retryAfterMs", retryAfterMillis);
        }
        return d;
    }
}
