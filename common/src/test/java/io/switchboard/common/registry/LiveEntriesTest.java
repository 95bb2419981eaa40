package io.switchboard.common.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.SerializationConfig;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import io.switchboard.common.model.Node;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveEntriesTest {
    private static final Node SNEAKY = new Node("t", "n", "orders", "1.0.0", "h:1", "prod",
            Map.of("removed", "expired", "owner", "x"));

    private static InternalSerializationService serialization() {
        SerializationConfig config = new SerializationConfig();
        RegistryProcessors.configure(config);
        return new DefaultSerializationServiceBuilder().setConfig(config).build();
    }

    @Test
    void tombstonesAreNotLiveAndNothingInANodeMakesItPassForOne() {
        RegistryEntry entry = new RegistryEntry(SNEAKY, 30, 1, 2, "session-1", null);
        LiveEntries live = new LiveEntries();
        assertThat(live.apply(Map.entry("n", entry))).isTrue();
        assertThat(live.apply(Map.entry("n", entry.tombstone(RemovalReason.DEREGISTERED)))).isFalse();
    }

    @Test
    void entriesAndTheCountingPredicateSurviveTheWireAsTheyWere() {
        InternalSerializationService ss = serialization();
        for (RegistryEntry entry : new RegistryEntry[] {
                new RegistryEntry(SNEAKY, 30, 1, 2, "session-1", null),
                new RegistryEntry(new Node("t", "m", "pay", "2.0.0-rc.1+b7", "http://h:2/x", null, null), 5, 3, 4, "s", null)
                        .tombstone(RemovalReason.EXPIRED)}) {
            Data data = ss.toData(entry);
            assertThat((RegistryEntry) ss.toObject(data)).isEqualTo(entry);
        }
        assertThat((Object) ss.toObject(ss.toData(new LiveEntries()))).isInstanceOf(LiveEntries.class);
    }
}
