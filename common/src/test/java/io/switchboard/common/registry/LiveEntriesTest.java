package io.switchboard.common.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.common.model.Node;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveEntriesTest {
    private static boolean live(RegistryEntry e) {
        return new LiveEntries().apply(Map.entry("n", e.toJson()));
    }

    @Test
    void tombstonesAreNotLiveAndNothingInANodeMakesItPassForOne() {
        Node sneaky = new Node("t", "n", "orders", "1.0.0", "h:1", "prod", Map.of("removed", "expired", "owner", "x"));
        RegistryEntry entry = new RegistryEntry(sneaky, 30, 1, 2, "session-1", null);
        assertThat(live(entry)).isTrue();
        assertThat(live(entry.tombstone(RemovalReason.DEREGISTERED))).isFalse();
    }
}
