package io.switchboard.discovery;

import io.switchboard.common.codec.JsonText;
import io.switchboard.common.model.Node;
import io.switchboard.common.registry.RemovalReason;
import java.util.Map;

/**
 * One change of the registry as a subscriber sees it: a node came or changed ({@code removed} null), or left. One
 * change goes to every local subscription of the tenant, so its wire form is written once and shared.
 */
public final class RegistryChange {
    private final Node node;
    private final RemovalReason removed;
    private final long writtenAt;
    private volatile String wire;

    /**
     * @param node      the node as it is now, or as it was when it left
     * @param writtenAt when the change was written, epoch milliseconds (for push latency)
     */
    public RegistryChange(Node node, RemovalReason removed, long writtenAt) {
        this.node = node;
        this.removed = removed;
        this.writtenAt = writtenAt;
    }

    public Node node() {
        return node;
    }

    public RemovalReason removed() {
        return removed;
    }

    public long writtenAt() {
        return writtenAt;
    }

    public String id() {
        return node.id();
    }

    /**
     * The change as a member of a {@code changes} frame's {@code upserted} (the node) or {@code removed} (its id and
     * the reason) array.
     */
    String wire() {
        String w = wire;
        if (w == null) {
            StringBuilder b = new StringBuilder(160);
            if (removed == null) {
                wireNode(b, node);
            } else {
                b.append("{\"id\":");
                JsonText.string(b, node.id()).append(",\"reason\":\"").append(removed.wireName()).append("\"}");
            }
            wire = w = b.toString();
        }
        return w;
    }

    /**
     * Appends a node as subscribers see it: without the tenant, which is the subscriber's own; the fields and their
     * order are those of {@link Node}'s JSON.
     */
    static StringBuilder wireNode(StringBuilder b, Node n) {
        b.append("{\"id\":");
        JsonText.string(b, n.id());
        JsonText.field(b, "service", n.service());
        JsonText.field(b, "version", n.version());
        JsonText.field(b, "address", n.address());
        JsonText.field(b, "environment", n.environment());
        b.append(",\"properties\":{");
        boolean first = true;
        for (Map.Entry<String, String> p : n.properties().entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            JsonText.string(b, p.getKey()).append(':');
            JsonText.string(b, p.getValue());
        }
        return b.append("}}");
    }
}
