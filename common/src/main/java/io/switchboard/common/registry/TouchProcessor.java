package io.switchboard.common.registry;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.io.Serial;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Extends the expiry of address-index entries along with their nodes, without changing them. */
final class TouchProcessor implements EntryProcessor<String, String, Boolean> {
    @Serial
    private static final long serialVersionUID = 1L;

    private final Map<String, Long> remainingMillis;

    TouchProcessor(Map<String, Long> remainingMillis) {
        this.remainingMillis = remainingMillis;
    }

    @Override
    public Boolean process(Map.Entry<String, String> entry) {
        if (entry.getValue() == null) {
            return false;
        }
        ((ExtendedMapEntry<String, String>) entry).setValue(entry.getValue(),
                remainingMillis.get(entry.getKey()), TimeUnit.MILLISECONDS);
        return true;
    }
}
