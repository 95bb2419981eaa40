package io.switchboard.common.registry;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.io.Serial;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Points an address-index entry at a node id, returning the id it pointed at before (or null). */
final class IndexProcessor implements EntryProcessor<String, String, String> {
    @Serial
    private static final long serialVersionUID = 2L;

    private final String id;
    private final long expiryMillis;

    IndexProcessor(String id, long expiryMillis) {
        this.id = id;
        this.expiryMillis = expiryMillis;
    }

    @Override
    public String process(Map.Entry<String, String> entry) {
        String previous = entry.getValue();
        ((ExtendedMapEntry<String, String>) entry).setValue(id, expiryMillis, TimeUnit.MILLISECONDS);
        return previous;
    }
}
