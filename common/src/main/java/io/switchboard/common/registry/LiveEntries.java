package io.switchboard.common.registry;

import com.hazelcast.query.Predicate;
import java.io.Serial;
import java.util.Map;

/**
 * Registry entries that are live nodes, not tombstones of nodes that just left: for counting a tenant's registered
 * nodes where the entries live (a member runs it, so it lives in common). Told apart by the tombstone's
 * {@code removed} field without parsing the entry: it comes after {@code owner}, which the server sets, so nothing a
 * client puts in a node (a property named "removed", say) can pass for it.
 */
public final class LiveEntries implements Predicate<String, String> {
    @Serial
    private static final long serialVersionUID = 1L;

    @Override
    public boolean apply(Map.Entry<String, String> entry) {
        String value = entry.getValue();
        if (value == null) {
            return false;
        }
        int owner = value.lastIndexOf("\"owner\":");
        return value.indexOf("\"removed\":", Math.max(0, owner)) < 0;
    }
}
