package io.switchboard.discovery;

import io.switchboard.common.model.Node;
import io.switchboard.common.registry.RemovalReason;

/**
 * One change of the registry as a subscriber sees it: a node came or changed ({@code removed} null), or left.
 *
 * @param node      the node as it is now, or as it was when it left
 * @param writtenAt when the change was written, epoch milliseconds (for push latency)
 */
public record RegistryChange(Node node, RemovalReason removed, long writtenAt) {
    public String id() {
        return node.id();
    }
}
