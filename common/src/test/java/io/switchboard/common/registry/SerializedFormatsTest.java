package io.switchboard.common.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.SerializationConfig;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import com.hazelcast.internal.serialization.impl.HeapData;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.model.CallOutcome;
import io.switchboard.common.model.Level;
import io.switchboard.common.model.LogEvent;
import io.switchboard.common.model.Node;
import io.switchboard.common.model.Span;
import io.switchboard.common.model.TraceItem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What members of two releases exchange mid-rollout, held to recorded bytes: the registry's values and entry
 * processors (Hazelcast runs a processor on whichever member owns the key, which may run the other release) and the
 * trace ring records (written by one release's tracing, read by another's query and routing).
 *
 * <p>src/test/resources/formats/RELEASE/ holds each format as a release wrote it. Today's code must write exactly
 * what the newest release wrote (so that the previous release, still running, reads it) and read what every kept
 * release wrote (so that it reads what the previous one left in the maps and rings). A deliberate change of a
 * format goes in a new release's directory (record it with {@code -Dformats.record=RELEASE}), and the code must keep
 * reading the older one; docs/deploy.md says so.
 */
class SerializedFormatsTest {
    private static final Path FORMATS = Path.of("src/test/resources/formats");
    private static final InternalSerializationService SERIALIZATION;

    static {
        SerializationConfig config = new SerializationConfig();
        RegistryProcessors.configure(config);
        SERIALIZATION = new DefaultSerializationServiceBuilder().setConfig(config).build();
    }

    /** One sample of every exchanged Hazelcast value, with fixed contents. */
    private static Map<String, Object> hazelcastSamples() {
        Node node = new Node("acme", "orders-1", "orders", "1.4.2", "10.0.0.7:8080", "prod",
                Map.of("zone", "eu-west-1a"));
        RegistryEntry live = new RegistryEntry(node, 30, 1_764_900_000_000L, 1_764_900_012_345L, "session-42", null);
        Map<String, Object> samples = new LinkedHashMap<>();
        samples.put("registry-entry", live);
        samples.put("registry-tombstone", live.tombstone(RemovalReason.EXPIRED));
        samples.put("register-processor", RegistryProcessors.register(live, 30_000));
        samples.put("index-processor", RegistryProcessors.index("orders-1", 30_000));
        samples.put("refresh-processor", RegistryProcessors.refresh(30_000, 1_764_900_012_345L));
        samples.put("touch-processor", RegistryProcessors.touch(30_000));
        samples.put("remove-processor", RegistryProcessors.remove(RemovalReason.DEREGISTERED, "session-42", "orders",
                "10.0.0.7:8080"));
        samples.put("live-entries", new LiveEntries());
        samples.put("live-size", new LiveSize());
        return samples;
    }

    /** One sample of every kind of trace ring record. */
    private static Map<String, TraceItem> ringSamples() {
        Map<String, TraceItem> samples = new LinkedHashMap<>();
        samples.put("ring-log", new LogEvent("acme", "log-1", 1_764_900_000_123L, "orders", "orders-1", "prod",
                Level.WARN, "orders.api", "payment declined for order 7", "4bf92f3577b34da6a3ce929d0e0e4736",
                "00f067aa0ba902b7", Map.of("order", "7")));
        samples.put("ring-span", new Span("acme", "span-1", 1_764_900_000_100L, 2_500, "orders", "orders-1", "prod",
                "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", null, "POST /orders", Span.SpanKind.SERVER,
                Span.Status.OK, null, Map.of("http.status_code", "201"), null, List.of(), List.of()));
        samples.put("ring-outcome", new CallOutcome("acme", "outcome-1", 1_764_900_000_200L, "orders", "orders-1", "prod",
                "payments", "payments-2", false, 40_000, "4bf92f3577b34da6a3ce929d0e0e4736", "orders", "1.3.0", "prod"));
        return samples;
    }

    @Test
    void todayWritesWhatTheNewestReleaseWrote() throws IOException {
        String release = System.getProperty("formats.record");
        if (release != null) {
            record(release);
        }
        Path newest = releases().getLast();
        hazelcastSamples().forEach((name, sample) -> assertThat(HexFormat.of().formatHex(SERIALIZATION.toData(sample).toByteArray()))
                .as(name + " as the newest release (" + newest.getFileName() + ") wrote it: a member of that release, "
                        + "mid-rollout, could not read today's")
                .isEqualTo(read(newest.resolve(name + ".hex"))));
        ringSamples().forEach((name, item) -> assertThat(TraceRings.encode(item))
                .as(name + " as the newest release (" + newest.getFileName() + ") wrote it")
                .isEqualTo(read(newest.resolve(name + ".txt"))));
    }

    @Test
    void todayReadsWhatEveryKeptReleaseWrote() throws IOException {
        for (Path release : releases()) {
            for (Map.Entry<String, Object> e : hazelcastSamples().entrySet()) {
                byte[] bytes = HexFormat.of().parseHex(read(release.resolve(e.getKey() + ".hex")));
                Object back = SERIALIZATION.toObject(new HeapData(bytes));
                assertThat(back).as(e.getKey() + " of release " + release.getFileName()).isInstanceOf(e.getValue().getClass());
                if (back instanceof RegistryEntry) {
                    assertThat(back).isEqualTo(e.getValue());
                } else {
                    // processors have no equality of their own: every field read is every field written again
                    Data again = SERIALIZATION.toData(back);
                    assertThat(again.toByteArray()).as(e.getKey() + " of release " + release.getFileName() + ", read and "
                            + "written again").isEqualTo(bytes);
                }
            }
            for (Map.Entry<String, TraceItem> e : ringSamples().entrySet()) {
                assertThat(TraceRings.decode(read(release.resolve(e.getKey() + ".txt"))))
                        .as(e.getKey() + " of release " + release.getFileName()).isEqualTo(e.getValue());
            }
        }
    }

    private static List<Path> releases() throws IOException {
        try (Stream<Path> dirs = Files.list(FORMATS)) {
            List<Path> found = dirs.filter(Files::isDirectory).sorted().toList();
            assertThat(found).as("recorded formats under " + FORMATS.toAbsolutePath()).isNotEmpty();
            return found;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("no recorded format " + file + "; record it with -Dformats.record=RELEASE", e);
        }
    }

    private static void record(String release) throws IOException {
        Path dir = FORMATS.resolve(release);
        Files.createDirectories(dir);
        for (Map.Entry<String, Object> e : hazelcastSamples().entrySet()) {
            Files.writeString(dir.resolve(e.getKey() + ".hex"), HexFormat.of().formatHex(SERIALIZATION.toData(e.getValue()).toByteArray()));
        }
        for (Map.Entry<String, TraceItem> e : ringSamples().entrySet()) {
            Files.writeString(dir.resolve(e.getKey() + ".txt"), TraceRings.encode(e.getValue()));
        }
    }
}
